"""Citation markers in answers: [1], [2][3], [1, 3], [2-4].

The model is told to cite passages as [n]. Small models also invent numbers that point at no
passage; those markers are removed so that every marker the user can click leads somewhere.
"""
from __future__ import annotations

import re

# One bracket with numbers separated by commas, semicolons or ranges: [1], [1, 2], [1-3], [1–3].
MARKER_RE = re.compile(r"\[(\s*\d{1,3}(?:\s*(?:[,;]|[-\u2013])\s*\d{1,3})*\s*)\]")
_PART_RE = re.compile(r"(\d{1,3})\s*[-\u2013]\s*(\d{1,3})|(\d{1,3})")
MAX_RANGE = 20  # "[1-999]" is not a citation anyone means
EXCERPT_CHARS = 600  # the text a source carries: the sources pane, the viewer's highlight, export, search


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word boundary to at most `limit` characters (with "…")."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut).rstrip() + "\u2026"


def _numbers(inner: str) -> list[int]:
    numbers: list[int] = []
    for start, end, single in _PART_RE.findall(inner):
        if single:
            numbers.append(int(single))
        else:
            a, b = int(start), int(end)
            if a <= b and b - a <= MAX_RANGE:
                numbers.extend(range(a, b + 1))
    return numbers


def cited_numbers(text: str) -> list[int]:
    """Every passage number the text cites, in order of first appearance."""
    seen: dict[int, None] = {}
    for m in MARKER_RE.finditer(text):
        for n in _numbers(m.group(1)):
            seen.setdefault(n, None)
    return list(seen)


def clean_markers(text: str, valid: set[int] | range) -> str:
    """Keeps numbers that point at a passage, rewrites each marker as [a][b], drops empty ones."""

    def replace(m: re.Match) -> str:
        kept: list[int] = []
        for n in _numbers(m.group(1)):
            if n in valid and n not in kept:
                kept.append(n)
        return "".join(f"[{n}]" for n in kept)

    cleaned = MARKER_RE.sub(replace, text)
    while True:  # removing "[9]" from "[1[9]]" leaves a new "[1]": clean until nothing changes
        again = MARKER_RE.sub(replace, cleaned)
        if again == cleaned:
            break
        cleaned = again
    # A removed marker can leave "word ." behind.
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)


def footnotes(text: str, sources: list[dict]) -> str:
    """The answer followed by its cited sources as footnotes: for Copy and export."""
    by_n = {s["n"]: s for s in sources}
    lines = []
    for n in cited_numbers(text):
        s = by_n.get(n)
        if s:
            page = f", page {s['page']}" if s.get("page") else ""
            lines.append(f"[{n}] {s['file']}{page}")
    return text.rstrip() + ("\n\n" + "\n".join(lines) if lines else "")


_RUN_CHARS = frozenset("0123456789 \t\n,;-\u2013")


def _bracket_run_end(text: str) -> int:
    """For text starting with "[": the length of the balanced run of markers it starts, 0 when the run
    is still open at the end of text, -1 when it cannot be a marker (another character comes first)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch not in _RUN_CHARS:
            return -1
        if i >= MAX_MARKER_CHARS:
            return -1
    return 0
MAX_MARKER_CHARS = 24


class MarkerFilter:
    """Cleans markers while an answer streams: from a "[" on, a run of numbers, separators and
    brackets is held back until its brackets balance, then cleaned as a whole, so a number that
    points at no passage never reaches the screen, even for a moment, and neither does a marker that
    only appears once an inner one is removed ("[1[9]]")."""

    def __init__(self, passages: int):
        self.valid = range(1, passages + 1)
        self._held = ""

    def feed(self, piece: str) -> str:
        text, out = self._held + piece, []
        self._held = ""
        while text:
            i = text.find("[")
            if i < 0:
                out.append(text)
                break
            out.append(text[:i])
            rest = text[i:]
            end = _bracket_run_end(rest)
            if end > 0:
                out.append(clean_markers(rest[:end], self.valid))
                text = rest[end:]
            elif end == 0 and len(rest) <= MAX_MARKER_CHARS:
                self._held = rest  # may still become a marker
                break
            else:
                out.append("[")  # an ordinary bracket
                text = rest[1:]
        return "".join(out)

    def flush(self) -> str:
        """The end of the answer: a run that never closed was no marker, so its first "[" is an
        ordinary bracket, and what follows it is cleaned like the rest."""
        held, self._held, out = self._held, "", []
        while held:
            out += [held[0], self.feed(held[1:])]
            held, self._held = self._held, ""
        return "".join(out)
