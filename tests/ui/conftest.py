"""GUI tests: background tasks of one test finish before the next test starts, and Python's cycle
collector runs on the UI thread only, as in the app (app/ui/ui_thread_gc.py)."""
import gc

import pytest


@pytest.fixture(autouse=True)
def _drain_background_tasks(qapp):
    from app.ui import ui_thread_gc

    collector = ui_thread_gc.install(qapp)
    yield
    from app.ui import tasks

    assert tasks.wait_all(120000), "a background task did not finish"
    qapp.processEvents()
    collector.stop()  # the test's garbage is collected here, on the UI thread
    assert gc.isenabled()


HISTORY_PASSPHRASE = "correct horse battery"


@pytest.fixture
def history_on(monkeypatch):
    """History enabled and keyed by a passphrase (no keychain in tests), as on a headless workstation:
    a window made with open_history=True opens it, and a probed test sees every write it makes."""
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", HISTORY_PASSPHRASE)
    return HISTORY_PASSPHRASE


def saved_messages(conversation_title: str) -> list:
    """The history's rows (app.core.history Message) of the conversation with this title, read after
    the window and its services are closed."""
    from app.ui.services import Services

    services = Services()
    services.open_history()
    try:
        history = services.conversations.history
        conv = next(c for c in history.list_conversations() if c.title == conversation_title)
        return history.messages(conv.id)
    finally:
        services.close()


def saved_table(library_id: str):
    """The library's last extracted table in the history (a SavedTable, or None), read after the
    window and its services are closed."""
    from app.core.documents.saved_table import SavedTable
    from app.ui.services import Services

    services = Services()
    services.open_history()
    try:
        data = services.conversations.history.load_table(library_id)
        return None if data is None else SavedTable.from_json(data)
    finally:
        services.close()
