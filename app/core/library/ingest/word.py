"""DOCX via python-docx: body paragraphs and tables in reading order, sections by heading."""
from __future__ import annotations

import io
import re
from pathlib import Path

from .model import Block, ParsedDocument, ParseError, join_heading
from .reading import open_zip
from .sections import SectionBuilder

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def parse_docx(data: bytes, path: Path) -> ParsedDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    zf = open_zip(data, "Word document")
    names = set(zf.namelist())
    zf.close()
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        raise ParseError("not a real Word document")
    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError:
        raise ParseError("not a real Word document") from None
    except ValueError as exc:
        if "not a Word file" in str(exc):
            raise ParseError("not a real Word document") from None
        raise ParseError("file is damaged or truncated") from None
    except KeyError:
        raise ParseError("not a real Word document") from None

    builder = SectionBuilder()
    title = _core_title(document)
    for item in document.iter_inner_content():
        if item.__class__.__name__ == "Table":
            for line in _table_lines(item):
                builder.add_text(line)
            continue
        text = item.text.strip()
        if not text:
            continue
        level = _heading_level(item)
        if level == 0 and title is None:
            title = text
        if level is None:
            builder.add_text(text)
        else:
            builder.start_section(max(level, 1), text)
    blocks = [Block(text=t, heading=join_heading(h)) for h, t in builder.sections()]
    title = title or builder.first_heading or path.stem
    return ParsedDocument(path=path, title=title, blocks=blocks, kind="docx")


def _heading_level(paragraph) -> int | None:
    """0 for the Title style, N for 'Heading N' (or a style based on it), None for body text."""
    try:
        style = paragraph.style
    except (KeyError, ValueError, AttributeError):
        return None
    for _ in range(5):  # custom styles usually derive from a built-in heading; follow a few links
        if style is None:
            return None
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 0
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = getattr(style, "base_style", None)
    return None


def _table_lines(table, depth: int = 0):
    if depth > 3:
        return
    for row in table.rows:
        cells = []
        seen = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat the same element
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
            for inner in cell.tables:
                yield from _table_lines(inner, depth + 1)
        line = " | ".join(c for c in cells if c)
        if line:
            yield line


def _core_title(document) -> str | None:
    try:
        return (document.core_properties.title or "").strip() or None
    except Exception:  # a malformed docProps/core.xml only loses the title
        return None
