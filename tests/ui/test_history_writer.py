"""The window's history writes: one background thread owns them, in order; the UI thread never opens,
writes or reads the history; a failed write is said in plain words and the text stays; closing the
window waits for the writes still queued. Real encrypted history, real window, no model."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui.main_window import MainWindow
from app.ui.services import Services, ShownMessage
from tests.ui.ui_thread_probe import UiThreadProbe

PASSPHRASE = "correct horse battery"


def _window(qtbot, services: Services, open_history: bool = True) -> MainWindow:
    window = MainWindow(services, warm_up=False, auto_load=False, open_history=open_history)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.keeper.ready and window.controller.conversation is not None, timeout=30000)
    return window


def _ask(qtbot, window: MainWindow, text: str) -> None:
    window.chat.input.setPlainText(text)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)


def _stored():
    """(title, [(role, text)]) of each saved conversation, read straight from the history."""
    again = Services()
    again.open_history()
    try:
        return {c.title: [(m.role, m.text) for m in again.conversations.messages(c)]
                for c in again.conversations.list()}
    finally:
        again.close()


def test_history_is_opened_written_and_read_off_the_ui_thread(qtbot, monkeypatch):
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", PASSPHRASE)
    services = Services()
    with UiThreadProbe() as probe:
        window = _window(qtbot, services)  # the key derivation and the database open on the writer
        assert services.conversations.persistent, services.history_notice
        first = window.controller.conversation
        _ask(qtbot, window, "Is the deposit refundable?")  # no model: the question is kept, the answer says why
        assert "No model is loaded" in window.chat.widgets[-1].note.text()
        _ask(qtbot, window, "Who pays for repairs?")
        window.rename_conversation(first.id, "Deposit and repairs")
        window.new_conversation()
        _ask(qtbot, window, "When does the lease end?")
        second = window.controller.conversation
        window.new_conversation()
        window.delete_conversation(window.controller.conversation.id, confirm=False)
        # Edit the first question of the second conversation: it and what followed go.
        window.chat.widgets[0].edit_button.click()
        _ask(qtbot, window, "When can the tenant leave?")
        # Switching back: its messages are in memory already, no read needed.
        window.sidebar.select(first.id)
        assert [w.message.text for w in window.chat.widgets if w.message.role == "user"] == [
            "Is the deposit refundable?", "Who pays for repairs?"]
        window.close()  # waits for the queued writes: nothing flushed them before
    assert probe.calls == [], "\n".join(probe.calls)
    services.close()

    stored = _stored()
    assert stored["Deposit and repairs"] == [("user", "Is the deposit refundable?"), ("user", "Who pays for repairs?")]
    assert stored["When does the lease end?"] == [("user", "When can the tenant leave?")]  # titled by its first question
    assert len(stored) == 2 and second.stored_id is not None


def _save_two_conversations(qtbot, monkeypatch) -> None:
    """Two conversations, one question each, saved by a window that is then closed."""
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", PASSPHRASE)
    services = Services()
    window = _window(qtbot, services)
    _ask(qtbot, window, "What does clause 4 say?")
    window.new_conversation()
    _ask(qtbot, window, "Is subletting allowed?")
    window.close()
    services.close()


def test_a_listed_conversation_is_read_on_the_writer_when_opened(qtbot, monkeypatch):
    _save_two_conversations(qtbot, monkeypatch)

    services = Services()
    with UiThreadProbe() as probe:
        window = _window(qtbot, services)
        titles = window.sidebar.visible_titles()
        assert titles == ["Is subletting allowed?", "What does clause 4 say?"]
        # The latest opens by itself; its messages arrive from the writer.
        qtbot.waitUntil(lambda: [w.message.text for w in window.chat.widgets] == ["Is subletting allowed?"],
                        timeout=10000)
        older = next(c for c in window.keeper.list() if c.title == "What does clause 4 say?")
        assert not older.loaded
        window.sidebar.select(older.id)
        qtbot.waitUntil(lambda: [w.message.text for w in window.chat.widgets] == ["What does clause 4 say?"],
                        timeout=10000)
        assert older.loaded and window.chat.title.text() == "What does clause 4 say?"
        window.close()
    assert probe.calls == [], "\n".join(probe.calls)
    services.close()


def test_a_failed_write_is_said_plainly_and_the_text_stays(qtbot, monkeypatch):
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", PASSPHRASE)
    services = Services()
    services.open_history()
    window = _window(qtbot, services, open_history=False)
    window.keeper.flush(10)
    services.conversations.history.close()  # the history goes away underneath the window
    _ask(qtbot, window, "Can the landlord enter without notice?")
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=10000)
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    assert box.windowTitle() == "Conversation history"
    assert box.text().startswith("Saving a message did not work. What you see stays on screen")
    assert "The conversation history is closed." in box.text() and "Traceback" not in box.text()
    # Further failures (the rename that follows) do not pile up dialogs.
    qtbot.waitUntil(lambda: "did not work either" in window.statusBar().currentMessage(), timeout=10000)
    assert sum(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()) == 1
    box.close()
    assert window.chat.widgets[0].message.text == "Can the landlord enter without notice?"
    assert window.controller.conversation.messages[0].text == "Can the landlord enter without notice?"
    window.close()
    services.close()


def test_the_passphrase_is_asked_on_the_ui_thread_while_the_key_is_derived_on_the_writer(qtbot):
    from PySide6.QtCore import QThread

    from app.ui.services import paths

    asked = []

    def passphrase(new: bool, problem: str = "", parent=None) -> str:  # what launch.ask_passphrase's dialog returns
        asked.append((new, QThread.currentThread() is QApplication.instance().thread()))
        return PASSPHRASE

    services = Services()
    with UiThreadProbe() as probe:
        window = MainWindow(services, warm_up=False, auto_load=False, open_history=True, passphrase=passphrase)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.keeper.ready, timeout=30000)
        window.close()
    assert probe.calls == [], "\n".join(probe.calls)
    assert services.conversations.persistent, services.history_notice
    services.close()
    if (paths.data_dir() / "history.key").exists():  # no keychain here: the key is wrapped by the passphrase
        assert asked == [(True, True)]


def test_claims_are_saved_with_the_sources_and_messages_without_them_still_load(qtbot, monkeypatch):
    from app.core.history.export import to_markdown
    from tests.ui.test_claim_marks import ANSWER, CLAIMS, SOURCES

    monkeypatch.setenv("STRONGROOM_PASSPHRASE", PASSPHRASE)
    services = Services()
    services.open_history()
    window = _window(qtbot, services, open_history=False)
    conv = window.controller.conversation
    window.rename_conversation(conv.id, "Ending the lease")
    for message in (ShownMessage("user", "How can the lease end?"),
                    ShownMessage("assistant", ANSWER, sources=SOURCES, claims=CLAIMS, model="smollm2-135m-instruct",
                                 timings={"tokens": 40})):
        conv.messages.append(message)
        window.keeper.add_message(conv, message)
    window.keeper.flush(10)
    # A message saved as the CLI and earlier windows save them: sources, no claims.
    history = services.conversations.history
    history.add_message(conv.stored_id, "assistant", "Ninety days [1].", sources=[SOURCES[0]])
    window.close()

    raw = history.messages(conv.stored_id)
    assert raw[1].claims == CLAIMS and raw[1].sources == SOURCES  # sealed in the history's claims column
    assert raw[2].claims == []
    exported = to_markdown("Ending the lease", raw)  # export reads them from there
    assert "[1] /docs/lease.pdf, page 3" in exported and "the number 60 does not appear in [2]" in exported
    services.close()

    services = Services()
    services.open_history()
    window = _window(qtbot, services, open_history=False)
    qtbot.waitUntil(lambda: len(window.chat.widgets) == 3, timeout=10000)
    answer, old = window.chat.widgets[1].message, window.chat.widgets[2].message
    assert answer.claims == CLAIMS and answer.sources == SOURCES
    assert answer.model == "smollm2-135m-instruct" and answer.timings == {"tokens": 40}
    assert old.claims == [] and old.sources == [SOURCES[0]]
    assert window.chat.widgets[1].check_note.isVisibleTo(window.chat.widgets[1])  # shown when its page is
    assert "2 of 4 statements" in window.chat.widgets[1].check_note.text()
    assert not window.chat.widgets[2].check_note.isVisibleTo(window.chat.widgets[2])
    window.close()
    services.close()


def test_a_conversation_that_cannot_be_read_says_so_and_the_window_goes_on(qtbot, monkeypatch):
    _save_two_conversations(qtbot, monkeypatch)

    services = Services()
    window = _window(qtbot, services)
    qtbot.waitUntil(lambda: len(window.chat.widgets) == 1, timeout=10000)  # the latest, read
    older = next(c for c in window.keeper.list() if c.title == "What does clause 4 say?")
    window.keeper.flush(10)
    services.conversations.history.close()  # the history goes away underneath the window
    window.sidebar.select(older.id)
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=10000)
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    assert box.text() == "Opening the conversation did not work.\n\nThe conversation history is closed."
    box.close()
    assert older.loaded and window.controller.conversation is older and window.chat.widgets == []
    _ask(qtbot, window, "Who pays for repairs?")  # not refused as "still being opened"
    assert [w.message.text for w in window.chat.widgets][0] == "Who pays for repairs?"
    window.close()
    services.close()
