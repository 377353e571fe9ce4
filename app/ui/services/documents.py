"""A cited Word, OpenDocument or HTML file rendered whole for the source viewer (on a worker: it parses)."""
from __future__ import annotations

from pathlib import Path

from app.core.library.ingest.document_html import RENDERED, document_html
from app.core.library.ingest.model import ParseError

RENDERED_SUFFIXES = frozenset(RENDERED)


def render_document(path: Path | str) -> str:
    """The whole document as simple HTML (headings, paragraphs with line breaks, lists, tables).
    Raises ParseError with a plain reason when the file cannot be read."""
    return document_html(Path(path))


def missing_source_message(path: Path | str) -> str:
    """Why a cited file cannot be shown: a shared library's root not mapped on this computer, or a file
    that is gone."""
    from app.core.foundation.settings import Settings
    from app.core.library.roots import RootMap, RootNotMapped

    root = RootMap(Settings().get("libraries.roots")).unmapped_root(str(path).replace("\\", "/"))
    if root is not None:
        return str(RootNotMapped(str(path), root))
    return (f"The file {path} is no longer there. It may have been moved or deleted; "
            "re-index the library to update its sources.")


__all__ = ["RENDERED_SUFFIXES", "ParseError", "missing_source_message", "render_document"]
