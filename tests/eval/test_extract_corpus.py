"""The extraction evaluation's contracts: nine, three per format, each stating its known facts (so a
perfect extractor could score 100 %), with varied wording and date formats."""
from __future__ import annotations

import json

from app.core.documents.document_text import read_document
from tests.eval.build_extract_corpus import CONTRACTS, build


def test_nine_contracts_in_three_formats_each_stating_its_facts(tmp_path):
    files = build(tmp_path)
    assert sorted(f.suffix for f in files) == [".docx"] * 3 + [".pdf"] * 3 + [".txt"] * 3
    truth = json.loads((tmp_path / "truth.json").read_text())
    for path, facts in zip(files, CONTRACTS):
        text = " ".join(read_document(path).text.split())
        a, b, written_date, _iso, term, notice, law, fees, _renews = facts
        for stated in (a, b, written_date, term, notice, law, fees):
            assert stated in text, (path.name, stated)
        expected = truth[path.name]
        assert all(word in text for word in expected["parties"] + expected["governing_law"] + expected["fees"])
    assert len({c[2] for c in CONTRACTS}) == 9 and any("-" in c[2] for c in CONTRACTS)  # dates vary
    assert {c[8] for c in CONTRACTS} == {True, False}
