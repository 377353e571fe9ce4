"""Services: what one window needs from the core (engine, registry, settings, history, libraries).

Nothing here invents answers or data: a service that cannot start says why (Unavailable), in words
the views show as they are. Calls that may take time (loading, hashing, scanning, database writes
of large answers) are made by the views through app.ui.tasks, never on the UI thread.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

from app.core.answers import rag
from app.core.foundation.logs import error_kind, ref
from app.core.foundation.settings import Settings
from app.core.models.registry import LoadPolicy, ModelInfo, Registry

from .conversations import Conversation, ConversationStore, HistoryConversations, SessionConversations
from .generations import EngineGeneration, Generation, RagGeneration
from .models import ModelEntry

log = logging.getLogger(__name__)


def _sentence(text: str) -> str:
    """text as one sentence: capitalised, ending with exactly one full stop."""
    text = text.strip().rstrip(".")
    return (text[:1].upper() + text[1:] + ".") if text else "No reason was given."


class Unavailable(RuntimeError):
    """A core service cannot be used; the message says what the user can do."""


class Services:
    """What the window needs from the core; one per window."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._registry: Registry | None = None
        self._registry_lock = threading.Lock()
        self.conversations: ConversationStore = SessionConversations()
        self.history_notice = ""
        self.history_failed = False  # opening the history failed (not the user's choice)
        self.history_declined = False  # the user chose to continue without history
        self.history_key_method: str | None = None  # "passphrase" or "keychain" once the history is open
        self._engine = None
        self._engine_backend = ""  # "local" or "endpoint": which backend self._engine is
        self._library_manager = None
        self._embedder = None
        self._shards = None
        # The embedder and the shard pool are made on first use from any thread: one of each, ever
        # (a second embedder made in a race would be the one kept, unloaded, and load again later).
        self._owners_lock = threading.RLock()
        self.apply_network_allowlist()

    def apply_network_allowlist(self) -> None:
        """Opens the network guard to exactly the servers the settings in force name (endpoint.url,
        libraries.server_url); called when the window reads its settings and before a model loads."""
        from app.core.remote import allowlist

        allowlist.apply(self.settings)

    # history ------------------------------------------------------------------------
    def open_history(self, passphrase_provider: Callable[[bool, str], str | None] | None = None) -> None:
        """Switches to the encrypted history; on failure keeps session-only conversations and says why.
        Blocking (the key derivation, the database's check): the window calls it on its history writer.

        passphrase_provider(new, problem) asks the user (only where no keychain holds the key); `problem`
        says why it asks again ("That passphrase is not right."). It returns None when the user chooses
        to continue without history: then `history_declined` is True. Any other failure sets
        `history_failed`, and `history_notice` says it in one sentence."""
        self.history_failed = self.history_declined = False
        if not self.settings.get("history.enabled"):
            self.history_notice = "History is switched off: conversations are kept only until you close Strongroom."
            return
        from app.core.history.conversations import open_history
        from app.core.privacy.keystore import PassphraseNeeded, WrongPassphrase

        problem = ""
        while True:
            asked = []

            def ask(new: bool) -> str | None:
                value = passphrase_provider(new, problem) if passphrase_provider is not None else None
                asked.append(value)
                return value

            try:
                history = open_history(ask, self.settings.get("history.retention_days"))
                break
            except (WrongPassphrase, PassphraseNeeded) as exc:
                if asked and asked[-1] is None:  # the user chose "Continue without history"
                    self.history_declined = True
                    self.history_notice = ("You chose to continue without history: conversations are kept "
                                           "only until you close Strongroom.")
                    return
                if asked:  # the user typed one: ask again and say why
                    problem = ("That passphrase is not right. Try again, or continue without history."
                               if isinstance(exc, WrongPassphrase) else _sentence(str(exc)))
                    continue
                failure = exc
            except Exception as exc:  # noqa: BLE001 - any failure leaves a working window with a clear notice
                failure = exc
            log.warning("history unavailable: %s", error_kind(failure))
            self.history_failed = True
            self.history_notice = (f"History is not available: {_sentence(str(failure))} "
                                   "Conversations are kept only for this session.")
            return
        self.conversations = HistoryConversations(history)
        self.history_key_method = history.keystore.method  # read here, on the writer: it asks the keyring
        self.history_notice = "; ".join(getattr(history, "warnings", []))

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wraps the history key under a new passphrase (History.change_passphrase; blocking: the
        window calls it on its history writer). Raises with a plain message when `old` is wrong, `new`
        too short, or the key is in the OS keychain."""
        if not isinstance(self.conversations, HistoryConversations):
            raise Unavailable("The history is not open, so it has no passphrase to change.")
        from app.core.privacy.keystore import WrongPassphrase

        try:
            self.conversations.history.change_passphrase(old, new)
        except WrongPassphrase:
            raise Unavailable("The current passphrase is not right; nothing was changed.") from None

    def delete_all_history(self) -> None:
        """Deletes every saved conversation and scrubs the database files (blocking: on the history writer)."""
        if isinstance(self.conversations, HistoryConversations):
            self.conversations.history.delete_all()

    def close(self) -> None:
        if isinstance(self.conversations, HistoryConversations):
            self.conversations.history.close()
        if self._shards is not None:
            self._shards.close()
        if self._engine is not None:
            self._engine.close(timeout=10)
            self._engine = None

    # models -------------------------------------------------------------------------
    @property
    def registry(self) -> Registry:
        """Made on first use, which is on a worker (it reads the catalog and the checksum cache)."""
        with self._registry_lock:
            if self._registry is None:
                self._registry = Registry.from_settings(self.settings)
            return self._registry

    def scan_models(self) -> list[ModelEntry]:
        """Scans the model folders, verifies small catalog models never hashed, adds what the firm's model
        server serves when one is configured, and judges each under the settings in force (blocking: call
        from a worker)."""
        models = self.registry.scan()
        self.registry.verify_pending(models)
        return [self.judge_model(m) for m in models + self._served_models()]

    def _served_models(self) -> list[ModelInfo]:
        """/v1/models of endpoint.url; when it cannot be listed, endpoint.model alone, so that loading it
        says in plain words what is wrong (unreachable, key refused, certificate not trusted)."""
        if not self.settings.get("endpoint.url"):
            return []
        from app.core.engine.backends import configured_model, served_models
        from app.core.remote.errors import RemoteError

        try:
            served = served_models(self.settings)
        except RemoteError as exc:
            log.warning("the model server's models are not listed: %s", error_kind(exc))
            served = []
        configured = configured_model(self.settings)
        if configured is not None and all(m.id != configured.id for m in served):
            served.append(configured)
        return served

    def judge_model(self, info: ModelInfo) -> ModelEntry:
        """A model as the views show it (call from a worker: the memory check reads the system's)."""
        path = f"{info.id} \u2014 {info.description}" if info.origin == "endpoint" else str(info.path)
        return ModelEntry(info=info, id=info.id, name=info.name, path=path, refusal=self.load_refusal(info))

    def verify_model(self, entry: ModelEntry, progress=None, cancel=None) -> ModelEntry:
        """Hashes the model's files against the catalog (blocking: call from a worker)."""
        return self.judge_model(self.registry.verify(entry.info, progress=progress, cancel=cancel))

    @property
    def engine(self):
        """The engine of the model loaded (or of model.backend before any load)."""
        return self._engine_for(self._engine_backend or self.settings.get("model.backend"))

    def _engine_for(self, backend: str):
        """The engine of this backend, made on first use; changing backends closes the other one."""
        from app.core.engine.backends import LOCAL, make_engine

        if self._engine is not None and self._engine_backend != backend:
            self._engine.close(timeout=10)
            self._engine = None
        if self._engine is None:
            self._engine = make_engine(backend, self.registry if backend == LOCAL else None)
            self._engine_backend = backend
        return self._engine

    def loaded_model(self) -> ModelInfo | None:
        return self._engine.loaded_model if self._engine is not None else None

    def is_demo_model(self, info: ModelInfo | None) -> bool:
        """True for the built-in demo model (its catalog entry says demo = true, or it came from the demo
        package): its answers are unreliable, and the window says so while it is loaded."""
        if info is None:
            return False
        entry = self.registry.catalog.chat_by_id(info.catalog_id) if info.catalog_id else None
        return info.origin == "demo" or bool(entry is not None and entry.demo)

    def load_refusal(self, info: ModelInfo) -> str | None:
        """Why the engine would refuse this model under the settings in force now; None if it would load."""
        from app.core.engine.backends import ENDPOINT, backend_refusal

        refusal = backend_refusal(info, self.settings)
        if refusal or info.origin == ENDPOINT:
            return refusal
        return self.registry.load_refusal(info, LoadPolicy.from_settings(self.settings))

    def default_model(self, models: list[ModelEntry]) -> ModelEntry | None:
        """The configured model if present and loadable, else the first loadable one."""
        usable = [m for m in models if m.refusal is None]
        endpoint = self.settings.get("model.backend") == "endpoint"
        wanted = self.settings.get("endpoint.model" if endpoint else "model.default_model")
        return next((m for m in usable if m.id == wanted or m.path == wanted), usable[0] if usable else None)

    def no_usable_model(self, models: list[ModelEntry]) -> str:
        """Why none of the installed models can be loaded, in words for the chat placeholder."""
        if self.settings.get("model.backend") == "endpoint" and not self.settings.get("endpoint.url"):
            return ("Answers come from the firm's model server, but none is configured: set its address and "
                    "model in Settings \u203a Model server, or ask IT.")
        if not models:
            return "No model is installed yet. Open Models (Ctrl+2) to see where to put one."
        wanted = self.settings.get("model.default_model")
        first = next((m for m in models if m.id == wanted), models[0])
        return f"No installed model can be loaded. {first.refusal} Open Models (Ctrl+2) for each model's reason."

    def load_model(self, info: ModelInfo, on_progress: Callable[[float], None] | None = None) -> Future:
        """Loads on the backend the model belongs to (a GGUF here, or the firm's model server)."""
        from app.core.engine.backends import backend_of

        self.apply_network_allowlist()  # the server named now, if the settings changed since the start
        return self._engine_for(backend_of(info)).load(info, on_progress=on_progress, settings=self.settings)

    def unload_model(self) -> Future | None:
        return self._engine.unload() if self._engine is not None else None

    def start_chat(self, conversation: Conversation, on_token: Callable[[str], None]) -> Generation:
        """Answers the conversation's last user message; on_token is called on the engine's thread."""
        loaded = self.loaded_model()
        if loaded is None:
            raise Unavailable("No model is loaded. Open Models and load one.")
        from app.core.engine.sampling import SamplingParams

        sampling = SamplingParams.from_settings(self.settings)
        turns = [{"role": m.role, "content": m.text} for m in conversation.messages if m.text and not m.error]
        if conversation.libraries:
            return self._start_grounded(conversation, turns, sampling, on_token, loaded.id)
        messages = [{"role": "system", "content": self.settings.get("chat.system_prompt")}] + turns
        generation = self.engine.chat(conversation.id, messages, sampling, on_token=on_token)
        return EngineGeneration(generation, loaded.id)

    def _start_grounded(self, conversation: Conversation, turns: list[dict], sampling, on_token,
                        model: str) -> Generation:
        """An answer from the conversation's libraries, with numbered sources (app.core.answers.rag)."""
        question = turns[-1]["content"] if turns and turns[-1]["role"] == "user" else ""
        history = turns[:-1]
        manager = self.library_manager()
        names = list(conversation.libraries)

        def run(cancel):
            libraries = [lib for lib in (manager.find(n) for n in names) if lib is not None]
            retriever = rag.Retriever(self.embedder, self.shards().borrow)
            result = rag.answer(self.engine, retriever, conversation.id, history, question, libraries, sampling,
                                base_prompt=self.settings.get("chat.system_prompt"),
                                top_k=self.settings.get("retrieval.top_k"), on_token=on_token, cancel=cancel,
                                passage_tokens=self.settings.get("retrieval.passage_tokens"))
            missing = [n for n in names if manager.find(n) is None]
            if missing:
                result.notes.append(f"No longer a library: {', '.join(missing)}.")
            return result

        return RagGeneration(run, model)

    # libraries ----------------------------------------------------------------------
    def library_manager(self):
        """The window's app.core.library.libraries.LibraryManager, made on first use."""
        if self._library_manager is None:
            from app.core.library.libraries import LibraryManager

            self._library_manager = LibraryManager()
        return self._library_manager

    def libraries(self) -> list:
        return self.library_manager().list()

    def add_library(self, folder: Path | str, name: str | None = None):
        """A new library for one folder, named after it (made unique), or the library that already has it."""
        manager = self.library_manager()
        folder = Path(folder).expanduser().resolve()
        if not folder.exists():
            raise Unavailable(f"The folder {folder} does not exist, or cannot be reached now (a drive that is "
                              "not connected, a network share that is offline). Check the path and try again.")
        if not folder.is_dir():
            raise Unavailable(f"{folder} is a file, not a folder. Choose the folder that holds your documents.")
        for lib in manager.list():
            if str(folder) in lib.folders:
                return lib
        base = name or folder.name or str(folder)
        candidate, n = base, 2
        while manager.find(candidate) is not None:
            candidate, n = f"{base} ({n})", n + 1
        return manager.create(candidate, folders=[str(folder)])

    def add_server_library(self, folder: Path | str):
        """A new library for one folder, kept on the firm's Qdrant server (blocking: it connects; call from
        a worker). The folder must be under libraries.roots; the message says so otherwise."""
        from app.core.library import server_library

        folder = Path(folder).expanduser().resolve()
        manager = self.library_manager()
        base, n = folder.name or str(folder), 2
        candidate = base
        while manager.find(candidate) is not None:
            candidate, n = f"{base} ({n})", n + 1
        return server_library.create(manager, candidate, [folder], self.settings)

    def ensure_default_libraries(self) -> list:
        """A library for each folder of `libraries.default_folders` (IT policy) that has none yet.
        Folders that cannot be reached now (a share that is offline) are skipped and tried next start;
        one that cannot become a library (a name too long) is skipped without stopping the others."""
        added = []
        for folder in self.settings.get("libraries.default_folders"):
            try:
                if Path(folder).expanduser().is_dir():
                    added.append(self.add_library(folder))
            except (OSError, ValueError, Unavailable) as exc:
                log.warning("default library folder %s not added: %s", ref(folder), error_kind(exc))
        return added

    def library_files(self, lib) -> list:
        """Every file of a library with its state (sync_state.FileStatus: indexed, needs_ocr, too_large,
        failed with the reason, in_progress); blocking: call from a worker."""
        from app.core.library.sync_state import read_files

        return read_files(lib.state_db)

    @staticmethod
    def supported_types() -> str:
        """The document types indexing reads, in words for the user ("PDF (.pdf), ... and e-mail (.eml)")."""
        from app.core.library.ingest import SUPPORTED_SUFFIXES

        order = (".pdf", ".docx", ".odt", ".rtf", ".txt", ".text", ".md", ".markdown", ".rst", ".html", ".htm",
                 ".xhtml", ".eml")
        found = [s for s in order if s in SUPPORTED_SUFFIXES] + sorted(set(SUPPORTED_SUFFIXES) - set(order))
        return ", ".join(found[:-1]) + " and " + found[-1]

    def remove_library(self, name: str) -> None:
        manager = self.library_manager()
        lib = manager.find(name)
        if lib is not None and self._shards is not None:
            self._shards.release(lib.id)  # its files go next: nobody may hold them open
        manager.delete(name)

    def library_stats(self, lib):
        return self.library_manager().stats(lib)

    def preload_embedder(self) -> None:
        """Loads the embedding model ahead of the first question or indexing run (call from a worker).
        Loading imports parts of transformers and holds the interpreter lock in stretches; done at
        start-up it neither delays the first answer nor stalls the window while a folder indexes."""
        try:
            self.embedder.load()
            self.embedder.chunk_tokenizer()  # the chunker's copy, kept for every sync
        except Exception as exc:  # noqa: BLE001 - indexing reports the same failure when it needs the model
            log.warning("embedding model not loaded ahead: %s", error_kind(exc))

    @property
    def embedder(self):
        with self._owners_lock:
            if self._embedder is None:
                from app.core.index.embedder import Embedder

                self._embedder = Embedder.from_settings(self.settings)
            return self._embedder

    def shards(self):
        """The window's one owner of every open library shard, shared by indexing and answering."""
        with self._owners_lock:
            if self._shards is None:
                from app.core.index.shard_pool import ShardPool

                from app.core.library.sync import open_library_store

                dimensions = self.embedder.dimensions
                self._shards = ShardPool(dimensions, lambda lib: open_library_store(lib, dimensions, self.settings))
            return self._shards

    def sync_library(self, lib, progress=None, cancel=None):
        """Brings one library's index up to date (blocking: call from a worker)."""
        from app.core.library.sync import sync_library

        store = None
        if lib.embedding_model and lib.embedding_model != self.embedder.id and not lib.on_server:
            self.shards().release(lib.id)  # sync rebuilds the shard for the new model
        else:
            store = self.shards().store(lib)
        return sync_library(lib, self.embedder, store=store, progress=progress, cancel=cancel,
                            settings=self.settings, manager=self.library_manager())

    def library_names(self) -> list[str]:
        try:
            return [lib.name for lib in self.library_manager().list()]
        except Exception as exc:  # noqa: BLE001 - a broken library list must not stop the window
            log.error("cannot list libraries: %s", error_kind(exc))
            return []
