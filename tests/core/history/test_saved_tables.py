"""A library's last extracted table in the encrypted history: sealed, replaced not duplicated,
removed with everything else, and refused plainly when damaged."""
import sqlite3

import pytest

from app.core.documents.fields import Field, FieldsError
from app.core.documents.saved_table import SavedTable
from app.core.documents.table import Cell, Row
from app.core.history import conversations as history_mod
from app.core.history.conversations import HistoryError
from tests.helpers.log_scan import assert_absent

QUOTE = "governed by the laws of the Grand Duchy of Luxembourg-9931"


def _table(law: str = "Luxembourg") -> SavedTable:
    fields = [Field("governing_law", "string", "The law"), Field("renewal", "enum", "", ("auto", "none"))]
    row = Row("/matters/lease.pdf", {"governing_law": Cell(law, QUOTE, 3, True), "renewal": Cell()})
    return SavedTable("contract-basics", fields, [row], complete=False)


def test_a_table_round_trips_sealed_and_is_replaced_not_duplicated(hist, strongroom_home):
    assert hist.load_table("lib1") is None
    hist.save_table("lib1", _table().to_json())
    corrected = _table("Scotland")
    corrected.rows[0].values["governing_law"].corrected = True
    hist.save_table("lib1", corrected.to_json())
    back = SavedTable.from_json(hist.load_table("lib1"))
    assert back.source == "contract-basics" and not back.complete
    assert [f.to_json() for f in back.fields] == [f.to_json() for f in corrected.fields]
    cell = back.rows[0].values["governing_law"]
    assert (cell.value, cell.quote, cell.page, cell.corrected) == ("Scotland", QUOTE, 3, True)
    raw = sqlite3.connect(hist.path)
    assert raw.execute("SELECT COUNT(*) FROM extraction_tables").fetchone()[0] == 1
    raw.close()
    hist.close()
    assert_absent(strongroom_home, (QUOTE, "Luxembourg-9931", "lease.pdf"))


def test_deleting_a_table_all_history_or_by_retention_removes_it(hist, strongroom_home, monkeypatch):
    hist.save_table("gone", _table().to_json())
    hist.save_table("kept", _table().to_json())
    blob = sqlite3.connect(hist.path).execute(
        "SELECT table_enc FROM extraction_tables WHERE library_id = 'gone'").fetchone()[0]
    hist.delete_table("gone")
    assert hist.load_table("gone") is None and hist.load_table("kept") is not None
    data = b"".join(p.read_bytes() for p in strongroom_home.rglob("*") if p.is_file())
    assert blob not in data  # secure_delete + WAL truncation
    hist.delete_all()
    assert hist.load_table("kept") is None
    real_now = history_mod._now
    monkeypatch.setattr(history_mod, "_now", lambda: real_now() - 40 * 86400)
    hist.save_table("old", _table().to_json())
    monkeypatch.setattr(history_mod, "_now", real_now)
    hist.save_table("new", _table().to_json())
    assert hist.apply_retention(30) == 1
    assert hist.load_table("old") is None and hist.load_table("new") is not None


def test_a_damaged_table_is_refused_plainly(hist):
    hist.save_table("lib1", _table().to_json())
    raw = sqlite3.connect(hist.path)
    raw.execute("UPDATE extraction_tables SET table_enc = X'00112233445566778899aabbccddeeff0011223344'")
    raw.commit()
    raw.close()
    with pytest.raises(HistoryError, match="damaged"):
        hist.load_table("lib1")


@pytest.mark.parametrize("data, words", [
    ([1, 2], "not a table"),
    ({"fields": [], "rows": []}, "1 to 40 fields"),
    ({"fields": [{"name": "x y", "type": "string"}], "rows": []}, "the name must be"),
    ({"fields": [{"name": "a", "type": "jpeg"}], "rows": []}, "unknown type"),
    ({"fields": [{"name": "a", "type": "string"}, {"name": "a", "type": "date"}], "rows": []}, "used twice"),
    ({"fields": [{"name": "a", "type": "string"}], "rows": "all of them"}, "not rows"),
    ({"fields": [{"name": "a", "type": "string"}], "rows": [{"file": 7}]}, "not rows"),
    ({"fields": [{"name": "a", "type": "string"}], "rows": [{"file": "x", "values": [1]}]}, "not rows"),
])
def test_a_saved_table_of_the_wrong_shape_is_refused_in_words(data, words):
    with pytest.raises((ValueError, FieldsError), match=words):
        SavedTable.from_json(data)


def test_odd_cells_are_kept_harmless():
    data = _table().to_json()
    data["rows"][0]["values"]["governing_law"].update(value={"nested": [1]}, page="three")
    data["rows"][0]["values"]["renewal"].update(value="auto", page=True)
    row = SavedTable.from_json(data).rows[0]
    assert (row.values["governing_law"].value, row.values["governing_law"].page) == (None, None)
    assert (row.values["renewal"].value, row.values["renewal"].page) == ("auto", None)


def test_an_update_reads_new_changed_and_never_read_documents_and_drops_those_gone():
    table = SavedTable("contract-basics", [Field("law", "string")],
                       [Row("/m/same.pdf"), Row("/m/changed.pdf"), Row("/m/gone.pdf"), Row("/m/unhashed.pdf")],
                       hashes={"/m/same.pdf": "a", "/m/changed.pdf": "b", "/m/gone.pdf": "c"})
    current = {"/m/same.pdf": "a", "/m/changed.pdf": "B", "/m/unhashed.pdf": "d", "/m/new.pdf": "e"}
    assert table.changes(current) == (["/m/changed.pdf", "/m/unhashed.pdf", "/m/new.pdf"], ["/m/gone.pdf"])
    back = SavedTable.from_json({**table.to_json(), "hashes": {"/m/same.pdf": 7}})  # hostile: all read again
    assert back.hashes == {} and back.changes(current)[0] == list(current)
