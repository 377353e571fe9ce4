"""Each field's JSON schema for the model, and the check of what came back: a value of the wrong type
becomes null, with what the model wrote kept in a note (an endpoint may ignore the schema; a local
grammar allows 31 February)."""
from __future__ import annotations

import datetime as dt
import re

from app.core.answers.claims import content_words, months, numbers
from app.core.documents.fields import Field

QUOTE_CHARS = 160  # a verbatim quote: long enough for a clause's key sentence, short enough to bound the answer
VALUE_CHARS = 120
NOTE_RAW_CHARS = 80

_NULL = {"type": "null"}
_NUMBER_RE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+")
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y", "%b %d, %Y")
_TRUE, _FALSE = {"true", "yes", "y"}, {"false", "no", "n"}


def value_schema(f: Field, value_chars: int = VALUE_CHARS) -> dict:
    if f.type == "enum":
        return {"enum": [*f.values, None]}
    typed = {"string": {"type": "string", "maxLength": value_chars},
             "integer": {"type": "integer"},
             "number": {"type": "number"},
             "date": {"type": "string", "format": "date"},
             "boolean": {"type": "boolean"}}[f.type]
    return {"anyOf": [typed, _NULL]}


def cell_schema(f: Field, quote_chars: int = QUOTE_CHARS, value_chars: int = VALUE_CHARS) -> dict:
    # The quote comes first: the model copies the words, then states the value they give.
    return {"type": "object",
            "properties": {"quote": {"type": "string", "maxLength": quote_chars}, "value": value_schema(f, value_chars)},
            "required": ["quote", "value"], "additionalProperties": False}


def job_schema(fields: list[Field], quote_chars: int = QUOTE_CHARS, value_chars: int = VALUE_CHARS) -> dict:
    return {"type": "object",
            "properties": {f.name: cell_schema(f, quote_chars, value_chars) for f in fields},
            "required": [f.name for f in fields], "additionalProperties": False}


def _raw(raw) -> str:
    text = repr(raw) if not isinstance(raw, str) else raw
    return text if len(text) <= NOTE_RAW_CHARS else text[: NOTE_RAW_CHARS - 1] + "…"


def coerce(f: Field, raw) -> tuple[object, str]:
    """(value of the field's type or None, note). None with no note: the model found nothing."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, ""
    value = _convert(f, raw)
    if value is None:
        return None, f"the model wrote {_raw(raw)!r}, which is not a valid {f.type}"
    return value, ""


def _convert(f: Field, raw):
    if f.type == "string":
        return " ".join(str(raw).split())[:VALUE_CHARS * 4] if isinstance(raw, (str, int, float)) and not isinstance(raw, bool) else None
    if f.type == "boolean":
        if isinstance(raw, bool):
            return raw
        word = raw.strip().lower() if isinstance(raw, str) else None
        return True if word in _TRUE else False if word in _FALSE else None
    if f.type in ("integer", "number"):
        number = _number(raw)
        if number is None:
            return None
        if f.type == "integer":
            return int(number) if float(number).is_integer() else None
        return int(number) if isinstance(number, int) else number
    if f.type == "date":
        return _date(raw)
    if f.type == "enum":
        if not isinstance(raw, str):
            return None
        return next((v for v in f.values if v.casefold() == raw.strip().casefold()), None)
    return None


def _number(raw):
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return raw if raw == raw and abs(raw) != float("inf") else None
    if not isinstance(raw, str):
        return None
    match = _NUMBER_RE.fullmatch(raw.strip().lstrip("$€£").strip())
    if not match:
        return None
    text = match.group(0).replace(",", "")
    return float(text) if "." in text else int(text)


def _date(raw) -> str | None:
    if not isinstance(raw, str):
        return None
    text = " ".join(raw.replace(",", ", ").split()).replace(" ,", ",")
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


WORDS_SHOWN = 0.8  # of a text value's content words, the share its quote must hold


def shown_in(f: Field, value, quote: str) -> bool:
    """Whether the quote shows this value, as its type is written: the number (in digits or words), the
    date's year, month and day, most of a text's words and every number in it. A yes/no or a choice
    is read from the quote's meaning, which words cannot check: those pass."""
    if value is None or f.type in ("boolean", "enum"):
        return True
    if f.type in ("integer", "number"):
        return float(value) in numbers(quote)
    if f.type == "date":
        day = dt.date.fromisoformat(value)
        stated = numbers(quote)
        return float(day.year) in stated and float(day.day) in stated and (
            day.month in months(quote) or float(day.month) in stated)
    text = str(value)
    if not numbers(text) <= numbers(quote):
        return False
    words = content_words(text)
    return not words or len(words & content_words(quote)) >= WORDS_SHOWN * len(words)
