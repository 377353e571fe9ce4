"""An extracted table written to CSV, Excel (XLSX) or JSON Lines, where the user chose.

Each field gives five columns: the value, its page, its quote, whether the quote was found in the
document, and the note. A cell text that a spreadsheet would run as a formula (=, +, -, @) is
written as text: documents come from outside the firm.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Sequence

from app.core.documents.fields import Field
from app.core.documents.table import Row
from app.core.foundation.atomic import write_atomic

FORMATS = (".csv", ".xlsx", ".jsonl")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(ValueError):
    pass


def check_output(path: Path) -> Path:
    path = Path(path).expanduser()
    if path.suffix.lower() not in FORMATS:
        raise ExportError(f"{path.name}: the table can be written as {', '.join(FORMATS)}")
    if path.is_dir():
        raise ExportError(f"{path} is a folder; name a file")
    return path


def header(fields: Sequence[Field]) -> list[str]:
    cols = ["file", "error"]
    for f in fields:
        cols += [f.name, f"{f.name} page", f"{f.name} quote", f"{f.name} verified", f"{f.name} note"]
    return cols


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def cells(row: Row, fields: Sequence[Field]) -> list:
    out: list = [row.file, row.error]
    for f in fields:
        c = row.values.get(f.name)
        if c is None:
            out += [None, None, "", False, ""]
            continue
        note = c.note + (" (corrected by hand)" if c.corrected and "by hand" not in c.note else "")
        out += [c.value, c.page, c.quote, c.verified, note]
    return out


def to_csv(rows: Sequence[Row], fields: Sequence[Field]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header(fields))
    for row in rows:
        writer.writerow([_safe(_text(v)) for v in cells(row, fields)])
    return buf.getvalue()


def to_jsonl(rows: Sequence[Row]) -> str:
    return "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rows)


def to_xlsx(rows: Sequence[Row], fields: Sequence[Field]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    flag = PatternFill("solid", fgColor="FFF2CC")  # unverified: the reader checks it before relying on it
    book = Workbook()
    sheet = book.active
    sheet.title = "Extracted"
    sheet.append(header(fields))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(cells(row, fields), start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, (bool, int, float)) and not isinstance(value, bool):
                cell.value = value
            else:
                cell.value = _text(value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
        for i, f in enumerate(fields):
            c = row.values.get(f.name)
            if c is not None and c.value is not None and not c.verified:
                value_cell = sheet.cell(row=r, column=3 + i * 5)
                value_cell.fill = flag
                value_cell.comment = Comment(c.note or "not verified", "Strongroom")
    sheet.freeze_panes = "C2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def render(path: Path, rows: Sequence[Row], fields: Sequence[Field]) -> bytes:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return to_csv(rows, fields).encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    if suffix == ".jsonl":
        return to_jsonl(rows).encode("utf-8")
    if suffix == ".xlsx":
        return to_xlsx(rows, fields)
    raise ExportError(f"{Path(path).name}: the table can be written as {', '.join(FORMATS)}")


def write_table(path: Path, rows: Sequence[Row], fields: Sequence[Field]) -> Path:
    """Writes the whole table at once (a reader sees the old file or the new one, never half)."""
    path = check_output(path)
    try:
        write_atomic(path, render(path, rows, fields), mode=0o600)
    except OSError as exc:
        raise ExportError(f"{path} cannot be written ({exc.strerror or exc})") from None
    return path
