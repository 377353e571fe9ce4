"""PDF text per page via PDFium (pypdfium2, Apache/BSD)."""
from __future__ import annotations

import threading
import unicodedata
from pathlib import Path

from .model import Block, ParsedDocument, ParseError

# PDFium is not thread-safe: every pypdfium2 call in the process goes through this lock.
PDFIUM_LOCK = threading.Lock()
MAX_PAGES = 5000
MAX_UNREADABLE_RUN = 20
# A text layer with fewer visible characters than this on a page that holds an image is a scan's
# stamp or page number: the page is read by OCR too. More junk than GARBAGE_SHARE (private-use glyphs,
# control codes, replacement marks) is a broken font encoding: the layer is not used.
SHORT_TEXT = 40
GARBAGE_SHARE = 0.3

_ERRORS = {
    2: "file is damaged or truncated",  # FPDF_ERR_FILE
    3: "file is damaged or truncated",  # FPDF_ERR_FORMAT
    4: "password-protected PDF",  # FPDF_ERR_PASSWORD
    5: "PDF uses an unsupported security handler",  # FPDF_ERR_SECURITY
    6: "file is damaged or truncated",  # FPDF_ERR_PAGE
}


def parse_pdf(data: bytes, path: Path, ocr=None) -> ParsedDocument:
    import pypdfium2 as pdfium

    if b"%PDF" not in data[:1024]:
        raise ParseError("not a real PDF")
    doc = ParsedDocument(path=path, title=path.stem, blocks=[], kind="pdf")
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ParseError(_ERRORS.get(getattr(exc, "err_code", None), "file is damaged or truncated")) from None
        try:
            doc.title = _title(pdf) or path.stem
            count = len(pdf)
            if count > MAX_PAGES:
                doc.warnings.append(f"only the first {MAX_PAGES} of {count} pages were read")
            unreadable = 0
            for number in range(1, min(count, MAX_PAGES) + 1):
                text, has_image = _page_text(pdf, number - 1)
                if text is None:
                    unreadable += 1
                    if unreadable > MAX_UNREADABLE_RUN:  # a broken page tree: stop, don't list thousands
                        doc.warnings.append(f"pages from {number} on could not be read")
                        break
                    doc.warnings.append(f"page {number} could not be read")
                    continue
                unreadable = 0
                usable = usable_text(text)
                if usable:
                    doc.blocks.append(Block(text=text, page=number))
                if not usable or (has_image and len("".join(text.split())) < SHORT_TEXT):
                    doc.needs_ocr_pages.append(number)
        finally:
            pdf.close()
    if not doc.blocks and not doc.needs_ocr_pages:
        raise ParseError("PDF has no pages")
    if ocr is not None and doc.needs_ocr_pages:
        from .page_images import render_pdf_page
        from .scanned import read_scanned

        read_scanned(doc, ocr, data, lambda page: render_pdf_page(data, page))
    return doc


def usable_text(text: str) -> bool:
    """Whether a page's text layer is worth indexing: not empty, not a broken encoding's junk."""
    visible = "".join(text.split())
    if not visible:
        return False
    junk = sum(1 for ch in visible if ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cn", "Cc", "Cs"))
    return junk <= GARBAGE_SHARE * len(visible)


def _page_text(pdf, index: int) -> tuple[str | None, bool]:
    """The page's text (None: the page cannot be read) and whether it holds an image."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    page = textpage = None
    try:
        page = pdf[index]
        textpage = page.get_textpage()
        text = textpage.get_text_bounded()
        has_image = next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2), None) is not None
    except (pdfium.PdfiumError, ValueError, OSError):
        return None, False
    finally:
        if textpage is not None:
            textpage.close()
        if page is not None:
            page.close()
    # PDFium marks line ends with CRLF and soft hyphens with U+FFFE / U+0002.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufffe", "").replace("\x02", "").replace("\x00", ""), has_image


def _title(pdf) -> str | None:
    try:
        title = (pdf.get_metadata_dict(skip_empty=True).get("Title") or "").strip()
    except Exception:  # metadata is decorative; a broken info dictionary must not fail the file
        return None
    for prefix in ("Microsoft Word - ", "Microsoft PowerPoint - "):
        if title.startswith(prefix):
            title = title[len(prefix):]
    return title or None
