"""An extracted table as it is kept between sessions: its fields, its rows with their evidence and
hand corrections, where the fields came from, and whether the extraction read every document.
The history keeps it sealed (History.save_table); this is its shape, checked on the way back in."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.core.documents.fields import Field, fields_from_json
from app.core.documents.table import Row

MAX_ROWS = 100_000


@dataclass
class SavedTable:
    source: str  # a built-in template's name or a fields file's path
    fields: list[Field]
    rows: list[Row]
    complete: bool = True  # False: the extraction was stopped before the last document
    saved: float = field(default_factory=time.time)
    hashes: dict[str, str] = field(default_factory=dict)  # each row's file -> its content hash when it was read

    def to_json(self) -> dict:
        return {"source": self.source, "fields": [f.to_json() for f in self.fields],
                "rows": [r.to_json() for r in self.rows], "complete": self.complete, "saved": self.saved,
                "hashes": dict(self.hashes)}

    def changes(self, current: dict[str, str]) -> tuple[list[str], list[str]]:
        """Against the library's documents now (file -> content hash): the files to read (new, changed,
        or never read into a row) and the rows' files that left the library."""
        to_read = [f for f, h in current.items() if self.hashes.get(f) != h]
        gone = [r.file for r in self.rows if r.file not in current]
        return to_read, gone

    @classmethod
    def from_json(cls, data: object) -> "SavedTable":
        """ValueError (in words) for anything that is not a table this app saved."""
        if not isinstance(data, dict):
            raise ValueError("the saved table is not a table")
        fields = fields_from_json(data.get("fields"), "the saved table's fields")
        rows = data.get("rows")
        if not isinstance(rows, list) or len(rows) > MAX_ROWS or not all(
                isinstance(r, dict) and isinstance(r.get("file"), str) and isinstance(r.get("values", {}), dict)
                for r in rows):
            raise ValueError("the saved table's rows are not rows of documents")
        saved = data.get("saved")
        source = data.get("source")
        hashes = data.get("hashes")
        if not isinstance(hashes, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in hashes.items()):
            hashes = {}  # every document counts as changed: an update reads them all
        return cls(source if isinstance(source, str) else "", fields, [Row.from_json(r) for r in rows],
                   data.get("complete") is not False, float(saved) if isinstance(saved, (int, float)) else 0.0,
                   dict(hashes))
