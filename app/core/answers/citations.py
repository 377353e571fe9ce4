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


_OPEN_MARKER = re.compile(r"\[[\d\s,;\-\u2013]*")  # what a marker looks like before its "]" arrives
MAX_MARKER_CHARS = 24


class MarkerFilter:
    """Cleans markers while an answer streams: a "[" is held back until its marker is complete, so
    a number that points at no passage never reaches the screen, even for a moment."""

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
            end = rest.find("]")
            if end >= 0 and MARKER_RE.fullmatch(rest[: end + 1]):
                out.append(clean_markers(rest[: end + 1], self.valid))
                text = rest[end + 1:]
            elif end < 0 and len(rest) <= MAX_MARKER_CHARS and _OPEN_MARKER.fullmatch(rest):
                self._held = rest  # may still become a marker
                break
            else:
                out.append("[")  # an ordinary bracket
                text = rest[1:]
        return "".join(out)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held
