"""The source viewer lands on the cited PDF page with the passage selected, and shows text in context."""
from pathlib import Path

from app.ui.source_viewer import SourceViewer, highlight_html, local_url
from tests.ui.documents import PAGE_TEXT, write_pdf


def test_pdf_opens_at_cited_page_with_passage_highlighted(qtbot, tmp_path):
    pdf = write_pdf(tmp_path / "lease.pdf")
    viewer = SourceViewer()
    qtbot.addWidget(viewer)
    viewer.resize(600, 800)
    viewer.show()
    viewer.show_source(pdf, page=3, excerpt=PAGE_TEXT[2])
    assert viewer.pdf_document.pageCount() == 4
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=10000)
    assert viewer.current_page() == 3
    hit = viewer.search.resultAtIndex(viewer.pdf_view.currentSearchResultIndex())
    assert hit.page() == 2  # 0-based page of the match: the passage on page 3

    viewer.show_source(pdf, page=1, excerpt=PAGE_TEXT[0])
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=10000)
    assert viewer.current_page() == 1


def test_hostile_pdf_gets_plain_message(qtbot, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\nthis is not really a pdf\x00\xff")
    viewer = SourceViewer()
    qtbot.addWidget(viewer)
    viewer.show_source(bad, page=2, excerpt="anything")
    assert viewer.stack.currentWidget() is viewer.message
    assert "cannot be shown" in viewer.message.text()
    assert bad.read_bytes().startswith(b"%PDF")  # nothing was changed


def test_missing_file_is_explained(qtbot, tmp_path):
    viewer = SourceViewer()
    qtbot.addWidget(viewer)
    viewer.show_source(tmp_path / "gone.pdf", page=1, excerpt="x")
    assert "no longer there" in viewer.message.text()


def test_text_file_shows_passage_in_context(qtbot, tmp_path):
    note = tmp_path / "memo.txt"
    note.write_text("Intro line.\n\nThe  court held\nthat the clause was void.\n\nClosing.", encoding="utf-8")
    viewer = SourceViewer()
    qtbot.addWidget(viewer)
    viewer.show_source(note, excerpt="The court held that the clause was void.")
    assert viewer.stack.currentWidget() is viewer.text_view
    assert viewer.highlighted
    shown = viewer.text_view.toPlainText()
    assert "Intro line." in shown and "Closing." in shown


def test_highlight_and_local_url():
    body, found = highlight_html("a <b> c", "<b>")
    assert found and "&lt;b&gt;" in body and "<b>" not in body
    assert local_url(Path("/tmp/x.pdf")).scheme() == "file"


def _opened(qtbot, pdf, width: int, height: int) -> SourceViewer:
    viewer = SourceViewer()
    qtbot.addWidget(viewer)
    viewer.resize(width, height)
    viewer.show()
    viewer.show_source(pdf, 3, PAGE_TEXT[2])
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=10000)
    return viewer


def test_a_resized_viewer_stays_on_the_passage(qtbot, tmp_path):
    """Fit-to-width rescales the pages on a resize: the view must scroll with them to the same place
    (as a viewer opened at the new size shows it), not keep a pixel offset into blank page."""
    pdf = write_pdf(tmp_path / "lease.pdf")
    resized = _opened(qtbot, pdf, 560, 560)
    before = resized.pdf_view.verticalScrollBar().value()
    resized.resize(460, 520)
    fresh = _opened(qtbot, pdf, 460, 520)
    want = fresh.pdf_view.verticalScrollBar().value()
    near = fresh.pdf_view.viewport().height() // 4  # the passage is in view, near where a fresh view puts it
    assert abs(want - before) > near  # the pages really were rescaled: the old offset is off the passage
    qtbot.waitUntil(lambda: abs(resized.pdf_view.verticalScrollBar().value() - want) <= near, timeout=5000)
