"""The image of one scanned page: a PDF page rendered by PDFium, or one frame of a PNG, JPEG or TIFF
(Pillow). OCR and the source viewer both use these, so a line's box fits the page the user sees."""
from __future__ import annotations

import io

from .model import ParseError
from .pdf import PDFIUM_LOCK

RENDER_DPI = 200  # PDF pages are rendered at this for OCR: 8-point type stays legible
MAX_PIXELS = 80_000_000  # per page (an A3 page at 600 dpi is 70 M); larger is refused before decoding
MAX_SIDE = 3500  # larger pages are shrunk to this before OCR: time and memory stay bounded
MAX_FRAMES = 5000
IMAGE_SUFFIXES = frozenset((".png", ".jpg", ".jpeg", ".tif", ".tiff"))
BLANK_STDDEV = 2.0  # grey levels: a page this even holds nothing to read


def open_image(data: bytes):
    """The image, checked: decodable, not a decompression bomb. Raises ParseError with the reason."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ParseError("image is too large to read (its declared size is over Pillow's safety limit)") from None
    except UnidentifiedImageError:
        raise ParseError("not a readable image (PNG, JPEG or TIFF)") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ParseError(f"image is too large to read ({width} \u00d7 {height} pixels)")
    return image


def frame_count(image) -> int:
    try:
        return min(max(1, int(getattr(image, "n_frames", 1))), MAX_FRAMES)
    except (OSError, ValueError, EOFError, SyntaxError):
        raise ParseError("image is damaged or truncated") from None


def image_frame(image, page: int):
    """Frame `page` (1-based) as an upright RGB image, at most MAX_SIDE on its longest side."""
    from PIL import Image, ImageOps

    try:
        image.seek(page - 1)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ParseError(f"page {page} is too large to read ({width} \u00d7 {height} pixels)")
        frame = ImageOps.exif_transpose(image)  # a phone photo's rotation lives in its EXIF data
        frame.load()
        frame = frame.convert("RGB")
    except ParseError:
        raise
    except (OSError, ValueError, EOFError, SyntaxError, Image.DecompressionBombError):
        raise ParseError("image is damaged or truncated") from None
    return _bounded(frame)


def render_pdf_page(data: bytes, page: int, dpi: int = RENDER_DPI):
    """PDF page `page` (1-based) rendered to an RGB image, at most MAX_SIDE on its longest side."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdf_page = None
        try:
            pdf = pdfium.PdfDocument(data)
            pdf_page = pdf[page - 1]
            width, height = pdf_page.get_size()
            scale = min(dpi / 72, MAX_SIDE / max(width, height, 1))
            image = pdf_page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
        except (pdfium.PdfiumError, IndexError, ValueError, OSError):
            raise ParseError(f"page {page} could not be rendered") from None
        finally:
            if pdf_page is not None:
                pdf_page.close()
            if pdf is not None:
                pdf.close()
    return image


def page_image(data: bytes, suffix: str, page: int):
    """The page as the viewer shows it and OCR read it: a PDF page or an image's frame."""
    if suffix.lower() == ".pdf":
        return render_pdf_page(data, max(page, 1))
    image = open_image(data)
    return image_frame(image, min(max(page, 1), frame_count(image)))


def is_blank(image) -> bool:
    from PIL import ImageStat

    return ImageStat.Stat(image.convert("L")).stddev[0] < BLANK_STDDEV


def _bounded(image):
    longest = max(image.size)
    if longest <= MAX_SIDE:
        return image
    scale = MAX_SIDE / longest
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
