"""Issue 14, points 1, 2 and 5, through the real window (offscreen Qt, the real demo model, real files,
the real encrypted history or a session-only one):
- a library added while a conversation is open joins no conversation; a new one asks which matter,
  the last one chosen; a conversation with no library says so in the input and on each answer;
- session-only history still grounds answers in the chosen library;
- an answer from documents that cites nothing says so; the demo model's banner, dismissible;
- editing is non-destructive and undoable (Ctrl+Z, the banner's button) until the edited question is
  sent; a stopped answer is marked, also after reload; a repetition loop is stopped with a note."""
import pytest
from PySide6.QtCore import Qt

from app.ui.chat_notices import NO_LIBRARY_PLACEHOLDER, PLAIN_CHAT_NOTE, STOPPED_NOTE, UNSUPPORTED_NOTE
from app.ui.chat_view import MessageWidget
from app.ui.main_window import MainWindow
from app.ui.services import REPETITION_NOTE, Services, ShownMessage, warm_up
from tests.ui.conftest import saved_messages
from tests.ui.documents import write_pdf
from tests.ui.window_helpers import answering_services, index_folder

QUESTION = "How much written notice is needed to terminate the agreement?"


def _services(max_tokens: int = 24, history: bool = True) -> Services:
    return answering_services(max_tokens, **{"history.enabled": history})


def _window(qtbot, services, auto_load=False, open_history=False) -> MainWindow:
    window = MainWindow(services, warm_up=False, auto_load=auto_load, open_history=open_history)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.keeper.ready and window.controller.conversation is not None, timeout=60000)
    if auto_load:
        qtbot.waitUntil(lambda: window.model_label.text().startswith("Model:"), timeout=60000)
    return window




def _matter(tmp_path, name: str, text: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "memo.txt").write_text(text, encoding="utf-8")
    return folder


def _ask(qtbot, window, text: str) -> MessageWidget:
    window.show_chat()
    window.chat.input.setPlainText(text)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=120000)
    return window.chat.widgets[-1]


def test_a_new_library_joins_no_conversation_and_a_new_one_asks_which_matter(qtbot, tmp_path, history_on):
    a = _matter(tmp_path, "Client A", "Client A: the lease of the mill ends in June. " * 20)
    b = _matter(tmp_path, "Client B", "Client B: the loan is repaid in twelve instalments. " * 20)
    window = _window(qtbot, _services(), open_history=True)
    window.show_chat()
    untouched = window.controller.conversation
    index_folder(qtbot, window, a)
    assert untouched.libraries == []  # the open conversation did not take the new library
    assert window.chat.input.placeholderText() == NO_LIBRARY_PLACEHOLDER

    window.new_action.trigger()  # Ctrl+N: about the library just added, and the chooser says so
    on_a = window.controller.conversation
    assert on_a.libraries == ["Client A"]
    chooser = window.chat.chooser
    assert chooser.isVisible() and chooser.buttons["Client A"].isChecked()
    assert "Client A" in window.chat.input.placeholderText()

    index_folder(qtbot, window, b)
    assert on_a.libraries == ["Client A"] and untouched.libraries == []
    assert window.chat.chips.selected() == ["Client A"]
    assert chooser.buttons["Client A"].isChecked() and not chooser.buttons["Client B"].isChecked()

    window.new_action.trigger()
    on_b = window.controller.conversation
    assert on_b.libraries == ["Client B"]  # a new conversation defaults to the matter added last
    # Keyboard: the arrow keys move the choice between the matters and "No library".
    window.activateWindow()
    qtbot.waitActive(window)
    chooser.focus_choice()
    qtbot.waitUntil(lambda: chooser.buttons["Client B"].hasFocus(), timeout=5000)
    qtbot.keyClick(chooser.buttons["Client B"], Qt.Key.Key_Up)
    assert on_b.libraries == ["Client A"] and window.chat.chips.selected() == ["Client A"]
    qtbot.keyClick(chooser.buttons["Client A"], Qt.Key.Key_Down)
    qtbot.keyClick(chooser.buttons["Client B"], Qt.Key.Key_Down)
    assert chooser.none_button.isChecked() and on_b.libraries == []
    assert window.chat.input.placeholderText() == NO_LIBRARY_PLACEHOLDER

    window.close()
    window.services.close()
    stored = Services()
    stored.open_history()
    try:
        libraries = sorted(tuple(c.libraries) for c in stored.conversations.list())
    finally:
        stored.close()
    assert libraries == [(), (), ("Client A",)]  # nothing on disk joined B either


@pytest.mark.slow
def test_session_only_history_grounds_answers_and_plain_chat_says_so(qtbot, tmp_path, demo_gguf):
    docs = tmp_path / "Okafor matter"
    docs.mkdir()
    write_pdf(docs / "lease.pdf")
    services = _services(history=False)
    warm_up()
    window = _window(qtbot, services, auto_load=True, open_history=True)
    assert not services.conversations.persistent
    index_folder(qtbot, window, docs)
    window.new_action.trigger()
    assert window.controller.conversation.libraries == ["Okafor matter"]
    widget = _ask(qtbot, window, QUESTION)
    answer = widget.message
    assert answer.text and not answer.error and answer.sources  # grounded in the chosen library
    assert answer.sources[0]["file"] == str((docs / "lease.pdf").resolve()) and answer.sources[0]["page"] == 3
    assert not answer.timings.get("plain_chat") and widget.source_note.text() != PLAIN_CHAT_NOTE
    # An answer from documents that cites none of them says so.
    cites = any(s["cited"] for s in answer.sources)
    assert widget.source_note.isVisible() == (not cites)
    if not cites:
        assert widget.source_note.text() == UNSUPPORTED_NOTE
    assert not window.chat.chooser.isVisible()  # the conversation has begun

    window.new_action.trigger()
    window.chat.chooser.none_button.click()
    assert window.controller.conversation.libraries == []
    assert window.chat.input.placeholderText().startswith("Not searching your documents")
    plain = _ask(qtbot, window, QUESTION)
    assert plain.message.sources == [] and plain.message.timings.get("plain_chat")
    assert plain.source_note.isVisible() and plain.source_note.text() == PLAIN_CHAT_NOTE


