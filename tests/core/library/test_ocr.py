"""OCR of scanned pages with the real engine on pages rendered here: no download, European text,
image files, PDF pages, hostile files."""
from __future__ import annotations

import io
import struct
import sys
import threading
from pathlib import Path

import pytest

from app.core.library.content_ids import file_hash
from app.core.library.ingest import ocr, parse_bytes, parse_file
from app.core.library.ingest.model import OcrCancelled, ParseError
from app.core.library.ingest.pdf import usable_text
from app.core.library.ingest.scanned import NO_TEXT, OcrContext
from app.core.library.ocr_cache import OcrCache
from tests.core.ingest_files import pdf_bytes
from tests.helpers.scans import EUROPEAN, cer, email_with_pdfs, render_page, save_pdf, save_tiff

CONTRACT = ["The tenant shall pay the rent on the first day of each month.",
            "Notice of termination must be given three months in advance."]


def _context(**kw) -> OcrContext:
    return OcrContext(cancel=threading.Event(), **kw)


def test_models_come_from_the_wheel_and_nothing_is_downloaded(tmp_path, monkeypatch):
    """A fresh HOME and cache dir, the network guard on (conftest), and any download attempt made fatal:
    the engine still loads and reads, from model files inside the installed package."""
    from rapidocr.utils import download_file

    for var in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))

    def no_download(*_a, **_k):
        raise AssertionError("the OCR engine tried to download a model")

    monkeypatch.setattr(download_file.DownloadFile, "_make_http_request", classmethod(no_download))
    monkeypatch.setattr(ocr, "_engine", None)  # load again, here
    image, _ = render_page(CONTRACT[:1], height_in=1.2)
    page = ocr.recognise(image)
    assert "tenant shall pay the rent" in page.text
    site = [Path(p).resolve() for p in sys.path if p.endswith("site-packages")]
    for model in ocr.model_files():
        assert model.is_file() and any(model.resolve().is_relative_to(s) for s in site), model
    assert not any((tmp_path / "xdg_cache_home").rglob("*.onnx"))


@pytest.mark.parametrize("language", sorted(EUROPEAN))
def test_european_diacritics_survive_a_scan(language):
    lines = EUROPEAN[language]
    image, _ = render_page(lines, rotate=0.6, blur=0.5, jpeg=75)
    page = ocr.recognise(image)
    reference = "\n".join(lines)
    assert cer(reference, page.text) <= 0.03, page.text
    wanted = {ch for ch in reference if ord(ch) > 127}
    assert wanted <= set(page.text), wanted - set(page.text)


def test_line_boxes_lie_where_the_lines_were_drawn():
    image, tops = render_page(CONTRACT, top_in=1.0)
    page = ocr.recognise(image)
    assert [page.text[ln.start:ln.end] for ln in page.lines] == page.text.split("\n")
    for line, top in zip(page.lines, tops):
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= 1 and abs(y0 - top) < 0.05
    second = page.text.index("Notice")
    assert page.boxes(second, second + 6) == [page.lines[1].box]


def test_png_jpeg_and_every_page_of_a_tiff(tmp_path):
    first, _ = render_page(CONTRACT[:1], height_in=1.2)
    second, _ = render_page(["Exhibit B lists the walnuts shipped to Gdańsk."], height_in=1.2)
    first.save(tmp_path / "a.png")
    first.save(tmp_path / "a.jpg", quality=85)
    save_tiff([first, second], tmp_path / "b.tiff")
    for name in ("a.png", "a.jpg"):
        assert parse_file(tmp_path / name).needs_ocr_pages == [1]  # the first pass only lists the page
        doc = parse_file(tmp_path / name, ocr=_context())
        assert doc.kind == "image" and [b.page for b in doc.blocks] == [1] and "rent" in doc.blocks[0].text
    doc = parse_file(tmp_path / "b.tiff", ocr=_context())
    assert [b.page for b in doc.blocks] == [1, 2] and "Gdańsk" in doc.blocks[1].text
    assert doc.needs_ocr_pages == [] and doc.unreadable_pages == []


