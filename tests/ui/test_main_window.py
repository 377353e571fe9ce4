"""The main window: conversations (new, rename, delete, search, date groups), shortcuts, panes,
accessible names, welcome, citations opening the PDF page, and history that persists."""
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QListWidget, QPlainTextEdit

from app.ui.main_window import MainWindow
from app.ui.services import Services, ShownMessage
from app.ui.sidebar import date_group
from app.ui.welcome import FIRST_QUESTION, is_first_run
from tests.ui.documents import PAGE_TEXT, write_pdf


def _window(qtbot, services=None) -> MainWindow:
    window = MainWindow(services or Services(), warm_up=False, auto_load=False)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def press(qtbot, window, key, modifiers=Qt.KeyboardModifier.ControlModifier):
    """A key press as the user makes it: delivered to whatever has the focus of the active window."""
    if QApplication.activeWindow() is not window:  # the offscreen platform drops activation at times
        with qtbot.waitActive(window):
            window.activateWindow()
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)


def test_date_groups():
    now = datetime(2026, 3, 10, 12)
    today = now.date()
    assert date_group(now, today) == "Today"
    assert date_group(now - timedelta(days=1), today) == "Yesterday"
    assert date_group(now - timedelta(days=5), today) == "Previous 7 days"
    assert date_group(now - timedelta(days=30), today) == "Older"


def test_conversations_new_rename_delete_search_and_groups(qtbot):
    window = _window(qtbot)
    old = window.keeper.create("Lease review 2024", [])
    old.updated = datetime.now() - timedelta(days=20)
    window.refresh_conversations()
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    titles = window.sidebar.visible_titles()
    assert titles.count("New conversation") >= 1 and "Lease review 2024" in titles
    assert window.sidebar.group_headers() == ["Today", "Older"]

    window.rename_conversation(old.id, "Lyon arbitration")
    assert "Lyon arbitration" in window.sidebar.visible_titles()
    press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.search.hasFocus()
    qtbot.keyClicks(window.sidebar.search, "lyon")
    assert window.sidebar.visible_titles() == ["Lyon arbitration"]
    window.sidebar.search.clear()
    window.delete_conversation(old.id, confirm=False)
    assert "Lyon arbitration" not in window.sidebar.visible_titles()


def test_shortcuts_panes_and_accessible_names(qtbot):
    window = _window(qtbot)
    window.show_models()
    press(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.chat and window.chat.input.hasFocus()
    assert window.sources.isVisible()
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not window.sources.isVisible()
    press(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.models_view
    press(qtbot, window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = next(w for w in QApplication.topLevelWidgets() if w.windowTitle() == "Settings" and w.isVisible())
    dialog.reject()
    # Every control a screen reader lands on has a name.
    unnamed = [w for w in window.findChildren(QAbstractButton) + window.findChildren(QLineEdit)
               + window.findChildren(QPlainTextEdit) + window.findChildren(QListWidget)
               if w.isVisibleTo(window) and not (w.accessibleName() or getattr(w, "text", lambda: "")())]
    assert unnamed == []


def test_welcome_first_run(qtbot):
    window = _window(qtbot)
    assert is_first_run() and window.pages.currentWidget() is window.welcome
    qtbot.waitUntil(lambda: "Model ready" in window.welcome.model_status.text(), timeout=20000)
    window.welcome.question_button.click()
    assert window.chat.input.toPlainText() == FIRST_QUESTION
    window.welcome.start_button.click()
    assert not is_first_run() and window.pages.currentWidget() is window.chat


def test_citation_click_opens_pdf_at_page(qtbot, tmp_path):
    pdf = write_pdf(tmp_path / "lease.pdf")
    window = _window(qtbot)
    window.show_chat()
    window.set_sources_visible(False)
    sources = [{"n": 1, "library": "Leases", "file": str(pdf), "page": 1, "excerpt": PAGE_TEXT[0], "score": 0.7,
                "cited": True},
               {"n": 2, "library": "Leases", "file": str(pdf), "page": 3, "excerpt": PAGE_TEXT[2], "score": 0.9,
                "cited": True}]
    conv = window.controller.conversation
    for m in (ShownMessage("user", "How can the lease end?"),
              ShownMessage("assistant", "With ninety days written notice [2].", sources=sources)):
        conv.messages.append(m)
    window.controller.open(conv.id)
    answer = window.chat.widgets[1]
    qtbot.wait(50)
    cursor = answer.text.textCursor()
    cursor.setPosition(answer.text.document().find("[2]").selectionStart() + 1)
    rect = answer.text.cursorRect(cursor)
    qtbot.mouseClick(answer.text.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.sources.isVisible()
    viewer = window.sources.viewer
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=10000)
    assert viewer.path == pdf and viewer.current_page() == 3


def test_history_persists_between_windows(qtbot, monkeypatch):
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "correct horse battery")
    services = Services()
    services.open_history()
    assert services.conversations.persistent, services.history_notice
    window = _window(qtbot, services)
    qtbot.waitUntil(lambda: window.controller.conversation is not None, timeout=10000)
    conv = window.controller.conversation
    window.rename_conversation(conv.id, "Kept across restarts")
    question = ShownMessage("user", "Is the deposit refundable?")
    conv.messages.append(question)
    window.keeper.add_message(conv, question)
    window.close()  # waits for the writes still queued
    services.close()

    again = Services()
    again.open_history()
    try:
        titles = [c.title for c in again.conversations.list()]
        assert "Kept across restarts" in titles
        stored = again.conversations.get(conv.stored_id)
        assert [m.text for m in stored.messages] == ["Is the deposit refundable?"]
    finally:
        again.close()
