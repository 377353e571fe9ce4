"""The fields to extract: a TOML file of [[field]] entries (name, type, description, enum values).

A fields file comes from the user, so every mistake is reported in plain words naming the line or
the field, and nothing in it can make the extraction unbounded (sizes and counts are capped).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from app.core.foundation import paths

TYPES = ("string", "integer", "number", "date", "boolean", "enum")
MAX_FILE_BYTES = 64 * 1024
MAX_FIELDS = 40
MAX_DESCRIPTION = 500
MAX_VALUES = 50
MAX_VALUE_CHARS = 80
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
KEYS = {"name", "type", "description", "values"}


class FieldsError(ValueError):
    """A fields file that cannot be used; the message names the line or the field."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str = ""
    values: tuple[str, ...] = field(default_factory=tuple)  # enum only

    def to_json(self) -> dict:
        data = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "enum":
            data["values"] = list(self.values)
        return data

    def prompt_line(self) -> str:
        kind = f"one of: {', '.join(self.values)}" if self.type == "enum" else self.type
        if self.type == "date":
            kind = "date, written YYYY-MM-DD"
        return f"{self.name} ({kind}): {self.description or self.name.replace('_', ' ')}"


def templates_dir() -> Path:
    return paths.resources_dir() / "extraction"


def template_names() -> list[str]:
    folder = templates_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def template_path(name: str) -> Path:
    if name not in template_names():
        known = ", ".join(template_names()) or "none"
        raise FieldsError(f"there is no built-in template named {name!r} (templates: {known})")
    return templates_dir() / f"{name}.toml"


def load_fields(path: Path) -> list[Field]:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FieldsError(f"{path.name} is {size // 1024} KB; a fields file can be at most "
                              f"{MAX_FILE_BYTES // 1024} KB")
        data = path.read_bytes()
    except OSError as exc:
        raise FieldsError(f"{path.name} cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FieldsError(f"{path.name} is not UTF-8 text") from None
    return parse_fields(text, path.name)


def parse_fields(text: str, source: str = "the fields file") -> list[Field]:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise FieldsError(f"{source} is larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FieldsError(f"{source} is not valid TOML: {exc}") from None
    entries = data.get("field")
    unknown = sorted(set(data) - {"field"})
    if unknown:
        raise FieldsError(f"{source}: unknown section or key {unknown[0]!r}; fields are [[field]] entries")
    if not isinstance(entries, list) or not entries:
        raise FieldsError(f"{source} has no [[field]] entries")
    if len(entries) > MAX_FIELDS:
        raise FieldsError(f"{source} has {len(entries)} fields; at most {MAX_FIELDS} can be extracted at once")
    lines = _entry_lines(text)
    fields: list[Field] = []
    for i, entry in enumerate(entries):
        where = f"{source}, field {i + 1}" + (f" (line {lines[i]})" if i < len(lines) else "")
        item = _field(entry, where)
        if any(f.name == item.name for f in fields):
            raise FieldsError(f"{where}: the name {item.name!r} is used twice")
        fields.append(item)
    return fields


def fields_from_json(entries: object, source: str = "the saved fields") -> list[Field]:
    """Fields as Field.to_json wrote them, checked as a fields file is (FieldsError says what is wrong)."""
    if not isinstance(entries, list) or not entries or len(entries) > MAX_FIELDS:
        raise FieldsError(f"{source}: not a list of 1 to {MAX_FIELDS} fields")
    fields: list[Field] = []
    for i, entry in enumerate(entries):
        item = _field(entry, f"{source}, field {i + 1}")
        if any(f.name == item.name for f in fields):
            raise FieldsError(f"{source}: the name {item.name!r} is used twice")
        fields.append(item)
    return fields


def _entry_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip().replace(" ", "") == "[[field]]"]


def _field(entry, where: str) -> Field:
    if not isinstance(entry, dict):
        raise FieldsError(f"{where}: not a table of name, type and description")
    extra = sorted(set(entry) - KEYS)
    if extra:
        raise FieldsError(f"{where}: unknown key {extra[0]!r} (a field has name, type, description, values)")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise FieldsError(f"{where}: the name must be letters, digits and _ (starting with a letter, at most 40), "
                          f"not {name!r}")
    where = f"{where}, {name!r}"
    kind = entry.get("type")
    if kind not in TYPES:
        raise FieldsError(f"{where}: unknown type {kind!r} (types: {', '.join(TYPES)})")
    description = entry.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise FieldsError(f"{where}: the description must be text of at most {MAX_DESCRIPTION} characters")
    values = entry.get("values")
    if kind == "enum":
        if not isinstance(values, list) or not values:
            raise FieldsError(f"{where}: an enum field needs values = [\"...\", ...]")
        if len(values) > MAX_VALUES or not all(isinstance(v, str) and 0 < len(v) <= MAX_VALUE_CHARS for v in values):
            raise FieldsError(f"{where}: values must be at most {MAX_VALUES} texts of 1 to {MAX_VALUE_CHARS} characters")
        if len(set(values)) != len(values):
            raise FieldsError(f"{where}: a value is listed twice")
        return Field(name, kind, " ".join(description.split()), tuple(values))
    if values is not None:
        raise FieldsError(f"{where}: only an enum field has values")
    return Field(name, kind, " ".join(description.split()))
