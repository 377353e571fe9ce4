"""A citation of a scanned page (an image-only PDF page, a PNG, a TIFF page) opens the page image
with the cited lines boxed where OCR read them."""
from __future__ import annotations

import threading

import pytest

from app.core.library.ingest import parse_file
from app.core.library.ingest.scanned import OcrContext
from app.core.library.ocr_cache import OcrCache
from app.ui.source_viewer import SourceViewer
from tests.helpers.scans import render_page, save_pdf, save_tiff
from tests.ui.ui_thread_probe import UiThreadProbe

LINES = ["Schedule 3 sets out the delivery terms.",
         "The buyer pays within thirty days of the invoice.",
         "Disputes go to the courts of Rotterdam."]


def _read(path):
    """What indexing does: OCR the file's scanned pages into the OCR cache."""
    cache = OcrCache()
    try:
        return parse_file(path, ocr=OcrContext(cache=cache, cancel=threading.Event()))
    finally:
        cache.close()


@pytest.fixture
def viewer(qtbot):
    view = SourceViewer()
    qtbot.addWidget(view)
    view.resize(700, 800)
    view.show()
    return view


def _assert_boxed_line(viewer, tops, line: int) -> None:
    assert viewer.stack.currentWidget() is viewer.scan_view
    [box] = viewer.scan_view.boxes  # one line cited, one box
    assert abs(box[1] - tops[line]) < 0.04 and box[2] > box[0]
    [rect] = viewer.scan_view.highlight_rects()
    assert rect.height() > 4 and rect.width() > 50


def test_scanned_pdf_page_is_shown_with_the_passage_boxed(qtbot, tmp_path, viewer):
    first, _ = render_page(["Cover page of the supply contract between the parties.",
                            "Prepared for the board meeting of the buyer."], height_in=11)
    scan, tops = render_page(LINES, height_in=11)
    pdf = save_pdf([first, scan], tmp_path / "contract.pdf")
    doc = _read(pdf)
    assert [b.page for b in doc.blocks] == [1, 2]
    probe = UiThreadProbe()
    with probe:
        viewer.show_source(pdf, page=2, excerpt=LINES[1])
        qtbot.waitUntil(lambda: viewer.highlighted, timeout=20000)
    _assert_boxed_line(viewer, tops, 1)
    assert probe.calls == []  # the page was rendered and looked up on a worker


def test_png_and_tiff_pages(qtbot, tmp_path, viewer):
    image, tops = render_page(LINES, height_in=3)
    image.save(tmp_path / "fax.png")
    _read(tmp_path / "fax.png")
    viewer.show_source(tmp_path / "fax.png", page=None, excerpt=LINES[2])
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=20000)
    _assert_boxed_line(viewer, tops, 2)

    other, _ = render_page(["Nothing to see on the first page."], height_in=3)
    tiff = save_tiff([other, image], tmp_path / "bundle.tif")
    _read(tiff)
    viewer.show_source(tiff, page=2, excerpt=LINES[0])
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=20000)
    _assert_boxed_line(viewer, tops, 0)
    viewer.zoom_in()
    assert viewer.scan_view.zoom > 0 and len(viewer.scan_view.highlight_rects()) == 1


def test_a_scan_never_read_is_shown_without_a_highlight(qtbot, tmp_path, viewer):
    image, _ = render_page(LINES, height_in=3)
    image.save(tmp_path / "unread.jpg")
    viewer.show_source(tmp_path / "unread.jpg", page=1, excerpt=LINES[0])
    qtbot.waitUntil(lambda: viewer.stack.currentWidget() is viewer.scan_view, timeout=20000)
    assert not viewer.highlighted and viewer.scan_view.boxes == []
