"""Extraction on the real demo model and real files: every row parses and has its schema's types,
every quote is checked against the document (a made-up one is flagged), long documents are read by
passages, a broken file gets its row with the reason."""
from __future__ import annotations

import pytest

from app.core.documents.document_text import read_document
from app.core.documents.extract import Extractor
from app.core.documents.fields import Field, load_fields, template_path
from app.core.documents.typed_values import job_schema, shown_in
from tests.core.documents.conftest import CONTRACT, load_engine

TYPES = {"string": str, "integer": int, "number": (int, float), "date": str, "boolean": bool, "enum": str}


@pytest.fixture(scope="module")
def engine():
    eng = load_engine(2048)
    yield eng
    eng.close()


class FixedQuote(Extractor):
    """The grammar forces this quote and value for every field, whatever the document says."""

    def __init__(self, engine, fields, quote: str, value: str = "forced", **kw):
        super().__init__(engine, fields, **kw)
        self.quote, self.value = quote, value

    def schema(self, fields):
        schema = job_schema(fields, 60, 30)
        for f in fields:
            schema["properties"][f.name]["properties"]["quote"] = {"const": self.quote}
            schema["properties"][f.name]["properties"]["value"] = {"const": self.value}
        return schema


def test_every_row_parses_with_typed_values_and_a_broken_file_keeps_its_row(engine, contracts):
    fields = [f for f in load_fields(template_path("contract-basics"))
              if f.name in ("agreement_date", "governing_law", "renewal")]  # one of each type, for time
    files = sorted(contracts.iterdir())
    result = Extractor(engine, fields, quote_chars=60, value_chars=30).extract_files(files)
    assert [r.file for r in result.rows] == [str(f) for f in files]
    broken = next(r for r in result.rows if r.file.endswith("broken.docx"))
    assert broken.error and all(c.value is None and not c.verified for c in broken.values.values())
    for row in result.rows:
        if row is broken:
            continue
        assert row.schema_valid and not row.error, row.to_json()
        assert set(row.values) == {f.name for f in fields}
        for f in fields:
            cell = row.values[f.name]
            assert cell.value is None or isinstance(cell.value, TYPES[f.type])
            # verified means exactly: a value, its quote occurs in the document, and the quote shows it
            doc = read_document(row.file)
            assert cell.verified == (cell.value is not None and doc.locate(cell.quote) is not False
                                     and shown_in(f, cell.value, cell.quote))
            assert cell.verified or cell.note  # never silently unverified
    assert result.timings["documents"] == 3 and result.timings["requests"] >= 2


def test_a_quote_that_is_not_in_the_document_is_marked_unverified(engine, contracts):
    fields = [Field("governing_law", "string", "The law that governs the agreement")]
    row = FixedQuote(engine, fields, "governed by the laws of the Moon").extract_file(contracts / "services.txt")
    cell = row.values["governing_law"]
    assert cell.quote == "governed by the laws of the Moon" and cell.value == "forced"
    assert not cell.verified and cell.page is None and "not in the document" in cell.note


def test_a_quote_from_the_document_that_shows_the_value_is_verified_with_its_page(engine, contracts):
    fields = [Field("governing_law", "string", "The law that governs the agreement")]
    # Other line breaks and spacing than the PDF's own text: whitespace does not count, case does.
    quote = "This Lease is  governed by   the laws of Scotland."
    row = FixedQuote(engine, fields, quote, "Scots law").extract_file(contracts / "lease.pdf")
    cell = row.values["governing_law"]
    assert cell.value == "Scots law" and not cell.verified  # "Scots" is not a word of the quote
    cell = FixedQuote(engine, fields, quote, "the laws of Scotland").extract_file(contracts / "lease.pdf").values[
        "governing_law"]
    assert cell.value == "the laws of Scotland" and cell.verified and cell.page == 2 and not cell.note
    unshown = FixedQuote(engine, fields, quote).extract_file(contracts / "lease.pdf").values["governing_law"]
    assert not unshown.verified and unshown.page == 2 and unshown.note == "the quote does not show this value: check it"
    wrong_case = FixedQuote(engine, fields, "this lease is governed by the laws of scotland.",
                            "Scotland").extract_file(contracts / "lease.pdf").values["governing_law"]
    assert not wrong_case.verified


def test_a_document_longer_than_the_context_is_read_by_passages(contracts):
    small = load_engine(512)
    try:
        long_doc = contracts / "long.txt"
        filler = "Schedule item {n}: the supplier delivers goods of ordinary quality to the premises.\n\n"
        long_doc.write_text("".join(filler.format(n=n) for n in range(60)) + CONTRACT, encoding="utf-8")
        fields = [Field("governing_law", "string", "The law that governs the agreement"),
                  Field("agreement_date", "date", "The date the agreement is made")]
        row = Extractor(small, fields, quote_chars=60, value_chars=30).extract_file(long_doc)
        assert row.timings["read_whole"] is False and row.timings["requests"] == 2
        assert row.schema_valid and not row.error, row.to_json()
        assert row.timings["prompt_tokens"] <= 2 * 512
    finally:
        small.close()
