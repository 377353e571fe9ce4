"""Token-aware chunking with the embedding model's own tokenizer.

Each block is tokenized in large windows (once, with offsets), chunks are cut at paragraph, sentence
or word ends below the token limit, and the next chunk starts `overlap` tokens back. Work and memory
are linear in the text size, so a 20 MB single-line file is fine.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .model import ParsedDocument

if TYPE_CHECKING:
    import tokenizers

# The Rust tokenizer holds the interpreter lock while it encodes: short windows keep each call brief,
# so the window stays responsive while a long file indexes (figures in the README's Performance section).
WINDOW_CHARS = 16_000
CHARS_PER_TOKEN_CAP = 16  # bounds chunk size when a "token" is huge (e.g. [UNK] for a giant word)
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_SENTENCE = re.compile(r"[.!?;:][\"')\]\u201d\u2019]*\s|\n")
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s*")
# Pre-tokenizers that split on whitespace: a slice cut at whitespace re-encodes to the same tokens.
_WHITESPACE_SPLITTING = {"BertPreTokenizer", "Whitespace", "WhitespaceSplit"}


@dataclass
class Chunk:
    text: str
    block_index: int
    page: int | None
    heading: str | None
    char_start: int  # blocks[block_index].text[char_start:char_end] == text
    char_end: int
    index: int
    token_count: int = 0


def load_tokenizer(model_dir: Path) -> "tokenizers.Tokenizer":
    """The tokenizer of an embedding model folder (tokenizer.json), loaded once per folder. Indexing asks
    the embedder instead (Embedder.chunk_tokenizer), which also reads a GGUF's own vocabulary."""
    from app.core.index.gguf_tokenizer import folder_tokenizer

    return folder_tokenizer(model_dir)


def chunk_document(doc: ParsedDocument, tokenizer: "tokenizers.Tokenizer", max_tokens: int = 200,
                   overlap: int = 40, max_chars: int | None = None) -> list[Chunk]:
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    overlap = max(0, min(overlap, max_tokens // 2))
    max_chars = max_chars or max_tokens * CHARS_PER_TOKEN_CAP
    exact = _splits_on_whitespace(tokenizer)
    chunks: list[Chunk] = []
    for block_index, block in enumerate(doc.blocks):
        for start, end, count in _split(block.text, tokenizer, max_tokens, overlap, max_chars, exact):
            chunks.append(Chunk(text=block.text[start:end], block_index=block_index, page=block.page,
                                heading=block.heading, char_start=start, char_end=end,
                                index=len(chunks), token_count=count))
    return chunks


def _splits_on_whitespace(tokenizer) -> bool:
    # The pre-tokenizer's class, not tokenizer.to_str(): that serializes the whole vocabulary.
    return type(getattr(tokenizer, "pre_tokenizer", None)).__name__ in _WHITESPACE_SPLITTING


def _count(tokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def _split(text: str, tokenizer, max_tokens: int, overlap: int, max_chars: int, exact: bool):
    """Yields (start, end, tokens) for the chunks of one block."""
    n = len(text)
    pos = _skip_space(text, 0)
    window_start = window_end = -1
    starts: list[int] = []
    ends: list[int] = []
    while pos < n:
        if not (window_start <= pos and window_end != -1):
            window_start, window_end, starts, ends = _window(text, pos, tokenizer)
        final = window_end >= n
        first = bisect.bisect_right(ends, pos)  # first token not wholly before pos
        limit_index = first + max_tokens
        token_limit = starts[limit_index] if limit_index < len(starts) else (n if final else None)
        char_limit = pos + max_chars
        limit = char_limit if token_limit is None else min(token_limit, char_limit)
        # Tokens near a window's far edge may be cut mid-word: re-window instead of trusting them.
        if not final and limit > window_end - 1000:
            if window_start == pos:  # a window holds far more than one chunk; cannot loop
                limit = min(limit, window_end - 1000)
            else:
                window_end = -1
                continue
        cut = n if limit >= n else _best_cut(text, pos, limit)
        end = _strip_end(text, pos, cut)
        count = None
        safe = exact and (pos == 0 or _separates(text[pos - 1])) and (end >= n or _separates(text[end]))
        if safe:
            first_out = bisect.bisect_left(starts, end)
            count = first_out - first
        if count is None or count > max_tokens:
            count = _count(tokenizer, text[pos:end])
            while count > max_tokens:  # rare: a cut inside a word re-tokenizes differently
                target = pos + max(1, (end - pos) * max_tokens // (count + 1))
                cut = _best_cut(text, pos, target)
                end = _strip_end(text, pos, cut)
                if end <= pos:
                    end = cut = target
                count = _count(tokenizer, text[pos:end])
        if end > pos:
            yield pos, end, count
        if cut >= n:
            return
        pos = _next_start(text, pos, cut, starts, first, overlap)


def _window(text: str, pos: int, tokenizer):
    end = min(len(text), pos + WINDOW_CHARS)
    if end < len(text):  # end on whitespace so no word is split across windows
        space = max(text.rfind(" ", end - 2000, end), text.rfind("\n", end - 2000, end))
        if space > pos:
            end = space
    offsets = tokenizer.encode(text[pos:end], add_special_tokens=False).offsets
    starts = [pos + s for s, e in offsets]
    ends = [pos + e for s, e in offsets]
    return pos, end, starts, ends


def _best_cut(text: str, pos: int, limit: int) -> int:
    """The latest paragraph end, else sentence end, else word end, in the second half of the span."""
    low = pos + (limit - pos) // 2
    span = text[low:limit]
    last = None
    for last in _PARAGRAPH.finditer(span):
        pass
    if last is not None:
        return low + last.start()
    for last in _SENTENCE.finditer(span):
        pass
    if last is not None:
        return low + last.end() - 1  # keep the full stop and closing quotes, drop the space
    space = max(text.rfind(" ", low, limit + 1), text.rfind("\n", low, limit + 1), text.rfind("\t", low, limit + 1))
    return space if space > pos else limit


def _next_start(text: str, pos: int, cut: int, starts: list[int], first: int, overlap: int) -> int:
    nxt = cut
    if overlap:
        after = bisect.bisect_left(starts, cut)
        back = after - overlap
        if back > first:
            nxt = starts[back]
        # Never overlap more than half a chunk (few, huge tokens would otherwise crawl forward).
        nxt = max(nxt, pos + (cut - pos) // 2)
        if nxt < cut and nxt > 0 and not text[nxt - 1].isspace():
            match = _SPACE.search(text, nxt, cut)
            nxt = match.start() if match else nxt
    nxt = _skip_space(text, min(nxt, cut))
    return max(nxt, pos + 1)


def _skip_space(text: str, i: int) -> int:
    return _SPACES.match(text, i).end()


def _strip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _separates(ch: str) -> bool:
    """Whitespace the tokenizer splits on. Control characters (vertical tab, U+0085) look like
    whitespace to Python but are deleted by BERT-style normalizers, joining the words around them."""
    return ch in " \t\n\r" or (ch.isspace() and unicodedata.category(ch) in ("Zs", "Zl", "Zp"))
