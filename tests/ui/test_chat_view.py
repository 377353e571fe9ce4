"""The chat view: Markdown rendering, throttled streaming, Enter/Shift+Enter, citations, Copy, Esc."""
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from app.ui.chat_view import ChatView
from app.ui.markdown_render import render
from app.ui.services import ShownMessage

SOURCES = [
    {"n": 1, "library": "Leases", "file": "/docs/lease.pdf", "page": 3, "excerpt": "ninety days", "score": 0.8, "cited": True},
    {"n": 2, "library": "Leases", "file": "/docs/memo.txt", "page": None, "excerpt": "void", "score": 0.6, "cited": True},
]


def test_markdown_renders_lists_tables_code_and_links_citations():
    html = render("Terms [1]:\n\n- notice [2]\n\n| a | b |\n|---|---|\n| x | y |\n\n```\nlist[1]\n```")
    assert "<ul>" in html and "<table>" in html and "<pre>" in html
    assert 'href="cite:1"' in html and 'href="cite:2"' in html
    assert "list[1]" in html  # code is left alone
    assert "<script" not in render("<script>alert(1)</script>")


def test_enter_sends_shift_enter_adds_line(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.show()
    sent = []
    view.send_requested.connect(sent.append)
    view.input.setFocus()
    qtbot.keyClicks(view.input, "first line")
    qtbot.keyClick(view.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(view.input, "second")
    assert sent == []
    qtbot.keyClick(view.input, Qt.Key.Key_Return)
    assert sent == ["first line\nsecond"]
    assert view.input.toPlainText() == ""


def test_streaming_is_throttled_and_esc_stops(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.show()
    view.add_message(ShownMessage("user", "What notice is needed?"))
    widget = view.add_message(ShownMessage("assistant", ""))
    view.set_busy(True)
    assert view.send_button.text() == "Stop"
    before = widget.render_count
    for i in range(200):  # 200 tokens arrive before the event loop runs again
        widget.append(f"tok{i} ")
    assert widget.render_count == before  # nothing rendered per token
    qtbot.waitUntil(lambda: "tok199" in widget.text.toPlainText(), timeout=5000)
    assert widget.render_count - before == 1  # the burst was shown in one render
    stops = []
    view.stop_requested.connect(lambda: stops.append(1))
    view.input.setFocus()
    qtbot.keyClick(view.input, Qt.Key.Key_Escape)
    assert stops == [1]


def test_citation_click_and_copy_with_footnotes(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    view.add_message(ShownMessage("user", "Notice?"))
    widget = view.add_message(ShownMessage("assistant", "Ninety days [1], the clause is void [2].", sources=SOURCES))
    clicks = []
    view.citation_clicked.connect(lambda i, n: clicks.append((i, n)))
    qtbot.waitExposed(view)
    # Click the real anchor: find where "[2]" is drawn (once laid out inside the visible text) and click there.
    doc = widget.text.document()
    pos = doc.find("[2]").selectionStart() + 1
    cursor = widget.text.textCursor()
    cursor.setPosition(pos)
    qtbot.waitUntil(lambda: widget.text.viewport().rect().contains(widget.text.cursorRect(cursor).center()),
                    timeout=5000)
    rect = widget.text.cursorRect(cursor)
    qtbot.mouseClick(widget.text.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center().x(), rect.center().y()))
    assert clicks == [(1, 2)]
    widget.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied.startswith("Ninety days [1]")
    assert "[1] /docs/lease.pdf, page 3" in copied and "[2] /docs/memo.txt" in copied


def test_edit_and_regenerate_signals(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    edits, regens = [], []
    view.edit_requested.connect(edits.append)
    view.regenerate_requested.connect(lambda: regens.append(1))
    view.add_message(ShownMessage("user", "q1"))
    answer = view.add_message(ShownMessage("assistant", "a1"))
    view.widgets[0].edit_button.click()
    answer.regenerate_button.click()
    assert edits == [0] and regens == [1]
    view.set_busy(True)
    assert not answer.regenerate_button.isEnabled()


def test_library_chips_are_replaced_at_once_not_shown_twice(qtbot):
    from PySide6.QtWidgets import QToolButton

    from app.ui.chat_view import LibraryChips

    chips = LibraryChips()
    qtbot.addWidget(chips)
    chips.show()
    chips.set_libraries(["Meridian lease"], [])
    chips.set_libraries(["Meridian lease"], ["Meridian lease"])  # no event loop in between
    in_layout = [chips._layout.itemAt(i).widget() for i in range(chips._layout.count())]
    chips_laid_out = [w for w in in_layout if isinstance(w, QToolButton)]
    assert [w.text() for w in chips_laid_out] == ["Meridian lease"] and chips_laid_out[0].isChecked()
