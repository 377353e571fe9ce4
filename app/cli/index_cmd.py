"""strongroom index [NAME] [--json]: brings one library (or all) up to date with its folders."""
from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from app.cli import fail, print_json
from app.core.index.embedder import Embedder, EmbedderError
from app.core.library.ingest.model import page_label
from app.core.library.libraries import LibraryError, LibraryManager
from app.core.index.store import StoreError, StoreInUse
from app.core.library.sync import sync_library
from app.core.library.sync_progress import SyncProgress


def register(sub) -> None:
    p = sub.add_parser("index", help="index new and changed files of a library (all libraries by default)")
    p.add_argument("name", nargs="?", help="library name (default: every library)")
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of a progress bar")
    p.set_defaults(func=run)


def _bar(p: SyncProgress) -> str:
    if p.phase == "scanning":
        return f"scanning: {p.files_scanned} files"
    if p.phase == "ocr":
        filled = int(30 * p.files_done_fraction())
        return f"[{'#' * filled}{'.' * (30 - filled)}] {p.ocr_words()}" + (f"; {Path(p.ocr_file).name}" if p.ocr_file else "")
    if p.phase != "indexing":
        return f"{p.phase}..."
    filled = int(30 * p.files_done_fraction())
    eta = f" ETA {int(p.eta_seconds // 60)}:{int(p.eta_seconds % 60):02d}" if p.eta_seconds is not None else ""
    under_way = p.file_under_way()
    current = f"; {Path(under_way[0]).name} {under_way[1]}/{under_way[2]} chunks" if under_way else ""
    return (f"[{'#' * filled}{'.' * (30 - filled)}] {p.files_embedded}/{p.files_to_index} files, "
            f"{p.chunks_embedded} chunks, {p.chunks_per_second:.0f} chunks/s{eta}{current}")


def _summary_line(r) -> str:
    parts = [f"{len(r.indexed)} indexed", f"{len(r.moved)} moved", f"{len(r.removed)} removed",
             f"{len(r.failed)} failed", f"{r.unchanged} unchanged"]
    if r.adopted:
        parts.insert(2, f"{len(r.adopted)} already on the firm's server")
    return f"{r.library}: " + ", ".join(parts) + f"; {r.chunks} chunks in {r.seconds:.1f} s"


def run(args) -> int:
    manager = LibraryManager()
    try:
        libs = [manager.get(args.name)] if args.name else manager.list()
    except LibraryError as exc:
        return fail(str(exc))
    if not libs:
        return fail("there are no libraries yet; create one with `strongroom library add NAME FOLDER...`")
    try:
        embedder = Embedder.from_settings()
    except EmbedderError as exc:
        return fail(str(exc))

    # Ctrl-C cancels cleanly: files finished so far stay indexed, the rest is done next time.
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    tty = sys.stderr.isatty() and not args.json

    def progress(p: SyncProgress) -> None:
        if tty:
            print(f"\r\033[K{_bar(p)}", end="", file=sys.stderr, flush=True)

    reports, code = [], 0
    try:
        for lib in libs:
            if tty:
                print(f"{lib.name}", file=sys.stderr)
            try:
                report = sync_library(lib, embedder, progress=progress, cancel=cancel, manager=manager)
            except StoreInUse as exc:
                code = fail(str(exc))
                continue
            except (StoreError, EmbedderError, LibraryError) as exc:  # LibraryError: a folder outside libraries.roots
                code = fail(f"{lib.name}: {exc}")
                continue
            if tty:
                print(file=sys.stderr)
            reports.append(report)
            if not args.json:
                print(_summary_line(report))
                for f in report.failed:
                    print(f"  failed: {f['file']}: {f['reason']}")
                for f in report.needs_ocr:
                    print(f"  needs OCR (pages {', '.join(map(str, f['pages']))}): {f['file']}")
                for f in report.unreadable:
                    for page in f["pages"]:
                        print(f"  {page_label(page)}: {page['reason']}: {f['file']}")
                if report.ocr_note:
                    print(f"  scanned pages were not read: {report.ocr_note}")
            if cancel.is_set():
                break
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        data = [r.to_json() for r in reports]
        print_json(data[0] if args.name and data else data)
    if cancel.is_set():
        return 130
    return code
