"""The extracted table: one row per document, one cell per field, each cell with its evidence."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    value: object = None
    quote: str = ""
    page: int | None = None
    verified: bool = False  # the quote occurs in the document (whitespace aside); never set by hand
    note: str = ""  # why a value is null or unverified, in plain words
    corrected: bool = False  # changed by hand after extraction

    def to_json(self) -> dict:
        data = {"value": self.value, "page": self.page, "quote": self.quote, "verified": self.verified}
        if self.note:
            data["note"] = self.note
        if self.corrected:
            data["corrected"] = True
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Cell":
        value, page = data.get("value"), data.get("page")
        if not (value is None or isinstance(value, (str, int, float, bool))):
            value = None  # a cell holds one typed value, never a structure
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            page = None
        return cls(value, str(data.get("quote") or ""), page, bool(data.get("verified")),
                   str(data.get("note") or ""), bool(data.get("corrected")))


@dataclass
class Row:
    file: str
    values: dict[str, Cell] = field(default_factory=dict)
    error: str = ""  # the document could not be read or extracted: why
    schema_valid: bool = True  # every answer of the model parsed and kept to its schema
    timings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data: dict = {"file": self.file, "values": {name: c.to_json() for name, c in self.values.items()}}
        if self.error:
            data["error"] = self.error
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Row":
        values = data.get("values") or {}
        return cls(str(data.get("file", "")), {str(k): Cell.from_json(v) for k, v in values.items() if isinstance(v, dict)},
                   str(data.get("error") or ""))


def correct(cell: Cell, value) -> Cell:
    """A hand correction: the value changes and says so; the quote stays the model's evidence, so the
    cell no longer counts as verified by it."""
    return Cell(value, cell.quote, cell.page, False, "corrected by hand", True)
