"""Conversations as the window keeps them, and the two stores that hold them: in memory for this
session, or in the encrypted history."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
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
    id: int | None = None  # the history's message id once saved


@dataclass
class Conversation:
    id: str
    title: str
    updated: datetime
    messages: list[ShownMessage] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    loaded: bool = True  # False for list entries whose messages are not read yet


class ConversationStore(Protocol):
    persistent: bool

    def list(self) -> list[Conversation]: ...
    def create(self, title: str, libraries: list[str]) -> Conversation: ...
    def get(self, conversation_id: str) -> Conversation: ...
    def add_message(self, conversation: Conversation, message: ShownMessage) -> None: ...
    def truncate(self, conversation: Conversation, index: int) -> None: ...
    def rename(self, conversation_id: str, title: str) -> None: ...
    def set_libraries(self, conversation_id: str, libraries: list[str]) -> None: ...
    def delete(self, conversation_id: str) -> None: ...


class SessionConversations:
    """Conversations kept in memory for this session: when history is off or cannot be opened."""

    persistent = False

    def __init__(self) -> None:
        self._items: dict[str, Conversation] = {}

    def list(self) -> list[Conversation]:
        return sorted(self._items.values(), key=lambda c: c.updated, reverse=True)

    def create(self, title: str, libraries: list[str]) -> Conversation:
        conv = Conversation(id=uuid.uuid4().hex, title=title, updated=datetime.now(), libraries=list(libraries))
        self._items[conv.id] = conv
        return conv

    def get(self, conversation_id: str) -> Conversation:
        return self._items[conversation_id]

    def add_message(self, conversation: Conversation, message: ShownMessage) -> None:
        conversation.updated = datetime.now()  # the list object is the conversation itself

    def truncate(self, conversation: Conversation, index: int) -> None:
        del conversation.messages[index:]

    def rename(self, conversation_id: str, title: str) -> None:
        self._items[conversation_id].title = title

    def set_libraries(self, conversation_id: str, libraries: list[str]) -> None:
        self._items[conversation_id].libraries = list(libraries)

    def delete(self, conversation_id: str) -> None:
        self._items.pop(conversation_id, None)


class HistoryConversations:
    """The encrypted history (app.core.history.conversations) in the shapes above."""

    persistent = True

    def __init__(self, history) -> None:
        self.history = history

    def list(self) -> list[Conversation]:
        return [Conversation(id=str(s.id), title=s.title, updated=datetime.fromtimestamp(s.updated),
                             libraries=list(s.libraries), loaded=False)
                for s in self.history.list_conversations()]

    def create(self, title: str, libraries: list[str]) -> Conversation:
        cid = self.history.create_conversation(title, libraries=list(libraries))
        return Conversation(id=str(cid), title=title, updated=datetime.now(), libraries=list(libraries))

    def get(self, conversation_id: str) -> Conversation:
        cid = int(conversation_id)
        summary = next((s for s in self.history.list_conversations() if s.id == cid), None)
        if summary is None:
            raise KeyError(f"There is no conversation #{cid}.")
        messages = [ShownMessage(role=m.role, text=m.content, sources=list(m.sources), id=m.id)
                    for m in self.history.messages(cid) if m.role in ("user", "assistant")]
        return Conversation(id=conversation_id, title=summary.title, updated=datetime.fromtimestamp(summary.updated),
                            messages=messages, libraries=list(summary.libraries))

    def add_message(self, conversation: Conversation, message: ShownMessage) -> None:
        message.id = self.history.add_message(int(conversation.id), message.role, message.text,
                                              sources=message.sources or None)
        conversation.updated = datetime.now()

    def truncate(self, conversation: Conversation, index: int) -> None:
        kept = [m.id for m in conversation.messages[:index] if m.id is not None]
        self.history.delete_messages_after(int(conversation.id), kept[-1] if kept else 0)
        del conversation.messages[index:]

    def rename(self, conversation_id: str, title: str) -> None:
        self.history.rename(int(conversation_id), title)

    def set_libraries(self, conversation_id: str, libraries: list[str]) -> None:
        self.history.set_libraries(int(conversation_id), list(libraries))

    def delete(self, conversation_id: str) -> None:
        self.history.delete(int(conversation_id))
