"""OpenDocument text (.odt) via odfpy: paragraphs, lists, tables, sections by heading."""
from __future__ import annotations

import io
from pathlib import Path

from .model import Block, ParsedDocument, ParseError, join_heading
from .reading import open_zip
from .sections import SectionBuilder

_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_SKIP = {(_TEXT_NS, "tracked-changes"), (_TEXT_NS, "sequence-decls"), (_TEXT_NS, "variable-decls")}


def parse_odt(data: bytes, path: Path) -> ParsedDocument:
    from odf import teletype
    from odf.opendocument import load

    zf = open_zip(data, "OpenDocument text")
    names = set(zf.namelist())
    mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    zf.close()
    if "content.xml" not in names or (mimetype and b"opendocument.text" not in mimetype):
        raise ParseError("not a real OpenDocument text file")
    try:
        document = load(io.BytesIO(data))
        body = document.text
    except RecursionError:
        raise ParseError("file is nested too deeply to read") from None
    except Exception:  # odfpy raises many kinds (KeyError, XML errors, zipfile errors) on damage
        raise ParseError("file is damaged or truncated") from None

    builder = SectionBuilder()
    stack = list(reversed(body.childNodes))
    while stack:  # explicit stack: hostile files can nest lists thousands deep
        node = stack.pop()
        qname = getattr(node, "qname", None)
        if qname is None or qname in _SKIP:
            continue
        if qname == (_TEXT_NS, "h"):
            text = teletype.extractText(node).strip()
            if text:
                builder.start_section(_level(node), text)
        elif qname == (_TEXT_NS, "p"):
            text = teletype.extractText(node).strip()
            if text:
                builder.add_text(text)
        elif qname == (_TABLE_NS, "table-row"):
            cells = [teletype.extractText(c).strip() for c in node.childNodes
                     if getattr(c, "qname", None) == (_TABLE_NS, "table-cell")]
            line = " | ".join(c for c in cells if c)
            if line:
                builder.add_text(line)
        else:
            stack.extend(reversed(node.childNodes))
    blocks = [Block(text=t, heading=join_heading(h)) for h, t in builder.sections()]
    title = _meta_title(document) or builder.first_heading or path.stem
    return ParsedDocument(path=path, title=title, blocks=blocks, kind="odt")


def _level(node) -> int:
    try:
        return max(1, min(10, int(node.getAttribute("outlinelevel") or 1)))
    except (ValueError, TypeError):
        return 1


def _meta_title(document) -> str | None:
    from odf import dc, teletype

    try:
        titles = document.meta.getElementsByType(dc.Title)
        return teletype.extractText(titles[0]).strip() or None if titles else None
    except Exception:  # a broken meta.xml only loses the title
        return None
