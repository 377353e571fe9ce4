"""The one place where the window meets the core.

Every core service the UI uses enters here, so the views depend on these small shapes and not on
each core module's details. Services that are not installed report themselves unavailable and the
views say so plainly; nothing here invents answers or data.
"""
from __future__ import annotations

import importlib
import itertools
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Protocol

from app.core import paths
from app.core.registry import ModelInfo, Registry
from app.core.settings import Settings

log = logging.getLogger(__name__)


# -- conversation shapes used by the views ------------------------------------
@dataclass
class Message:
    role: str  # "user" or "assistant"
    text: str
    sources: list[dict] = field(default_factory=list)  # {n, library, file, page, excerpt, score, cited}
    error: str = ""  # set when generation failed; the text is then what arrived before the failure
    stopped: bool = False


@dataclass
class Conversation:
    id: str
    title: str
    updated: datetime
    messages: list[Message] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)


class ConversationStore(Protocol):
    def list(self) -> list[Conversation]: ...
    def create(self, title: str = "New conversation") -> Conversation: ...
    def get(self, conversation_id: str) -> Conversation | None: ...
    def save(self, conversation: Conversation) -> None: ...
    def rename(self, conversation_id: str, title: str) -> None: ...
    def delete(self, conversation_id: str) -> None: ...


class SessionConversations:
    """Conversations kept for this session only: used when history is switched off or not available."""

    persistent = False

    def __init__(self) -> None:
        self._items: dict[str, Conversation] = {}

    def list(self) -> list[Conversation]:
        return sorted(self._items.values(), key=lambda c: c.updated, reverse=True)

    def create(self, title: str = "New conversation") -> Conversation:
        conv = Conversation(id=uuid.uuid4().hex, title=title, updated=datetime.now())
        self._items[conv.id] = conv
        return conv

    def get(self, conversation_id: str) -> Conversation | None:
        return self._items.get(conversation_id)

    def save(self, conversation: Conversation) -> None:
        conversation.updated = datetime.now()
        self._items[conversation.id] = conversation

    def rename(self, conversation_id: str, title: str) -> None:
        self._items[conversation_id].title = title

    def delete(self, conversation_id: str) -> None:
        self._items.pop(conversation_id, None)


# -- chat ----------------------------------------------------------------------
class Generation(Protocol):
    """One answer being produced. `result()` blocks until done and returns the final Answer."""

    def cancel(self) -> None: ...
    def result(self) -> "Answer": ...


@dataclass
class Answer:
    text: str
    sources: list[dict] = field(default_factory=list)
    stopped: bool = False
    tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


class ChatBackend(Protocol):
    def start(self, conversation: Conversation, on_token: Callable[[str], None]) -> Generation: ...
    @property
    def model_name(self) -> str: ...


class Unavailable(RuntimeError):
    """A core service is not installed in this build; the message says what the user can do."""


def _optional(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name and module.startswith(exc.name) or exc.name == module:
            return None  # the module itself is absent
        raise  # the module exists but is broken: that must be seen


class Services:
    """What the window needs from the core, created once per window."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.registry = Registry(allow_mismatch=self.settings.get("model.allow_mismatch"))
        self.conversations: ConversationStore = self._open_history()
        self._models: list[ModelInfo] | None = None
        self._lock = threading.Lock()

    # models -------------------------------------------------------------------
    def scan_models(self) -> list[ModelInfo]:
        """Scans the model folders (call off the UI thread: it reads GGUF headers)."""
        models = self.registry.scan()
        with self._lock:
            self._models = models
        return models

    def model_folders(self) -> list[tuple[str, Path]]:
        return [(d.origin, d.path) for d in paths.model_search_path()]

    # chat ---------------------------------------------------------------------
    def chat_backend(self) -> ChatBackend:
        engine_mod = _optional("app.core.engine")
        if engine_mod is None:
            raise Unavailable("The answer engine is not part of this build, so questions cannot be answered yet.")
        raise Unavailable("The answer engine is installed but not yet connected to the window.")

    # libraries ----------------------------------------------------------------
    def library_manager(self):
        lib_mod = _optional("app.core.library")
        if lib_mod is None:
            return None
        return getattr(lib_mod, "LibraryManager", None)

    def library_names(self) -> list[str]:
        manager = self.library_manager()
        if manager is None:
            return []
        try:
            return [lib.name for lib in manager().list()]
        except Exception:  # noqa: BLE001 - a broken library list must not stop the window
            log.exception("cannot list libraries")
            return []

    # history ------------------------------------------------------------------
    def _open_history(self) -> ConversationStore:
        return SessionConversations()


_counter = itertools.count(1)


def untitled_name() -> str:
    return "New conversation"
