"""The one place where the window meets the core: no other module of app.ui imports app.core (a
contract in pyproject.toml's [tool.importlinter] holds it to that).

The views depend on these small shapes and names, not on each core module's details:

- conversations: a conversation and its messages as the window shows them, kept for this session or
  in the history
- generations: an answer being produced and the Answer it ends in
- window_services: Services, what one window needs from the core, and Unavailable
- models: a model file's record and statuses, and the import of a file, as the core has them; the
  ModelEntry the views show, judged on a worker
- folder_watching: the watcher that keeps libraries current
- model_server: the firm's model server's API key (kept in the OS keychain) and the cut-off note
- warm_up: the heavy imports made once, right after the window opens
- scans: a scanned page's image and the boxes of what OCR read on it, for the source viewer
- export: the conversation in the window written out as `strongroom history export` writes it
- and, imported right here: the core's pure names the views use as they are (paths, citation
  markers, Settings and its refusals, and logs' ref and error_kind: log lines name no document,
  folder or library, only a stable short hash of it, and an exception only by its kind)

The names of generations, window_services and models are imported on first use: those modules load
the engine's, the registry's and the answer pipeline's code (a tenth of a second and more), and the
single-instance check and the theme use `paths` before the window needs any of that.
"""
import importlib

from app.core.answers.citations import MARKER_RE, cited_numbers, excerpt, footnotes
from app.core.engine.repetition import NOTE as REPETITION_NOTE
from app.core.foundation import paths
from app.core.foundation.logs import error_kind, ref
from app.core.foundation.settings import SettingInvalid, SettingLocked, Settings

from .conversations import (
    Conversation, ConversationStore, HistoryConversations, NotSaved, SessionConversations, ShownMessage, new_conversation,
)
from .folder_watching import start_folder_watcher
from .warm_up import WARM_UP, warm_up

_ON_FIRST_USE = {
    **dict.fromkeys(("Answer", "EngineGeneration", "Generation", "RagGeneration"), "generations"),
    **dict.fromkeys(("Services", "Unavailable"), "window_services"),
    **dict.fromkeys(("CUT_OFF", "CUT_OFF_NOTE", "KeyStoreError", "api_key_source", "store_api_key"), "model_server"),
    **dict.fromkeys(("ExportError", "FORMATS", "WINDOW_FORMATS", "export_job"), "export"),
    **dict.fromkeys(("RENDERED_SUFFIXES", "missing_source_message", "render_document"), "documents"),
    **dict.fromkeys(("SCAN_SUFFIXES", "ScanPage", "load_scan_page", "page_label"), "scans"),
    **dict.fromkeys(("CORRUPT", "INCOMPLETE", "MISMATCH", "UNVERIFIED", "VERIFIED", "ModelEntry", "ModelInfo",
                     "import_model_file"), "models"),
}


def __getattr__(name: str):
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_ON_FIRST_USE[name]}"), name)
    globals()[name] = value
    return value


__all__ = ["MARKER_RE", "REPETITION_NOTE", "WARM_UP", "Conversation", "ConversationStore", "HistoryConversations", "NotSaved",
           "SessionConversations", "new_conversation",
           "SettingInvalid", "SettingLocked", "Settings", "ShownMessage", "cited_numbers", "excerpt", "footnotes",
           "error_kind", "paths", "ref", "start_folder_watcher", "warm_up", *_ON_FIRST_USE]