def _vector_page_pdf() -> bytes:
    """One page drawn with a rectangle only: no text, no image."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(612, 792)
    rect = c.FPDFPageObj_CreateNewRect(100, 300, 400, 300)
    c.FPDFPageObj_SetStrokeColor(rect, 0, 0, 0, 255)
    c.FPDFPath_SetDrawMode(rect, 0, True)
    c.FPDFPage_InsertObject(page.raw, rect)
    c.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _join_pdfs(parts: list[bytes]) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for part in parts:
        pdf.import_pages(pdfium.PdfDocument(part))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_pdf_text_pages_scanned_pages_and_a_drawing(tmp_path):
    scan, _ = render_page(CONTRACT, height_in=11)
    save_pdf([scan], tmp_path / "scan.pdf")
    data = _join_pdfs([pdf_bytes(["Article 1\nRent is due monthly."]), (tmp_path / "scan.pdf").read_bytes(),
                       _vector_page_pdf()])
    assert parse_bytes(data, tmp_path / "mixed.pdf").needs_ocr_pages == [2, 3]
    seen = []
    doc = parse_bytes(data, tmp_path / "mixed.pdf", ocr=_context(on_page=lambda: seen.append(1)))
    assert [b.page for b in doc.blocks] == [1, 2] and "Notice of termination" in doc.blocks[1].text
    assert doc.unreadable_pages == [{"page": 3, "reason": NO_TEXT}] and len(seen) == 2


def test_page_limit_cancel_and_cache(tmp_path):
    pages = [render_page([f"Page {n} of the deposition transcript."], height_in=1.2)[0] for n in (1, 2, 3)]
    path = save_tiff(pages, tmp_path / "transcript.tif")
    cache = OcrCache(tmp_path / "ocr.sqlite3")
    doc = parse_file(path, ocr=_context(cache=cache, max_pages=2))
    assert [b.page for b in doc.blocks] == [1, 2]
    assert doc.unreadable_pages[0]["page"] == 3 and "ocr.max_pages_per_file" in doc.unreadable_pages[0]["reason"]
    cancel = threading.Event()
    with pytest.raises(OcrCancelled):
        parse_file(path, ocr=OcrContext(cache=cache, cancel=cancel, on_page=cancel.set))
    key = file_hash(str(path))
    assert "Page 2" in cache.get(key, 2).text  # every page read is kept, by content and page
    assert cache.get(key, 3) is None  # the cancel came after page 1: page 3 was never read
    cache.close()


def test_hostile_images_fail_with_a_reason(tmp_path):
    image, _ = render_page(CONTRACT[:1], height_in=1.2)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    with pytest.raises(ParseError, match="damaged or truncated"):
        parse_bytes(buf.getvalue()[: len(buf.getvalue()) // 2], tmp_path / "cut.png")
    # A TIFF that declares 200000 x 200000 pixels in a few bytes.
    entries = [(256, 4, 1, 200_000), (257, 4, 1, 200_000), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, 200_000), (279, 4, 1, 1)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    bomb = b"II*\0" + struct.pack("<I", 8) + ifd
    with pytest.raises(ParseError, match="too large"):
        parse_bytes(bomb, tmp_path / "bomb.tif")
    with pytest.raises(ParseError):
        parse_bytes(b"II*\0garbage", tmp_path / "junk.tiff")
    # Two pages, the second's data cut off: the first is read, the second is listed with the reason.
    second, _ = render_page(["A second page that was cut off."], height_in=1.2)
    whole = io.BytesIO()
    image.save(whole, "TIFF", save_all=True, append_images=[second])
    data = whole.getvalue()
    first_size = image.width * image.height * 3
    broken = data[: 8 + first_size + 2000]
    doc = parse_bytes(broken, tmp_path / "broken.tif", ocr=_context())
    assert [b.page for b in doc.blocks] == [1] and "rent" in doc.blocks[0].text
    assert doc.unreadable_pages == [{"page": 2, "reason": "image is damaged or truncated"}]


def test_text_layers_that_are_junk_are_not_used():
    assert usable_text("Article 1. Rent is due monthly.")
    assert usable_text("1 Introduction . . . . . . . . . . . . 1")
    assert not usable_text("  \n ")
    assert not usable_text("\ue000\ue001\ue002\ue003 \ue004\ue005 ab")  # private-use glyphs: a broken encoding


def _scan_pdf(tmp_path, *lines: str) -> bytes:
    path = save_pdf([render_page([line], height_in=1.2)[0] for line in lines], tmp_path / "scan.pdf")
    return path.read_bytes()


def test_a_scanned_attachment_waits_for_ocr_then_is_read_under_its_name(tmp_path):
    signed = _scan_pdf(tmp_path, "The court orders the sale of the vessel Aurora.", "Signed by the registrar in Bergen.")
    data = email_with_pdfs({"signed-order.pdf": signed})
    plain = parse_bytes(data, Path("order.eml"))
    assert plain.needs_ocr_pages == [1, 2] and "attachment signed-order.pdf: pages without a text layer (1, 2)" in plain.warnings
    read = parse_bytes(data, Path("order.eml"), ocr=_context())
    assert read.needs_ocr_pages == [] and read.unreadable_pages == []
    pages = {b.heading: b.text for b in read.blocks if b.heading}
    assert "vessel Aurora" in pages["Attachment: signed-order.pdf > Page 1"]
    assert "registrar in Bergen" in pages["Attachment: signed-order.pdf > Page 2"]


def test_an_unreadable_attachment_page_is_listed_with_its_attachment(tmp_path):
    from PIL import Image

    from app.core.library.ingest.model import page_label

    blank = tmp_path / "blank.pdf"
    Image.new("RGB", (600, 400), "white").save(blank, "PDF", resolution=150)
    read = parse_bytes(email_with_pdfs({"cover.pdf": blank.read_bytes()}), Path("cover.eml"), ocr=_context())
    [unread] = read.unreadable_pages
    assert unread["reason"] == NO_TEXT and page_label(unread) == "page 1 of attachment cover.pdf"
