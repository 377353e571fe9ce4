"""Navigation and small screens through the real window: "Start asking" after indexing opens a
conversation in that matter only; a sidebar click shows the conversation from any page; the Sources
pane belongs to the conversation page; the welcome card reflects a library and does not cover a
restored conversation; at 1024x700 and 1440x900 every visible widget lies inside the window and no
scroll area shows a horizontal scrollbar, on every page."""
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from app.ui.main_window import MainWindow
from app.ui.services import Services, ShownMessage
from app.ui.welcome import is_first_run
from tests.ui.window_helpers import index_folder


def _window(qtbot, services=None, open_history=False) -> MainWindow:
    window = MainWindow(services or Services(), warm_up=False, auto_load=False, open_history=open_history)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.keeper.ready, timeout=60000)
    return window




def test_start_asking_after_indexing_and_the_sidebar_from_any_page(qtbot, tmp_path):
    for name in ("Client A", "Client B"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "memo.txt").write_text(f"{name}: the lease ends in June. " * 20, encoding="utf-8")
    window = _window(qtbot)
    assert is_first_run() and window.pages.currentWidget() is window.welcome
    assert not window.sources.isVisible()  # the welcome page has no sources
    window.show_libraries()
    index_folder(qtbot, window, tmp_path / "Client A")
    assert "Client A" in window.welcome.library_status.text()
    index_folder(qtbot, window, tmp_path / "Client B")
    first = window.controller.conversation
    card = window.libraries_view.cards["Client B"]
    assert card.ask.isVisible()
    card.ask.click()
    assert window.pages.currentWidget() is window.chat
    conv = window.controller.conversation
    assert conv is not first and conv.libraries == ["Client B"]
    assert window.chat.chips.selected() == ["Client B"]
    assert window.sources.isVisible() == window.sources_action.isChecked()

    window.show_models()
    assert not window.sources.isVisible()  # the Sources pane belongs to the conversation page
    window.sidebar.conversation_selected.emit(conv.id)  # the current one, clicked from another page
    assert window.pages.currentWidget() is window.chat
    window.show_libraries()
    window.sidebar.conversation_selected.emit(first.id)
    assert window.pages.currentWidget() is window.chat and window.controller.conversation is first


def test_a_restored_conversation_is_not_covered_by_the_welcome(qtbot, history_on):
    window = _window(qtbot, open_history=True)
    conv = window.controller.conversation
    window.rename_conversation(conv.id, "Notice periods")
    message = ShownMessage("user", "What is the notice period?")
    conv.messages.append(message)
    window.keeper.add_message(conv, message)
    window.close()
    window.services.close()
    assert is_first_run()  # the welcome was never dismissed
    again = _window(qtbot, open_history=True)
    qtbot.waitUntil(lambda: again.controller.conversation is not None
                    and again.controller.conversation.title == "Notice periods", timeout=30000)
    assert again.pages.currentWidget() is again.chat
    again.close()
    again.services.close()


def _clipped(window: QWidget) -> list[str]:
    """Visible widgets whose rectangle leaves the window's, and scroll areas with a horizontal scrollbar."""
    bounds = QRect(QPoint(0, 0), window.size())
    problems = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or w.width() == 0 or w.height() == 0:
            continue
        top_left = w.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, w.size())
        # A widget inside a scroll area may lie outside the window: it is scrolled, not cut off.
        inside_scroll = any(isinstance(p, QAbstractScrollArea) and p.viewport().isAncestorOf(w)
                            for p in _ancestors(w))
        if not inside_scroll and not bounds.contains(rect):
            problems.append(f"{type(w).__name__} {w.objectName() or w.accessibleName()!r} at {rect} outside {bounds}")
        if isinstance(w, QAbstractScrollArea) and w.horizontalScrollBar().isVisible():
            problems.append(f"{type(w).__name__} {w.objectName() or w.accessibleName()!r} scrolls sideways")
    return problems


def _ancestors(w):
    p = w.parentWidget()
    while p is not None:
        yield p
        p = p.parentWidget()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)])
def test_nothing_is_cut_off(qtbot, tmp_path, size):
    docs = tmp_path / "Estate of Margaret Hollingsworth-Vandermeer (probate, 2019 to 2024)"
    docs.mkdir()
    (docs / "will.txt").write_text("The executor is the eldest child. " * 30, encoding="utf-8")
    window = _window(qtbot)
    qtbot.waitUntil(lambda: bool(window.models), timeout=60000)
    index_folder(qtbot, window, docs)
    window.resize(*size)
    QApplication.processEvents()
    assert (window.width(), window.height()) == size
    problems = {}
    for show in (window.show_welcome, window.show_chat, window.show_models, window.show_libraries):
        show()
        for _ in range(3):
            QApplication.processEvents()
        found = _clipped(window)
        if found:
            problems[show.__name__] = found
    assert problems == {}