@pytest.mark.slow
def test_demo_banner_while_the_demo_model_is_loaded_dismissed_for_the_session(qtbot, demo_gguf):
    warm_up()
    window = _window(qtbot, _services(), auto_load=True)
    banner = window.chat.demo_banner
    window.show_chat()
    assert banner.isVisible() and "unreliable" in banner.label.text() and "Models" in banner.label.text()
    banner.models_button.click()
    assert window.pages.currentWidget() is window.models_view
    window.show_chat()
    banner.dismiss_button.click()
    assert not banner.isVisible()
    banner.set_demo(True)  # the model loaded again in this session: still dismissed
    assert not banner.isVisible()
    window.close()
    window.services.close()
    again = _window(qtbot, _services(), auto_load=True)  # the next session says it again
    again.show_chat()
    assert again.chat.demo_banner.isVisible()


@pytest.mark.slow
def test_edit_is_undoable_until_sent_and_stopped_answers_stay_marked(qtbot, demo_gguf, history_on):
    warm_up()
    services = _services(max_tokens=8)
    window = _window(qtbot, services, auto_load=True, open_history=True)
    window.new_action.trigger()
    first = _ask(qtbot, window, "What is a lease?")
    conv = window.controller.conversation
    before = [(m.role, m.text) for m in conv.messages]
    assert len(before) == 2 and first.message.timings.get("plain_chat")

    question_widget = window.chat.widgets[0]
    question_widget.edit_button.click()
    # Nothing is gone: the earlier question and answer are shown, dimmed, until the edit is sent.
    assert [(m.role, m.text) for m in conv.messages] == before and len(window.chat.widgets) == 2
    assert window.chat.edit_banner.isVisible() and window.chat.input.toPlainText() == "What is a lease?"
    assert all(w.superseded for w in window.chat.widgets)
    window.keeper.flush(30)
    assert [m.text for m in services.conversations.messages(conv)] == [t for _r, t in before]  # nor from history
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Z
    assert not window.chat.edit_banner.isVisible() and window.chat.input.toPlainText() == ""
    assert not any(w.superseded for w in window.chat.widgets)
    assert [(m.role, m.text) for m in conv.messages] == before

    window.chat.widgets[0].edit_button.click()
    window.chat.input.setPlainText("What is a deposit?")
    window.chat.edit_banner.undo_button.click()  # the banner's Undo does the same
    assert window.chat.input.toPlainText() == "" and [(m.role, m.text) for m in conv.messages] == before

    window.chat.widgets[0].edit_button.click()
    window.chat.input.setPlainText("What is a deposit?")
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)  # sent: now the old turns are replaced
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=120000)
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    assert conv.messages[0].text == "What is a deposit?" and not window.chat.edit_banner.isVisible()

    # A stopped answer is marked, and stays marked after reload.
    services.settings.set("sampling.max_tokens", 400)
    window.chat.input.setPlainText("Write a long, detailed essay on the history of English contract law.")
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chat.widgets[-1].message.text.strip() != "", timeout=120000)
    window.controller.stop()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=120000)
    stopped = window.chat.widgets[-1]
    assert stopped.message.stopped and stopped.note.isVisible() and STOPPED_NOTE in stopped.note.text()

    # A runaway loop is stopped with a note: greedy SmolLM2 copies an earlier answer repeating one sentence.
    sentence = "The deposit is three months rent. "
    for message in (ShownMessage("user", "What is the deposit?"), ShownMessage("assistant", sentence * 12)):
        conv.messages.append(message)
        window.keeper.add_message(conv, message)
    looped = _ask(qtbot, window, "What is the deposit? Answer the same way.")
    assert looped.message.timings.get("repetition") and REPETITION_NOTE in looped.note.text()

    title = conv.title
    window.close()
    services.close()
    saved = saved_messages(title)
    assert [m.content for m in saved][:1] == ["What is a deposit?"]  # the edit replaced it in history too
    assert "What is a lease?" not in [m.content for m in saved]
    assert saved[3].timings.get("stopped") is True and saved[-1].timings.get("repetition") is True

    again = _window(qtbot, _services(), open_history=True)
    again.sidebar.conversation_selected.emit(next(c.id for c in again.keeper.list() if c.title == title))
    qtbot.waitUntil(lambda: len(again.chat.widgets) == len(saved), timeout=30000)
    reloaded = again.chat.widgets[3]
    assert reloaded.message.stopped and STOPPED_NOTE in reloaded.note.text()
    assert REPETITION_NOTE in again.chat.widgets[-1].note.text()
