"""Extract the same fields from every document: one row per document, every value typed, quoted,
and checked against the document.

A document that fits the model's context is read whole (the fields asked in as few requests as the
room for the answers allows; the document's tokens are reused from the KV cache between them). A
longer one is read field by field, each time with the passages that best match the field (the
library's retrieval restricted to the file, see passages.py). The model's answer is constrained to a
JSON schema (job_schema), so it parses; what it says is still checked: the type of each value
(typed_values.coerce) and whether its quote occurs in the document (DocumentText.locate).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from app.core.answers.rag import Cancel
from app.core.documents.document_text import MAX_BYTES, DocumentText, chars_per_token, read_document
from app.core.documents.fields import Field
from app.core.documents.passages import PassagePicker, WordPicker
from app.core.documents.table import Cell, Row
from app.core.documents.typed_values import QUOTE_CHARS, VALUE_CHARS, coerce, job_schema, shown_in
from app.core.engine.sampling import SamplingParams
from app.core.foundation import logs
from app.core.library.ingest.model import ParseError

log = logging.getLogger(__name__)

SYSTEM = (
    "You read one document and extract facts from it as JSON. For each field, copy into \"quote\" the "
    "exact words of the document that state the fact, character for character, and give the fact in "
    "\"value\" in the field's type. When the document does not state the fact, write an empty quote and null."
)
# Tokens an answer may need per field: its key, a quote and a value at their longest in plain prose.
RESERVE_PER_FIELD = 24 + (QUOTE_CHARS + VALUE_CHARS) // 3
MARGIN = 16  # the chat template's closing tokens and rounding
NOT_FOUND = "not found in the document"


def default_sampling() -> SamplingParams:
    # Greedy and without repetition penalty: a quote must repeat the document's words as they are.
    return SamplingParams(temperature=0.0, repeat_penalty=1.0, seed=0)


def messages_for(name: str, text: str, fields: Sequence[Field], whole: bool = True) -> list[dict]:
    # The document comes first and the fields last, so requests about one document share its tokens.
    what = "Document" if whole else "Passages from the document"
    asked = "\n".join(f"- {f.prompt_line()}" for f in fields)
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{what} \"{name}\":\n\n{text}\n\nExtract these fields:\n{asked}"}]


class AnswerError(ValueError):
    """The model's answer is not the JSON its schema asks for."""


def parse_answer(text: str, fields: Sequence[Field]) -> dict[str, tuple[str, object]]:
    """{name: (quote, raw value)}; raises AnswerError with the reason."""
    try:
        # strict=False: a control character inside a string is still a string (the JSON grammar allows
        # it; a quote holding one simply will not be found in the document).
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        raise AnswerError("the model's answer is not valid JSON") from None
    if not isinstance(data, dict):
        raise AnswerError("the model's answer is not a JSON object")
    out = {}
    for f in fields:
        item = data.get(f.name)
        if not isinstance(item, dict) or "value" not in item:
            raise AnswerError(f"the model's answer has no value for {f.name}")
        quote = item.get("quote", "")
        if not isinstance(quote, str):
            raise AnswerError(f"the model's quote for {f.name} is not text")
        out[f.name] = (quote[: QUOTE_CHARS * 4], item["value"])
    return out


def make_cell(f: Field, quote: str, raw, doc: DocumentText) -> Cell:
    """Verified: the quote occurs in the document and shows the value (typed_values.shown_in)."""
    value, note = coerce(f, raw)
    quote = " ".join(quote.split())
    where = doc.locate(quote) if quote else False
    shown = shown_in(f, value, quote)
    verified = value is not None and where is not False and shown
    if value is None:
        note = note or NOT_FOUND
    elif not quote:
        note = "no quote given: check this value in the document"
    elif where is False:
        note = "the quote is not in the document: check this value"
    elif not shown:
        note = "the quote does not show this value: check it"
    return Cell(value, quote, where if where is not False else None, verified, note)


@dataclass
class Job:
    messages: list[dict]
    fields: list[Field]
    max_tokens: int


@dataclass
class ExtractionResult:
    rows: list[Row] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    cancelled: bool = False

    def to_json(self) -> dict:
        return {"rows": [r.to_json() for r in self.rows], "timings": self.timings}


