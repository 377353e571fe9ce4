"""Conversations as the window keeps them, and the two stores that keep them: nowhere beyond this
session, or in the encrypted history.

The window holds its conversations in memory (app.ui.conversation_keeper) and hands every store call
to its history writer, one background thread that makes them one at a time and in order: a store
call may wait for the disk (an fsync per write) and never runs on the UI thread.

Claims in the history: an answer's checked claims quote the answer, so the history seals them like
its text, in a column of their own (History.add_message(claims=...), StoredMessage.claims), where
export reads them too. A message saved without claims loads with none.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol


@dataclass
class ShownMessage:
    """A message as the window shows it: its text, the sources it cites, and whether it failed or was
    stopped. (The core's chat messages are plain role/content dicts; the history stores its own rows.)"""

    role: str  # "user" or "assistant"
    text: str
    sources: list[dict] = field(default_factory=list)  # {n, library, file, page, excerpt, score, cited}
    error: str = ""  # why generation failed; text is then what arrived before the failure
    stopped: bool = False
    id: int | None = None  # the history's message id once saved (set by the history writer)
    model: str | None = None  # the id of the model that wrote an answer
    timings: dict = field(default_factory=dict)  # tokens, tokens_per_s, ttft_ms, prompt_tokens[, retrieval_ms]
    claims: list[dict] = field(default_factory=list)  # an answer from libraries, sentence by sentence (Claim.to_json)
    created: float = field(default_factory=time.time)  # when it was written (the history's time once read back)

    def snapshot(self) -> "ShownMessage":
        """A copy to save: the window may go on changing this one while the history writer works."""
        return replace(self, sources=[dict(s) for s in self.sources], timings=dict(self.timings),
                       claims=[dict(c) for c in self.claims])


@dataclass
class Conversation:
    id: str  # the window's id for it: the same before and after the history has saved it
    title: str
    updated: datetime
    messages: list[ShownMessage] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    loaded: bool = True  # False for list entries whose messages are not read yet
    stored_id: int | None = None  # the history's id once saved (set by the history writer)


class ConversationStore(Protocol):
    """Where conversations are kept. Calls may wait for the disk: the window makes them only on its
    history writer, in the order it asked for them."""

    persistent: bool

    def list(self) -> list[Conversation]: ...
    def messages(self, conversation: Conversation) -> list[ShownMessage]: ...
    def create(self, conversation: Conversation, title: str, libraries: list[str]) -> None: ...
    def add_message(self, conversation: Conversation, message: ShownMessage) -> None: ...
    def truncate(self, conversation: Conversation, kept: list[ShownMessage]) -> None: ...
    def rename(self, conversation: Conversation, title: str) -> None: ...
    def set_libraries(self, conversation: Conversation, libraries: list[str]) -> None: ...
    def delete(self, conversation: Conversation) -> None: ...
    # A library's last extracted table, as SavedTable JSON (app.core.documents.saved_table).
    def save_table(self, library_id: str, table: dict) -> None: ...
    def load_table(self, library_id: str) -> dict | None: ...
    def delete_table(self, library_id: str) -> None: ...


class SessionConversations:
    """History off or not available: the window's memory is all there is, and nothing is written."""

    persistent = False

    def list(self) -> list[Conversation]:
        return []

    def messages(self, conversation: Conversation) -> list[ShownMessage]:
        return list(conversation.messages)

    def create(self, conversation: Conversation, title: str, libraries: list[str]) -> None:
        pass

    def add_message(self, conversation: Conversation, message: ShownMessage) -> None:
        pass

    def truncate(self, conversation: Conversation, kept: list[ShownMessage]) -> None:
        pass

    def rename(self, conversation: Conversation, title: str) -> None:
        pass

    def set_libraries(self, conversation: Conversation, libraries: list[str]) -> None:
        pass

    def delete(self, conversation: Conversation) -> None:
        pass

    def save_table(self, library_id: str, table: dict) -> None:
        pass

    def load_table(self, library_id: str) -> dict | None:
        return None

    def delete_table(self, library_id: str) -> None:
        pass


def new_conversation(title: str, libraries: list[str]) -> Conversation:
    return Conversation(id=uuid.uuid4().hex, title=title, updated=datetime.now(), libraries=list(libraries))


class NotSaved(RuntimeError):
    """A change to a conversation the history never saved (its creation failed before)."""


class HistoryConversations:
    """The encrypted history (app.core.history.conversations) in the shapes above."""

    persistent = True

    def __init__(self, history) -> None:
        self.history = history

    @staticmethod
    def _id(conversation: Conversation) -> int:
        if conversation.stored_id is None:
            raise NotSaved("This conversation could not be saved in the history, so this change is kept "
                           "only until you close Strongroom.")
        return conversation.stored_id

    def list(self) -> list[Conversation]:
        return [Conversation(id=str(s.id), title=s.title, updated=datetime.fromtimestamp(s.updated),
                             libraries=list(s.libraries), loaded=False, stored_id=s.id)
                for s in self.history.list_conversations()]

    def messages(self, conversation: Conversation) -> list[ShownMessage]:
        shown = []
        for m in self.history.messages(self._id(conversation)):
            if m.role not in ("user", "assistant"):
                continue
            shown.append(ShownMessage(role=m.role, text=m.content, sources=list(m.sources), id=m.id, model=m.model,
                                      timings=dict(m.timings), claims=list(m.claims), created=m.created,
                                      stopped=bool(m.timings.get("stopped"))))
        return shown

    def get(self, stored_id: int) -> Conversation:
        """A saved conversation with its messages, by the history's id."""
        summary = next((s for s in self.list() if s.stored_id == stored_id), None)
        if summary is None:
            raise KeyError(f"There is no conversation #{stored_id}.")
        summary.messages, summary.loaded = self.messages(summary), True
        return summary

    def create(self, conversation: Conversation, title: str, libraries: list[str]) -> None:
        conversation.stored_id = self.history.create_conversation(title, libraries=list(libraries))

    def add_message(self, conversation: Conversation, message: ShownMessage) -> None:
        message.id = self.history.add_message(
            self._id(conversation), message.role, message.text,
            sources=message.sources or None, model=message.model or None, timings=message.timings or None,
            claims=message.claims or None)

    def truncate(self, conversation: Conversation, kept: list[ShownMessage]) -> None:
        ids = [m.id for m in kept if m.id is not None]
        self.history.delete_messages_after(self._id(conversation), ids[-1] if ids else 0)

    def rename(self, conversation: Conversation, title: str) -> None:
        self.history.rename(self._id(conversation), title)

    def set_libraries(self, conversation: Conversation, libraries: list[str]) -> None:
        self.history.set_libraries(self._id(conversation), list(libraries))

    def delete(self, conversation: Conversation) -> None:
        if conversation.stored_id is not None:  # never saved: nothing to delete
            self.history.delete(conversation.stored_id)

    def save_table(self, library_id: str, table: dict) -> None:
        self.history.save_table(library_id, table)

    def load_table(self, library_id: str) -> dict | None:
        return self.history.load_table(library_id)

    def delete_table(self, library_id: str) -> None:
        self.history.delete_table(library_id)
