"""`strongroom extract` as a user runs it: a real process, the demo model, real files."""
from __future__ import annotations

import csv
import json

from tests.conftest import run_cli


def test_extract_prints_one_row_per_document_and_writes_the_table(tmp_path):
    docs = tmp_path / "matter"
    docs.mkdir()
    (docs / "nda.txt").write_text("This Agreement is governed by the laws of France.\n", encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    fields = tmp_path / "fields.toml"
    fields.write_text('[[field]]\nname = "governing_law"\ntype = "string"\ndescription = "The governing law"\n')
    assert run_cli("library", "add", "Matter", str(docs)).returncode == 0
    out = tmp_path / "table.csv"
    done = run_cli("extract", "--library", "Matter", "--fields", str(fields), "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    rows = {r["file"].rsplit("/", 1)[-1]: r for r in data["rows"]}
    assert set(rows) == {"nda.txt", "broken.pdf"}
    assert rows["broken.pdf"]["error"]
    cell = rows["nda.txt"]["values"]["governing_law"]
    assert set(cell) >= {"value", "page", "quote", "verified"} and "error" not in rows["nda.txt"]
    assert cell["value"] is None or isinstance(cell["value"], str)
    assert data["timings"]["documents"] == 2 and data["timings"]["load_s"] >= 0
    written = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(written) == 2 and "governing_law verified" in written[0]


def test_extract_refuses_a_bad_fields_file_naming_the_field(tmp_path):
    docs = tmp_path / "m"
    docs.mkdir()
    assert run_cli("library", "add", "M", str(docs)).returncode == 0
    fields = tmp_path / "f.toml"
    fields.write_text('[[field]]\nname = "kind"\ntype = "enum"\n')
    done = run_cli("extract", "--library", "M", "--fields", str(fields))
    assert done.returncode == 1 and "'kind': an enum field needs values" in done.stderr
    done = run_cli("extract", "--library", "M", "--template", "contract-basics", "--fields", str(fields))
    assert done.returncode == 2 and "one of the two" in done.stderr
