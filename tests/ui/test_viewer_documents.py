"""The viewer opens Word, OpenDocument and HTML files whole, scrolled to the passage with all of it
highlighted (line breaks kept), highlights a whole PDF passage across lines, zooms, and clears."""
from PySide6.QtCore import Qt
from PySide6.QtPdfWidgets import QPdfView

from app.ui.source_viewer import SourceViewer
from tests.core.ingest_files import write_docx, write_odt
from tests.ui.documents import write_pdf

FILLER = [f"Recital {i}: the parties record background fact number {i} about the premises." for i in range(60)]


def _viewer(qtbot, width=700, height=500):
    viewer = SourceViewer()
    qtbot.addWidget(viewer)
    viewer.resize(width, height)
    viewer.show()
    return viewer


def _word(path):
    import docx

    document = docx.Document()
    document.add_heading("Lease of 4 Mill Lane", level=1)
    for line in FILLER:
        document.add_paragraph(line)
    document.add_heading("Termination", level=2)
    p = document.add_paragraph("Either party may end this lease")
    p.add_run().add_break()  # a line break inside the paragraph
    p.add_run("by giving ninety days written notice.")
    document.add_paragraph("Notice is served at the registered office.")
    document.add_paragraph("Closing words of the lease.")
    document.save(str(path))
    return path


def test_word_opens_whole_scrolled_to_the_whole_passage_with_line_breaks(qtbot, tmp_path):
    viewer = _viewer(qtbot)
    # The excerpt as a source carries it: one line, spanning two paragraphs and the line break.
    excerpt = ("Either party may end this lease by giving ninety days written notice. "
               "Notice is served at the registered office.")
    viewer.show_source(_word(tmp_path / "lease.docx"), excerpt=excerpt)
    qtbot.waitUntil(lambda: viewer.stack.currentWidget() is viewer.text_view, timeout=20000)
    assert viewer.highlighted
    shown = viewer.text_view.toPlainText()
    assert "Lease of 4 Mill Lane" in shown and FILLER[0] in shown and "Closing words of the lease." in shown
    assert "Either party may end this lease\nby giving ninety days" in shown  # the line break is kept
    assert " ".join(viewer.passage_text.split()) == excerpt  # all of it, not its first line
    assert "\n" in viewer.passage_text
    # Headings are rendered as headings, not as plain text.
    heading = viewer.text_view.document().find("Termination")
    assert heading.block().blockFormat().headingLevel() == 2
    # Scrolled down to the passage, past 60 paragraphs.
    assert viewer.text_view.verticalScrollBar().value() > 0


def test_odt_and_html_open_whole_with_the_passage_highlighted(qtbot, tmp_path):
    viewer = _viewer(qtbot)
    viewer.show_source(write_odt(tmp_path / "findings.odt"),
                       excerpt="Exhibits Exhibit A: the signed lease. Claimant | Jane Roe")
    qtbot.waitUntil(lambda: viewer.stack.currentWidget() is viewer.text_view, timeout=20000)
    assert viewer.highlighted and "The witness arrived at nine." in viewer.text_view.toPlainText()
    assert viewer.passage_text.startswith("Exhibits") and viewer.passage_text.endswith("Jane Roe")

    page = tmp_path / "advice.html"
    page.write_text("<html><head><script>alert(1)</script></head><body><h1>Advice</h1><p>First part.</p>"
                    "<p>The limitation period is six years<br>from the date of breach.</p><p>Last part.</p>"
                    '<img src="http://example.org/x.png"></body></html>', encoding="utf-8")
    viewer.show_source(page, excerpt="The limitation period is six years from the date of breach.")
    qtbot.waitUntil(lambda: "Advice" in viewer.text_view.toPlainText(), timeout=20000)
    assert viewer.highlighted and "Last part." in viewer.text_view.toPlainText()
    assert "alert" not in viewer.text_view.toPlainText() and "example.org" not in viewer.text_view.toHtml()
    assert viewer.passage_text == "The limitation period is six years\nfrom the date of breach."


def test_a_damaged_word_file_shows_the_passage_and_says_why(qtbot, tmp_path):
    viewer = _viewer(qtbot)
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    viewer.show_source(bad, excerpt="The passage as indexed.")
    qtbot.waitUntil(lambda: viewer.stack.currentWidget() is viewer.text_view, timeout=20000)
    assert "cannot be shown whole" in viewer.text_view.toPlainText()
    assert "The passage as indexed." in viewer.text_view.toPlainText()


def test_pdf_passage_is_highlighted_across_its_lines(qtbot, tmp_path):
    lines = ["Either party may terminate the agreement", "with ninety days written notice sent",
             "to the registered office of the other party."]
    pdf = write_pdf(tmp_path / "lease.pdf", ["Intro page.", "\n".join(lines)])
    viewer = _viewer(qtbot, 600, 800)
    viewer.show_source(pdf, page=2, excerpt=" ".join(lines))
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=10000)
    assert viewer.search.searchString() == " ".join(lines)  # the whole passage, not its first words
    hit = viewer.search.resultAtIndex(viewer.pdf_view.currentSearchResultIndex())
    assert hit.page() == 1
    centres = sorted(r.center().y() for r in hit.rectangles())
    lines_marked = 1 + sum(b - a > 8 for a, b in zip(centres, centres[1:]))
    assert lines_marked == 3  # all three lines are marked, not only the first


def test_zoom_buttons_and_keys_then_fit_width(qtbot, tmp_path):
    viewer = _viewer(qtbot, 600, 800)
    viewer.show_source(write_pdf(tmp_path / "lease.pdf"), page=1, excerpt="The lease begins")
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=10000)
    assert viewer.pdf_view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    fit = viewer.zoom_factor()
    qtbot.mouseClick(viewer.zoom_in_button, Qt.MouseButton.LeftButton)
    assert viewer.pdf_view.zoomMode() == QPdfView.ZoomMode.Custom and viewer.zoom_factor() > fit
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(viewer, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom_factor() < fit
    qtbot.keyClick(viewer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.pdf_view.zoomMode() == QPdfView.ZoomMode.FitToWidth

    note = tmp_path / "memo.txt"
    note.write_text("The caretaker saw water leaking.", encoding="utf-8")
    viewer.show_source(note, excerpt="water leaking")
    size = viewer.text_view.font().pointSizeF()
    qtbot.keyClick(viewer, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert viewer.text_view.font().pointSizeF() > size and viewer.zoom_factor() > 1
    qtbot.mouseClick(viewer.zoom_reset_button, Qt.MouseButton.LeftButton)
    assert viewer.text_view.font().pointSizeF() == size


def test_clear_leaves_nothing_of_the_last_document(qtbot, tmp_path):
    viewer = _viewer(qtbot)
    viewer.show_source(write_pdf(tmp_path / "lease.pdf"), page=1, excerpt="The lease begins")
    viewer.clear()
    assert viewer.path is None and viewer.pdf_document.pageCount() == 0 and viewer.heading.text() == ""
    assert viewer.stack.currentWidget() is viewer.message
