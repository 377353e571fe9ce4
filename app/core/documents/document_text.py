"""A document read whole: its text by page, where a quote occurs in it, and its division into parts
that fit a model's context.

A quote counts as found when it occurs in the text with every run of whitespace taken as one space
(line breaks and PDF column gaps differ from what a model copies); case and every other character
must match.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from app.core.library.ingest import parse_file
from app.core.library.ingest.model import Block, OcrCancelled, ParseError
from app.core.library.ingest.scanned import OcrContext, pages_per_file
from app.core.library.ocr_cache import OcrCache

MAX_BYTES = 200 * 1024**2


def normalise(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Piece:
    """A stretch of one block (a page's text, or part of it) with its page."""

    text: str
    page: int | None


@dataclass
class DocumentText:
    path: Path
    kind: str
    blocks: list[Block]
    _norm: str = ""
    _starts: list[int] = field(default_factory=list)  # where each block begins in _norm

    def __post_init__(self) -> None:
        parts, offset = [], 0
        for block in self.blocks:
            text = normalise(block.text)
            self._starts.append(offset)
            parts.append(text)
            offset += len(text) + 1
        self._norm = " ".join(parts)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text.strip() for b in self.blocks if b.text.strip())

    @property
    def paged(self) -> bool:
        return any(b.page for b in self.blocks)

    def locate(self, quote: str) -> int | None | bool:
        """The page the quote starts on (None for a document without pages), or False when the quote
        does not occur in the document."""
        wanted = normalise(quote or "")
        if not wanted:
            return False
        at = self._norm.find(wanted)
        if at < 0:
            return False
        block = max(0, bisect.bisect_right(self._starts, at) - 1)
        return self.blocks[block].page

    def pieces(self, max_chars: int) -> list[Piece]:
        """The text in document order, each block cut at whitespace into pieces of at most max_chars."""
        out: list[Piece] = []
        for block in self.blocks:
            text = block.text.strip()
            while text:
                if len(text) <= max_chars:
                    out.append(Piece(text, block.page))
                    break
                cut = text.rfind(" ", max_chars // 2, max_chars)
                cut = cut if cut > 0 else max_chars
                out.append(Piece(text[:cut].strip(), block.page))
                text = text[cut:].strip()
        return out


def read_document(path: Path, max_bytes: int = MAX_BYTES, *, settings=None, cancel=None) -> DocumentText:
    """Raises ParseError with a plain reason (also for a document with no text to read).

    Scanned pages are read by OCR as the library's sync reads them (settings `ocr.enabled`,
    `ocr.max_pages_per_file`), through the same cache: a page read while indexing costs nothing here,
    and one read here costs nothing at the next sync. `cancel` (is_set()) is checked between pages."""
    from app.core.foundation.settings import Settings

    settings = settings or Settings()
    scans = None
    if settings.get("ocr.enabled"):
        scans = OcrContext(cache=OcrCache(), cancel=cancel, max_pages=pages_per_file(settings))
    try:
        parsed = parse_file(Path(path), max_bytes, ocr=scans)
    except OcrCancelled:
        raise ParseError("stopped while its scanned pages were being read") from None
    finally:
        if scans is not None:
            scans.cache.close()
    blocks = [b for b in parsed.blocks if b.text.strip()]
    if not blocks:
        if parsed.needs_ocr_pages:
            raise ParseError("no text layer: its pages are scanned images, and OCR is off (settings: ocr.enabled)")
        if parsed.unreadable_pages:
            first = parsed.unreadable_pages[0]
            raise ParseError(f"nothing could be read on its scanned pages (page {first['page']}: {first['reason']})")
        raise ParseError("no text to read")
    return DocumentText(Path(path), parsed.kind, blocks)


def chars_per_token(sample: str, count: Callable[[str], int]) -> float:
    """How many characters the model reads per token in this text (at least 1)."""
    sample = sample[:4000]
    return max(1.0, len(sample) / max(1, count(sample)))


def split_parts(pieces: list[Piece], max_chars: int) -> list[list[Piece]]:
    """Consecutive pieces grouped into parts of at most max_chars characters each."""
    parts: list[list[Piece]] = []
    size = 0
    for piece in pieces:
        if not parts or size + len(piece.text) > max_chars:
            parts.append([])
            size = 0
        parts[-1].append(piece)
        size += len(piece.text) + 2
    return parts
