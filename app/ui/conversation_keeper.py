"""The window's conversations, and each library's last extracted table: in memory for the UI
thread, written to the history by one owner.

Every change (a new conversation, a message, a title, the libraries searched, a truncation, a
deletion) takes effect in memory at once, and its write is queued on the history writer: a single
background thread (tasks.SerialQueue), so writes never race and keep their order, and the UI
thread never waits for the disk. Opening the history (the key derivation), listing it and reading
a conversation's messages go through the same writer, so a read always sees the writes before it.

A write that fails leaves the conversation on screen as it is; `failed` says what could not be saved
and the window shows it in plain words. Closing waits for the writes still queued.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from PySide6.QtCore import QObject, Signal

from . import tasks
from .services import Conversation, Services, ShownMessage, error_kind, new_conversation
from .services.whole_documents import SavedTable

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 60.0  # a slow network drive may hold the last writes a while; beyond this, give up


class ConversationKeeper(QObject):
    failed = Signal(str, object)  # what could not be done, in words; the exception
    listed = Signal()  # the history's conversations are in `items` (also when there is no history)

    def __init__(self, services: Services, parent: QObject | None = None):
        super().__init__(parent)
        self.services = services
        self.items: dict[str, Conversation] = {}
        self.tables: dict[str, SavedTable] = {}  # by library id: read or saved this session
        self.writer = tasks.SerialQueue("history-writer")
        self.persistent = False
        self.ready = False  # the list is read
        self.closed = False

    # -- starting ---------------------------------------------------------------------
    def start(self, open_history: bool = False, passphrase: Callable[[bool], str | None] | None = None) -> None:
        """Opens the history when asked (off the UI thread: the key derivation takes a while; a
        passphrase is asked on the UI thread), then reads its list. `listed` follows."""
        if not open_history and not self.services.conversations.persistent:
            self._listed((False, []))  # this session only: nothing to read
            return
        if open_history:
            ask = tasks.on_ui_thread(passphrase) if passphrase is not None else None
            self._submit("Opening the conversation history", lambda: self.services.open_history(ask))
        self._submit("Reading the conversation history", self._read_list, on_success=self._listed,
                     on_failure=lambda _exc: self._listed([]))

    def _read_list(self) -> tuple[bool, list[Conversation]]:  # on the writer
        store = self.services.conversations
        return store.persistent, store.list()

    def _listed(self, result) -> None:
        persistent, found = result if result else (self.persistent, [])
        self.persistent = persistent
        for conv in found:
            self.items.setdefault(conv.id, conv)
        self.ready = True
        self.listed.emit()

    # -- reading (memory) ---------------------------------------------------------------
    def list(self) -> list[Conversation]:
        return sorted(self.items.values(), key=lambda c: c.updated, reverse=True)

    def get(self, conversation_id: str) -> Conversation:
        return self.items[conversation_id]

    def load(self, conv: Conversation, on_loaded: Callable[[Conversation], None]) -> None:
        """Reads the messages of a conversation listed from the history, then calls on_loaded (at
        once when they are in memory already)."""
        if conv.loaded:
            on_loaded(conv)
            return

        def loaded(messages: list[ShownMessage]) -> None:
            if not conv.loaded:
                conv.messages[:0] = messages  # before any the user added while they were read
                conv.loaded = True
            on_loaded(conv)

        def unreadable(_exc: BaseException) -> None:
            # Its saved messages stay in the history; the conversation goes on from here meanwhile.
            loaded([])

        self._submit("Opening the conversation", self._store_call("messages", conv), on_success=loaded,
                     on_failure=unreadable)

    # -- changing (memory at once, the history after) -----------------------------------------
    def create(self, title: str, libraries: list[str]) -> Conversation:
        conv = new_conversation(title, libraries)
        self.items[conv.id] = conv
        self._submit("Saving the new conversation", self._store_call("create", conv, title, list(libraries)))
        return conv

    def add_message(self, conv: Conversation, message: ShownMessage) -> None:
        """Saves a message already in conv.messages (the caller appended it); its id follows."""
        conv.updated = datetime.now()
        saved = message.snapshot()

        def write() -> None:
            self.services.conversations.add_message(conv, saved)
            message.id = saved.id  # truncation, later on this thread, deletes by these ids

        self._submit("Saving a message", write)

    def truncate(self, conv: Conversation, index: int) -> None:
        kept = list(conv.messages[:index])
        del conv.messages[index:]
        self._submit("Removing messages", self._store_call("truncate", conv, kept))

    def rename(self, conv: Conversation, title: str) -> None:
        conv.title = title
        self._submit("Renaming the conversation", self._store_call("rename", conv, title))

    def set_libraries(self, conv: Conversation, libraries: list[str]) -> None:
        conv.libraries = list(libraries)
        self._submit("Saving the libraries of the conversation",
                     self._store_call("set_libraries", conv, list(libraries)))

    def delete(self, conv: Conversation) -> None:
        self.items.pop(conv.id, None)
        self._submit("Deleting the conversation", self._store_call("delete", conv))

    # -- extracted tables (memory at once, the history after) ----------------------------------
    def save_table(self, library_id: str, table: SavedTable) -> None:
        self.tables[library_id] = table
        data = table.to_json()  # as it is now: the table on screen goes on changing
        self._submit("Saving the extracted table", self._store_call("save_table", library_id, data))

    def load_table(self, library_id: str, on_loaded: Callable[[SavedTable | None], None]) -> None:
        """The library's last extracted table (None when there is none), at once when in memory."""
        if library_id in self.tables:
            on_loaded(self.tables[library_id])
            return

        def read() -> SavedTable | None:  # on the writer
            data = self.services.conversations.load_table(library_id)
            return None if data is None else SavedTable.from_json(data)

        def loaded(table: SavedTable | None) -> None:
            if table is not None:
                self.tables.setdefault(library_id, table)
            on_loaded(self.tables.get(library_id))

        self._submit("Opening the extracted table", read, on_success=loaded, on_failure=lambda _exc: on_loaded(None))

    def delete_table(self, library_id: str) -> None:
        self.tables.pop(library_id, None)
        self._submit("Deleting the extracted table", self._store_call("delete_table", library_id))

    def run(self, what: str, fn: Callable[[], object], on_success=None, on_failure=None) -> None:
        """Any other history call (changing the passphrase, deleting everything), on the writer, in order;
        the caller says what a failure means (on_failure), not `failed`."""
        if self.closed:
            return

        def failed(exc: BaseException) -> None:
            log.warning("history: %s failed: %s", what.lower(), error_kind(exc))
            if on_failure is not None:
                on_failure(exc)

        self.writer.submit(fn, on_success=on_success, on_failure=failed)

    def clear(self) -> None:
        """Every conversation and table is gone from memory; the caller deletes them from the history."""
        self.items.clear()
        self.tables.clear()

    # -- the writer ---------------------------------------------------------------------------
    def _store_call(self, name: str, *args) -> Callable[[], object]:
        # The store is looked up when the call runs: opening the history (queued before) may change it.
        return lambda: getattr(self.services.conversations, name)(*args)

    def _submit(self, what: str, fn: Callable[[], object], on_success=None, on_failure=None) -> None:
        if self.closed:
            log.warning("history: %s after the window closed was not done", what.lower())
            return

        def failed(exc: BaseException) -> None:
            log.warning("history: %s failed: %s", what.lower(), error_kind(exc))
            self.failed.emit(what, exc)
            if on_failure is not None:
                on_failure(exc)

        self.writer.submit(fn, on_success=on_success, on_failure=failed)

    def flush(self, timeout: float | None = None) -> bool:
        """Waits until every write asked for so far is done (blocking: for tests and closing)."""
        return self.writer.wait(timeout)

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Lets the queued writes finish, then takes no more; the history can be closed after this."""
        if self.closed:
            return True
        self.closed = True
        done = self.writer.close(timeout)
        if not done:
            log.error("history: writes still pending after %.0f s at close", timeout)
        return done
