"""A whole Word, OpenDocument or HTML document as simple HTML for the source viewer: headings,
paragraphs with their line breaks, lists and tables, in reading order. Built from the text the
parsers read (python-docx, odfpy, the HTML parser's visible text), never from the file's own markup,
so no script, style or remote resource of the file reaches the viewer."""
from __future__ import annotations

import html
import io
from pathlib import Path

from .model import ParseError
from .parse import DEFAULT_MAX_BYTES
from .reading import open_zip, read_limited

RENDERED = {".docx": "docx", ".odt": "odt", ".html": "html", ".htm": "html"}


def can_render(path: Path | str) -> bool:
    return Path(path).suffix.lower() in RENDERED


def _para(text: str, tag: str = "p") -> str:
    lines = [html.escape(line) for line in text.split("\n")]
    return f"<{tag}>{'<br>'.join(lines)}</{tag}>"


def _table(rows: list[list[str]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{'<br>'.join(html.escape(x) for x in c.split(chr(10)))}</td>"
                                    for c in row) + "</tr>" for row in rows if any(c.strip() for c in row))
    return f'<table border="1" cellspacing="0" cellpadding="4">{body}</table>' if body else ""


def document_html(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The document as HTML. Raises ParseError (with a plain reason) when it cannot be read."""
    path = Path(path)
    kind = RENDERED.get(path.suffix.lower())
    if kind is None:
        raise ParseError("this kind of file is not shown here")
    data = read_limited(path, max_bytes)
    parts = {"docx": _docx, "odt": _odt, "html": _html}[kind](data)
    return "\n".join(p for p in parts if p)


# -- Word ---------------------------------------------------------------------------------------------
def _docx(data: bytes) -> list[str]:
    import docx

    from .word import _heading_level

    open_zip(data, "Word document").close()  # the zip checks (size, ratio) before python-docx inflates it
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on damage
        raise ParseError("not a readable Word document") from None
    out = []
    for item in document.iter_inner_content():
        if item.__class__.__name__ == "Table":
            out.append(_table([[c.text for c in row.cells] for row in item.rows]))
            continue
        text = item.text  # python-docx gives a line break (w:br) as "\n" and a tab as "\t"
        if not text.strip():
            continue
        level = _heading_level(item)
        out.append(_para(text.strip("\n"), "p" if level is None else f"h{min(max(level, 1), 6)}"))
    return out


# -- OpenDocument ---------------------------------------------------------------------------------------
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _odt(data: bytes) -> list[str]:
    from odf import teletype
    from odf.opendocument import load

    open_zip(data, "OpenDocument text").close()
    try:
        body = load(io.BytesIO(data)).text
    except Exception:  # noqa: BLE001 - odfpy raises many kinds on damage
        raise ParseError("not a readable OpenDocument text") from None
    out = []
    stack = [(n, False) for n in reversed(body.childNodes)]
    while stack:  # explicit stack: lists may nest deeply
        node, in_list = stack.pop()
        qname = getattr(node, "qname", None)
        if qname == (_TEXT_NS, "h"):
            text = teletype.extractText(node)
            if text.strip():
                level = node.getAttribute("outlinelevel") or "1"
                out.append(_para(text, f"h{min(max(int(level) if str(level).isdigit() else 1, 1), 6)}"))
        elif qname == (_TEXT_NS, "p"):
            text = teletype.extractText(node)
            if text.strip():
                out.append(f"<ul>{_para(text, 'li')}</ul>" if in_list else _para(text))
        elif qname == (_TABLE_NS, "table"):
            rows = [[teletype.extractText(c) for c in r.childNodes
                     if getattr(c, "qname", None) == (_TABLE_NS, "table-cell")]
                    for r in node.getElementsByType(_table_row())]
            out.append(_table(rows))
        elif qname is not None and not qname[1].endswith("decls") and qname[1] != "tracked-changes":
            stack.extend((c, in_list or qname == (_TEXT_NS, "list")) for c in reversed(node.childNodes))
    return out


def _table_row():
    from odf.table import TableRow

    return TableRow


# -- HTML -------------------------------------------------------------------------------------------------
def _html(data: bytes) -> list[str]:
    from .webpage import _decode_html, html_sections

    title, sections = html_sections(_decode_html(data))
    out = []
    for heading, text in sections:
        lines = text.split("\n")
        if heading and lines and lines[0] == heading[-1]:
            out.append(_para(lines.pop(0), f"h{min(len(heading), 6)}"))
        out += [_para(line) for line in lines if line.strip()]
    return out
