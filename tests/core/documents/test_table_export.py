"""The table in CSV, Excel and JSON Lines: what was extracted, flagged as it was, and no cell a
spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from app.core.documents.fields import Field
from app.core.documents.table import Cell, Row, correct
from app.core.documents.table_export import ExportError, write_table

FIELDS = [Field("law", "string"), Field("years", "integer")]
ROWS = [
    Row("/m/a.pdf", {"law": Cell("England", "laws of England", 2, True), "years": Cell(2, "two years", 1, False,
                                                                                        "the quote is not in the document")}),
    Row("/m/evil.txt", {"law": Cell("=HYPERLINK(\"http://x\")", "=cmd|' /C calc'!A0", None, False, "check"),
                        "years": correct(Cell(None), 5)}),
    Row("/m/broken.docx", {"law": Cell(note="file is damaged"), "years": Cell(note="file is damaged")},
        error="file is damaged or truncated"),
]


def test_csv_has_every_cell_and_neutralises_formulas(tmp_path):
    path = write_table(tmp_path / "t.csv", ROWS, FIELDS)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["file"] for r in rows] == ["/m/a.pdf", "/m/evil.txt", "/m/broken.docx"]
    assert rows[0]["law"] == "England" and rows[0]["law page"] == "2" and rows[0]["law verified"] == "yes"
    assert rows[0]["years verified"] == "no" and "not in the document" in rows[0]["years note"]
    assert rows[1]["law"].startswith("'=") and rows[1]["law quote"].startswith("'=")
    assert rows[1]["years"] == "5" and "corrected by hand" in rows[1]["years note"]
    assert rows[2]["error"] == "file is damaged or truncated"


def test_xlsx_flags_unverified_values_and_holds_no_formula(tmp_path):
    path = write_table(tmp_path / "t.xlsx", ROWS, FIELDS)
    sheet = openpyxl.load_workbook(path).active
    head = [c.value for c in sheet[1]]
    law, years = head.index("law") + 1, head.index("years") + 1
    assert sheet.cell(2, law).value == "England" and sheet.cell(2, law).comment is None
    assert sheet.cell(2, years).value == 2 and sheet.cell(2, years).comment is not None  # unverified: flagged
    evil = sheet.cell(3, law)
    assert evil.data_type == "s" and evil.value.startswith("=HYPERLINK")  # text, not a formula


def test_jsonl_is_one_row_per_line_as_the_cli_prints_it(tmp_path):
    path = write_table(tmp_path / "t.jsonl", ROWS, FIELDS)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["file"] for r in lines] == [r.file for r in ROWS]
    assert lines[0]["values"]["law"] == {"value": "England", "page": 2, "quote": "laws of England", "verified": True}
    assert lines[1]["values"]["years"]["corrected"] is True and lines[2]["error"]
    assert [Row.from_json(r).to_json() for r in lines] == lines


def test_unknown_formats_and_folders_are_refused(tmp_path):
    with pytest.raises(ExportError, match=".csv, .xlsx, .jsonl"):
        write_table(tmp_path / "t.pdf", ROWS, FIELDS)
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        write_table(tmp_path / "d.csv", ROWS, FIELDS)
