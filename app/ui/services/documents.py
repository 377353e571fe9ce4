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


__all__ = ["RENDERED_SUFFIXES", "ParseError", "render_document"]
