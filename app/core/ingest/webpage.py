"""HTML: visible text only, one block per heading section (beautifulsoup4 + stdlib html.parser)."""
from __future__ import annotations

import re
from pathlib import Path

from .model import Block, ParsedDocument, ParseError, join_heading
from .reading import decode_text
from .sections import SectionBuilder

_INVISIBLE = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
              "canvas", "head", "button", "select", "option")
_BOILERPLATE = ("nav", "header", "footer", "aside", "menu")
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
_BLOCK = ("p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "tr",
          "table", "blockquote", "pre", "br", "hr", "address", "figure", "figcaption", "form",
          "fieldset", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "body")
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
    from bs4 import BeautifulSoup, NavigableString
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction, CData

    try:
        soup = BeautifulSoup(markup, "html.parser")
        head_title = soup.title.get_text(" ", strip=True) if soup.title else None
        for tag in soup.find_all(_INVISIBLE + _BOILERPLATE):
            tag.decompose()
        for tag in soup.find_all(lambda t: _hidden(t)):
            if not getattr(tag, "decomposed", False):
                tag.decompose()
        builder = SectionBuilder()
        markers = {}
        for tag in soup.find_all(_HEADINGS):
            marker = NavigableString("")
            markers[id(marker)] = (int(tag.name[1]), tag.get_text(" ", strip=True))
            tag.replace_with(marker)
        for tag in soup.find_all(_BLOCK):
            tag.insert_before("\n")
            tag.append("\n")
        skip = (Comment, Declaration, Doctype, ProcessingInstruction, CData)
        parts: list[str] = []
        for node in soup.descendants:
            if not isinstance(node, NavigableString) or isinstance(node, skip):
                continue
            heading = markers.get(id(node))
            if heading is not None:
                _flush(parts, builder)
                if heading[1]:
                    builder.start_section(*heading)
                continue
            parts.append(str(node))
        _flush(parts, builder)
    except RecursionError:
        raise ParseError("page is nested too deeply to read") from None
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
