"""The best passages of one document for one question, when the whole document does not fit the
model's context: the library's own hybrid retrieval restricted to that file when the file is
indexed, else the document's pieces that share the most words with the question."""
from __future__ import annotations

import logging
from typing import Protocol

from app.core.answers.claims import content_words
from app.core.documents.document_text import DocumentText, Piece
from app.core.index.store import SearchFilter

log = logging.getLogger(__name__)

PIECE_CHARS = 900  # about one index chunk of a small embedding model, a little more
TOP_K = 8


class PassagePicker(Protocol):
    def pick(self, doc: DocumentText, query: str, max_chars: int) -> list[Piece]: ...


def _in_budget(ranked: list[tuple[int, Piece]], max_chars: int) -> list[Piece]:
    """(position, piece) pairs, best first -> the best that fit max_chars together, in position order."""
    kept, used = [], 0
    for position, piece in ranked:
        if kept and used + len(piece.text) > max_chars:
            continue
        kept.append((position, Piece(piece.text[:max_chars], piece.page)))
        used += len(piece.text) + 2
    return [piece for _, piece in sorted(kept, key=lambda pair: pair[0])]  # in document order


class WordPicker:
    """Pieces ranked by how many of the question's content words they hold (ties: the earlier piece)."""

    def pick(self, doc: DocumentText, query: str, max_chars: int) -> list[Piece]:
        words = content_words(query)
        pieces = doc.pieces(min(PIECE_CHARS, max_chars))
        scored = sorted(enumerate(pieces), key=lambda pair: (-len(words & content_words(pair[1].text)), pair[0]))
        return _in_budget(scored, max_chars)


class LibraryPicker:
    """The library's retrieval (dense + BM25) over the chunks of this one file; WordPicker when the file
    is not in the index or nothing relevant comes back."""

    def __init__(self, retriever, library):
        self.retriever, self.library = retriever, library
        self.fallback = WordPicker()

    def pick(self, doc: DocumentText, query: str, max_chars: int) -> list[Piece]:
        try:
            found = self.retriever.retrieve([self.library], query, TOP_K, SearchFilter(files=(str(doc.path),)))
        except Exception as exc:  # a store in use or damaged: the document itself is still there
            log.warning("retrieval for extraction failed (%s); reading the document's own words", type(exc).__name__)
            found = None
        if not found or not found.passages:
            return self.fallback.pick(doc, query, max_chars)
        # Best-ranked first into the budget; then in the document's order (chunk index).
        ranked = [(p.chunks[0] if p.chunks else i, Piece(p.text, p.page)) for i, p in enumerate(found.passages)]
        return _in_budget(ranked, max_chars)
