"""HTML: visible text only, one block per heading section (beautifulsoup4 + stdlib html.parser)."""
from __future__ import annotations

import re
from pathlib import Path

from .model import Block, ParsedDocument, join_heading
from .reading import decode_text
from .sections import SectionBuilder

_INVISIBLE = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
              "canvas", "head", "button", "select", "option"})
_BOILERPLATE = frozenset({"nav", "header", "footer", "aside", "menu"})
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
_BLOCK = frozenset({"p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "tr",
          "table", "blockquote", "pre", "br", "hr", "address", "figure", "figcaption", "form",
          "fieldset", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "body"})
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def parse_html(data: bytes, path: Path) -> ParsedDocument:
    title, sections = html_sections(_decode_html(data))
    blocks = [Block(text=t, heading=join_heading(h)) for h, t in sections]
    return ParsedDocument(path=path, title=title or path.stem, blocks=blocks, kind="html")


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (e-mail bodies)."""
    _, sections = html_sections(markup)
    return "\n\n".join(t for _, t in sections)


def html_sections(markup: str) -> tuple[str | None, list[tuple[list[str], str]]]:
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    skip_strings = (Comment, Declaration, Doctype, ProcessingInstruction, CData)
    soup = BeautifulSoup(markup, "html.parser")
    head_title = soup.title.get_text(" ", strip=True) if soup.title else None
    builder = SectionBuilder()
    parts: list[str] = []
    # An explicit stack and no tree edits: both keep hostile nesting (50,000 <div>s) linear.
    stack: list = [soup]
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block element
            parts.append("\n")
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, skip_strings):
                parts.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in _INVISIBLE or name in _BOILERPLATE or _hidden(node):
            continue
        if name in _HEADINGS:
            _flush(parts, builder)
            text = node.get_text(" ", strip=True)
            if text:
                builder.start_section(int(name[1]), text)
            continue
        if name in _BLOCK:
            parts.append("\n")
            stack.append(None)
        stack.extend(reversed(node.contents))
    _flush(parts, builder)
    return head_title or builder.first_heading, builder.sections()


def _hidden(tag) -> bool:
    attrs = tag.attrs or {}
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    if (attrs.get("role") or "") in _BOILERPLATE_ROLES:
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _flush(parts: list[str], builder: SectionBuilder) -> None:
    text = "".join(parts)
    parts.clear()
    # Collapse the whitespace HTML ignores, keep paragraph breaks.
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text)]
    body = "\n".join(p for p in paragraphs if p)
    if body:
        builder.add_text(body)


def _decode_html(data: bytes) -> str:
    match = _META.search(data[:4096])
    if match and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)
