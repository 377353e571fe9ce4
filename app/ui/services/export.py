"""Export from the window: the conversation in memory (saved in the history or kept for this session
only) written by the core's export, the same as `strongroom history export` writes it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from app.core.history.export import FORMATS, ExportError, export_conversation

from .conversations import Conversation

# What the window offers: the core also writes .txt (Markdown text); PDF is not offered (no library in
# the project writes PDF from this content; QPdfWriter would only print the window's rendering).
WINDOW_FORMATS = {"Word document (*.docx)": ".docx", "Markdown (*.md)": ".md"}


@dataclass(frozen=True)
class ExportedMessage:
    """A message in the shape the core's export reads (app.core.history.StoredMessage's fields)."""

    role: str
    content: str
    created: float
    sources: list[dict] = field(default_factory=list)
    model: str | None = None
    claims: list[dict] = field(default_factory=list)


def exported_messages(conversation: Conversation) -> list[ExportedMessage]:
    return [ExportedMessage(role=m.role, content=m.text, created=m.created, sources=[dict(s) for s in m.sources],
                            model=m.model, claims=[dict(c) for c in m.claims])
            for m in conversation.messages if m.role in ("user", "assistant") and (m.text or m.role == "user")]


def export_job(path: Path | str, conversation: Conversation) -> Callable[[], Path]:
    """Takes the conversation as the window holds it now (on the UI thread) and returns the call that
    writes it (for a worker): the format follows the suffix (.docx, .md, .txt). That call raises
    ExportError for a file type the export does not write, OSError when the file cannot be written."""
    title, messages, libraries = conversation.title, exported_messages(conversation), list(conversation.libraries)
    return lambda: export_conversation(Path(path), title, messages, libraries)


__all__ = ["FORMATS", "WINDOW_FORMATS", "ExportError", "ExportedMessage", "export_job",
           "exported_messages"]
