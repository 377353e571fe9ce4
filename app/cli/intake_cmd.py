"""strongroom intake --library NAME [--fields FILE | --template NAME] [--out FILE] [--watch] [--json]:
extracts each new or changed document of the library once and adds its row to the library's table.
--fields/--template and --out set the library's extraction profile (kept with the library)."""
from __future__ import annotations

import sys
import time

from app.cli import fail, print_json
from app.cli.engine_session import SessionError, open_engine
from app.core.foundation.settings import Settings

WATCH_SECONDS = 5.0  # between passes with --watch; a pass over unchanged files only compares sizes and times


def register(sub) -> None:
    p = sub.add_parser("intake", help="extract each new or changed document of a library into its table")
    p.add_argument("--library", "-l", required=True, metavar="NAME")
    p.add_argument("--fields", metavar="FILE.toml", help="set the profile's fields file")
    p.add_argument("--template", metavar="NAME", help="set the profile's fields to a built-in template")
    p.add_argument("--out", metavar="FILE", help="set the profile's table: FILE.csv, FILE.xlsx or FILE.jsonl")
    p.add_argument("--watch", action="store_true", help="keep running, a pass every few seconds (Ctrl+C stops)")
    p.add_argument("--json", action="store_true", help='print {"added", "failed", "unchanged", "rows"} per pass')
    p.add_argument("--model", help="model id (default: the model.default_model setting)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from app.core.answers.rag import Cancel
    from app.core.documents.extract import Extractor
    from app.core.documents.intake import IntakeError, profile_of, run_pass
    from app.core.library.libraries import LibraryError, LibraryManager

    settings = Settings()
    if args.fields and args.template:
        return fail("give --fields or --template, not both", 2)
    manager = LibraryManager()
    try:
        lib = manager.get(args.library)
        if args.fields or args.template or args.out:
            fields = str(Path(args.fields).expanduser().resolve()) if args.fields else (args.template or lib.extraction_fields)
            out = str(Path(args.out).expanduser().resolve()) if args.out else lib.extraction_output
            lib = manager.set_extraction(lib.name, fields, out)
        profile_of(lib)
    except (LibraryError, IntakeError) as exc:
        return fail(str(exc))
    session: dict = {}

    def make_extractor(fields):
        if "engine" not in session:
            session["engine"], _ = open_engine(settings, args.model, quiet=True)
        return Extractor(session["engine"], fields)

    cancel = Cancel()
    try:
        while True:
            try:
                report = run_pass(lib, make_extractor, cancel=cancel)
            except SessionError as exc:
                return fail(str(exc))
            except IntakeError as exc:
                return fail(str(exc))
            if args.json:
                print_json(report.to_json())
            else:
                print_report(report, lib.extraction_output)
            sys.stdout.flush()
            if not args.watch:
                return 0
            time.sleep(WATCH_SECONDS)
    except KeyboardInterrupt:
        cancel.set()
        return 130
    finally:
        if "engine" in session:
            session["engine"].close()


def print_report(report, output: str) -> None:
    for path in report.added:
        print(f"added: {path}")
    for item in report.failed:
        print(f"failed: {item['file']}: {item['reason']}")
    print(f"{len(report.added)} added, {report.unchanged} unchanged; {report.rows} rows in {output}")
