"""The intake folder: a library with an extraction profile (a fields file and an output table)
extracts each new or changed document once and adds its row to the table. Run once (`strongroom
intake`), in a loop (`--watch`), or by the window after each sync. The ledger (intake_ledger.py)
makes a crash or restart miss nothing and repeat nothing; a file that fails is listed with its
reason and tried again when it changes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from app.core.answers.rag import Cancel
from app.core.documents.document_list import library_documents
from app.core.documents.extract import Extractor
from app.core.documents.fields import Field, FieldsError, load_fields, template_names, template_path
from app.core.documents.intake_ledger import Ledger
from app.core.documents.table import Row
from app.core.documents.table_export import check_output
from app.core.library.libraries import Library

log = logging.getLogger(__name__)


class IntakeError(ValueError):
    pass


@dataclass
class Profile:
    fields: list[Field]
    output: Path


def profile_of(lib: Library) -> Profile:
    """The library's extraction profile, checked; IntakeError says what is missing or wrong."""
    if not lib.extraction_fields or not lib.extraction_output:
        raise IntakeError(f"{lib.name!r} has no extraction profile: give it --fields (or --template) and --out")
    try:
        source = lib.extraction_fields
        fields = load_fields(template_path(source) if source in template_names() else Path(source))
        return Profile(fields, check_output(Path(lib.extraction_output)))
    except (FieldsError, ValueError) as exc:
        raise IntakeError(str(exc)) from None


def ledger_for(lib: Library) -> Ledger:
    return Ledger(lib.root / "intake.sqlite3")


@dataclass
class IntakeReport:
    added: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"file", "reason"}: this pass's and earlier ones still failing
    unchanged: int = 0
    rows: int = 0  # rows in the table now
    cancelled: bool = False

    def to_json(self) -> dict:
        return {"added": self.added, "failed": self.failed, "unchanged": self.unchanged, "rows": self.rows,
                "cancelled": self.cancelled}


def pending(lib: Library, ledger: Ledger) -> tuple[list[tuple[Path, str]], int]:
    """(documents whose content the ledger has not seen, with their hash), and how many it has."""
    todo, seen = [], 0
    for path in library_documents(lib):
        try:
            digest = ledger.content_hash(path)
        except OSError:
            continue  # gone or unreadable now: the next pass sees it again
        if ledger.known(digest) or any(digest == d for _, d in todo):
            seen += 1
        else:
            todo.append((path, digest))
    return todo, seen


def run_pass(lib: Library, make_extractor: Callable[[list[Field]], Extractor], *, cancel: Cancel | None = None,
             on_row: Callable[[Row], None] | None = None) -> IntakeReport:
    """One pass over the library's folders. make_extractor is called only when there is work (a model
    loads only then)."""
    profile = profile_of(lib)
    cancel = cancel or Cancel()
    ledger = ledger_for(lib)
    report = IntakeReport()
    try:
        report.rows = ledger.write_output(profile.output, profile.fields)  # a crash after the last entry
        todo, report.unchanged = pending(lib, ledger)
        extractor = make_extractor(profile.fields) if todo else None
        for path, digest in todo:
            if cancel.is_set():
                report.cancelled = True
                break
            row = extractor.extract_file(path, cancel)
            if cancel.is_set():  # a row cut short is not recorded: the next pass extracts it whole
                report.cancelled = True
                break
            if ledger.record(digest, row):
                report.rows = ledger.write_output(profile.output, profile.fields)
                report.added.append(str(path))
                if on_row is not None:
                    on_row(row)
        report.failed = [{"file": p, "reason": r} for p, r in ledger.failures()]
    finally:
        ledger.close()
    log.info("intake pass: %d added, %d failing, %d unchanged", len(report.added), len(report.failed), report.unchanged)
    return report
