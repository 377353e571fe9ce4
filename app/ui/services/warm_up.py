"""Imports the heavy libraries (llama.cpp, the tokenizer, Qdrant Edge, the parsers) ahead of first use.

A C extension's first import holds the interpreter lock for up to a second or more, which no thread
can avoid; doing it once, right after the window opens and before any question or indexing, keeps
those stalls out of the user's work.
"""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

WARM_UP = {
    "chat": ("app.core.engine.local_engine", "llama_cpp", "jinja2"),
    "documents": ("app.core.index.llama_embedding", "tokenizers", "qdrant_edge", "app.core.library.sync",
                  "app.core.library.ingest.email_message", "app.core.library.ingest.odt", "app.core.library.ingest.pdf",
                  "app.core.library.ingest.rtf", "app.core.library.ingest.text", "app.core.library.ingest.webpage",
                  "app.core.library.ingest.word", "pypdfium2", "docx", "bs4", "odf.opendocument",
                  "striprtf.striprtf", "charset_normalizer", "email.policy"),
}


def warm_up(parts: tuple[str, ...] = ("chat", "documents")) -> None:
    """Imports the modules of WARM_UP's parts, offline. Call from a worker."""
    from app.core.privacy.guard import offline_environment

    offline_environment()
    for module in (m for part in parts for m in WARM_UP[part]):
        try:
            importlib.import_module(module)
        except ImportError:
            log.warning("%s is not installed", module)