class Extractor:
    """Extracts `fields` with a loaded engine (any ChatEngine). Blocking: call from a worker."""

    def __init__(self, engine, fields: Sequence[Field], *, picker: PassagePicker | None = None,
                 sampling: SamplingParams | None = None, max_bytes: int = MAX_BYTES,
                 quote_chars: int = QUOTE_CHARS, value_chars: int = VALUE_CHARS):
        self.engine, self.fields = engine, list(fields)
        self.quote_chars, self.value_chars = quote_chars, value_chars
        self.picker = picker or WordPicker()
        self.sampling = sampling or default_sampling()
        self.max_bytes = max_bytes

    # -- planning --------------------------------------------------------------------------------
    def plan(self, doc: DocumentText) -> list[Job]:
        n_ctx = self.engine.loaded.n_ctx
        name, text = doc.path.name, doc.text
        whole = messages_for(name, text, self.fields)
        room = n_ctx - self.engine.prompt_tokens(whole) - MARGIN
        if room >= RESERVE_PER_FIELD:
            size = min(len(self.fields), room // RESERVE_PER_FIELD)
            groups = [self.fields[i:i + size] for i in range(0, len(self.fields), size)]
            return [Job(messages_for(name, text, g), g, room) for g in groups]
        return [self._passage_job(doc, f, n_ctx) for f in self.fields]

    def _passage_job(self, doc: DocumentText, f: Field, n_ctx: int) -> Job:
        name = doc.path.name
        frame = self.engine.prompt_tokens(messages_for(name, "", [f], whole=False))
        budget = n_ctx - frame - RESERVE_PER_FIELD - MARGIN
        if budget <= 0:
            raise ValueError("the model's context is too small to extract from this document")
        max_chars = int(budget * chars_per_token(doc.text, self.engine.count_tokens) * 0.9)
        pieces = self.picker.pick(doc, f"{f.name.replace('_', ' ')} {f.description}", max_chars)
        while True:
            messages = messages_for(name, "\n\n".join(p.text for p in pieces), [f], whole=False)
            room = n_ctx - self.engine.prompt_tokens(messages) - MARGIN
            if room >= RESERVE_PER_FIELD or len(pieces) <= 1:
                return Job(messages, [f], max(1, room))
            pieces = pieces[:-1]

    # -- running ---------------------------------------------------------------------------------
    def schema(self, fields: list[Field]) -> dict:
        return job_schema(fields, self.quote_chars, self.value_chars)

    def extract_file(self, path: Path, cancel: Cancel | None = None) -> Row:
        started = time.perf_counter()
        row = Row(str(path))
        timings = {"prompt_tokens": 0, "prompt_evaluated": 0, "tokens": 0, "requests": 0}
        try:
            doc = read_document(path, self.max_bytes, cancel=cancel)
            jobs = self.plan(doc)
            timings["read_whole"] = all(job.messages[1]["content"].startswith("Document") for job in jobs)
            for job in jobs:
                if cancel is not None and cancel.is_set():
                    row.error = "stopped before this document was finished"
                    break
                self._run(job, doc, row, timings, cancel)
        except ParseError as exc:
            row.error = exc.reason
        except Exception as exc:  # one document's failure must not stop the table
            log.warning("extraction failed on %s: %s", logs.ref(path), logs.error_kind(exc))
            row.error = str(exc) or type(exc).__name__
        for f in self.fields:
            row.values.setdefault(f.name, Cell(note=row.error or NOT_FOUND))
        if row.error:
            row.schema_valid = False
        timings["seconds"] = round(time.perf_counter() - started, 3)
        row.timings = timings
        log.info("extraction of %s: %d fields, %d verified, %d requests, %.1f s", logs.ref(path), len(self.fields),
                 sum(c.verified for c in row.values.values()), timings["requests"], timings["seconds"])
        return row

    def _run(self, job: Job, doc: DocumentText, row: Row, timings: dict, cancel: Cancel | None) -> None:
        sampling = dataclasses.replace(self.sampling, max_tokens=job.max_tokens, json_schema=self.schema(job.fields))
        generation = self.engine.chat("extract", job.messages, sampling)
        if cancel is not None:
            cancel.bind(generation)
        completion = generation.result()
        t = completion.timings
        timings["requests"] += 1
        timings["prompt_tokens"] += t.prompt_tokens
        timings["prompt_evaluated"] += t.prompt_evaluated
        timings["tokens"] += t.tokens
        timings["generation_s"] = round(timings.get("generation_s", 0.0) + (t.tokens / t.tokens_per_s if t.tokens_per_s else 0.0), 3)
        if completion.finish_reason == "cancelled":
            row.error = "stopped before this document was finished"
            return
        try:
            if completion.finish_reason != "stop":
                raise AnswerError(f"the model's answer was cut off ({completion.finish_reason})")
            answers = parse_answer(completion.text, job.fields)
        except AnswerError as exc:
            row.schema_valid = False
            for f in job.fields:
                row.values[f.name] = Cell(note=str(exc))
            return
        for f in job.fields:
            row.values[f.name] = make_cell(f, *answers[f.name], doc)

    def extract_files(self, paths: Iterable[Path], *, cancel: Cancel | None = None,
                      on_row: Callable[[Row], None] | None = None,
                      on_progress: Callable[[int, int], None] | None = None) -> ExtractionResult:
        paths = list(paths)
        result = ExtractionResult()
        started = time.perf_counter()
        for i, path in enumerate(paths):
            if cancel is not None and cancel.is_set():
                result.cancelled = True
                break
            if on_progress is not None:
                on_progress(i, len(paths))
            row = self.extract_file(path, cancel)
            result.rows.append(row)
            if on_row is not None:
                on_row(row)
        result.timings = summary_timings(result.rows, time.perf_counter() - started)
        return result


def summary_timings(rows: Sequence[Row], seconds: float) -> dict:
    total = lambda key: sum(int(r.timings.get(key, 0)) for r in rows)  # noqa: E731
    return {"documents": len(rows), "seconds": round(seconds, 2),
            "per_document_s": round(seconds / len(rows), 2) if rows else 0.0,
            "requests": total("requests"), "prompt_tokens": total("prompt_tokens"),
            "prompt_evaluated": total("prompt_evaluated"), "tokens": total("tokens")}
