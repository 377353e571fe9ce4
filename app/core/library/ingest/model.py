"""What every parser returns, and the one error it may raise."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Block:
    text: str
    page: int | None = None  # 1-based page (PDF), else None
    heading: str | None = None  # heading path "Part I > Section 5", else None


@dataclass
class ParsedDocument:
    path: Path
    title: str
    blocks: list[Block]
    needs_ocr_pages: list[int] = field(default_factory=list)  # scanned pages: no usable text layer, not read yet
    # {"page", "reason"[, "cap"][, "attachment"]}: not read, and why (page_label names where)
    unreadable_pages: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # plain-language notes for the user
    kind: str = "text"  # "pdf", "docx", "text", "markdown", "html", "email", "odt", "rtf", "image"


class ParseError(Exception):
    """The only exception a parser lets out; `reason` is shown to the user as is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OcrCancelled(Exception):
    """The sync was cancelled while a file's scanned pages were being read: nothing of it is written."""


def join_heading(path: list[str]) -> str | None:
    return " > ".join(path) if path else None


def page_label(unread: dict) -> str:
    """Where an unread page is: "page 3", or "page 3 of attachment scan.pdf" inside an e-mail."""
    where = f"page {unread.get('page')}"
    return f"{where} of attachment {unread['attachment']}" if unread.get("attachment") else where
