"""Whole-document work logs counts only: no document text, quote, value, file, folder or library name,
even at DEBUG and when a document fails."""
from __future__ import annotations

import logging

from app.core.documents.extract import Extractor
from app.core.documents.fields import Field
from app.core.documents.intake import run_pass
from app.core.documents.summarize import Summarizer
from app.core.library.libraries import LibraryManager
from tests.core.documents.test_extract import engine  # noqa: F401 (module fixture: one model load)
from tests.helpers.log_scan import debug_log, find_phrases  # noqa: F401 (fixture)

SECRET = "Marrowgate-8190 settlement"


def test_extract_summarize_and_intake_log_no_names_or_text(tmp_path, engine, debug_log):  # noqa: F811
    folder = tmp_path / "Okafor private matter"
    folder.mkdir()
    doc = folder / "okafor-settlement.txt"
    doc.write_text(f"The {SECRET} is governed by the laws of Ruritania.\n", encoding="utf-8")
    (folder / "okafor-broken.docx").write_bytes(b"PK\x03\x04 " + SECRET.encode())
    fields = [Field("governing_law", "string", "The law")]
    Extractor(engine, fields, quote_chars=40, value_chars=20).extract_files(sorted(folder.iterdir()))
    Summarizer(engine, max_tokens=20).summarize(doc)
    fields_file = tmp_path / "f.toml"
    fields_file.write_text('[[field]]\nname = "governing_law"\ntype = "string"\n')
    manager = LibraryManager()
    manager.create("Okafor Secret Library", [folder])
    lib = manager.set_extraction("Okafor Secret Library", str(fields_file), str(tmp_path / "t.csv"))
    assert run_pass(lib, lambda f: Extractor(engine, f, quote_chars=40, value_chars=20)).added
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert (debug_log / "strongroom.log").stat().st_size > 0
    assert find_phrases(debug_log, [SECRET, "Marrowgate", "Ruritania", "okafor", "Okafor"]) == []
