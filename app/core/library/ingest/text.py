"""Plain text (one block), Markdown and reStructuredText (one block per heading section)."""
from __future__ import annotations

import re
from pathlib import Path

from .model import Block, ParsedDocument, join_heading
from .reading import decode_text
from .sections import SectionBuilder


def parse_text(data: bytes, path: Path) -> ParsedDocument:
    text = decode_text(data).strip()
    blocks = [Block(text=text)] if text else []
    return ParsedDocument(path=path, title=path.stem, blocks=blocks, kind="text")


def parse_markdown(data: bytes, path: Path) -> ParsedDocument:
    return _by_headings(decode_text(data), path, _markdown_headings, "markdown")


def parse_rst(data: bytes, path: Path) -> ParsedDocument:
    return _by_headings(decode_text(data), path, _rst_headings, "text")


def _by_headings(text: str, path: Path, find, kind: str) -> ParsedDocument:
    """find(lines) -> [(first_line, end_line, level, title)], headings in order, end exclusive."""
    lines = text.split("\n")
    builder = SectionBuilder()
    pos = 0
    for start, end, level, title in find(lines):
        body = "\n".join(lines[pos:start]).strip()
        if body:
            builder.add_text(body)
        builder.start_section(level, title)
        pos = end
    body = "\n".join(lines[pos:]).strip()
    if body:
        builder.add_text(body)
    blocks = [Block(text=t, heading=join_heading(h)) for h, t in builder.sections()]
    return ParsedDocument(path=path, title=builder.first_heading or path.stem, blocks=blocks, kind=kind)


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _markdown_headings(lines: list[str]):
    fence = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)[0]
            elif m.group(1)[0] == fence:
                fence = None
            continue
        if fence is not None:
            continue
        m = _ATX.match(line)
        if m and (m.group(2) or "").strip():
            yield i, i + 1, len(m.group(1)), m.group(2).strip()
            continue
        if i + 1 < len(lines) and line.strip() and not line.startswith((" " * 4, "\t")):
            m = _SETEXT.match(lines[i + 1])
            prev_blank = i == 0 or not lines[i - 1].strip()
            if m and prev_blank and not _ATX.match(line):
                yield i, i + 2, 1 if m.group(1)[0] == "=" else 2, line.strip()


_RST_ADORN = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")


def _rst_headings(lines: list[str]):
    styles: list[tuple[str, bool]] = []  # RST levels are set by the order adornment styles appear
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        over = _RST_ADORN.match(line)
        if over and i + 2 < n and lines[i + 1].strip() and lines[i + 2].strip() == line.strip():
            title, style, end = lines[i + 1].strip(), (over.group(1), True), i + 3
        elif (line.strip() and not _RST_ADORN.match(line) and i + 1 < n
              and (under := _RST_ADORN.match(lines[i + 1]))
              and len(lines[i + 1].rstrip()) >= len(line.rstrip())
              and (i == 0 or not lines[i - 1].strip()) and not line.startswith((" ", "\t"))):
            title, style, end = line.strip(), (under.group(1), False), i + 2
        else:
            i += 1
            continue
        if style not in styles:
            styles.append(style)
        yield i, end, styles.index(style) + 1, title
        i = end
