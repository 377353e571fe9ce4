"""strongroom extract --library NAME (--fields FILE | --template NAME) [--folder PATH] [--json] [--out FILE]:
the same fields from every document of a library, one row per document, each value with its quote,
page and whether the quote was found in the document."""
from __future__ import annotations

import sys
from pathlib import Path

from app.cli import fail, print_json
from app.cli.engine_session import SessionError, open_engine
from app.core.foundation.settings import Settings


def register(sub) -> None:
    p = sub.add_parser("extract", help="extract the same fields from every document of a library into a table")
    p.add_argument("--library", "-l", required=True, metavar="NAME", help="the library whose documents are read")
    p.add_argument("--fields", metavar="FILE.toml", help="the fields: [[field]] entries with name, type, description")
    p.add_argument("--template", metavar="NAME", help="a built-in fields template (e.g. contract-basics)")
    p.add_argument("--folder", metavar="PATH", help="only the documents under this folder of the library")
    p.add_argument("--out", metavar="FILE", help="also write the table to FILE.csv, FILE.xlsx or FILE.jsonl")
    p.add_argument("--json", action="store_true", help='print {"rows": [...], "timings": {...}} as JSON')
    p.add_argument("--model", help="model id (default: the model.default_model setting)")
    p.set_defaults(func=run)


class _LazyLibraryPicker:
    """The library's retrieval, opened only when a document is too long to read whole."""

    def __init__(self, settings, lib):
        self.settings, self.lib = settings, lib
        self._picker = None
        self._store = None

    def pick(self, doc, query, max_chars):
        from app.core.documents.passages import LibraryPicker, WordPicker

        if self._picker is None:
            self._picker = WordPicker()
            try:
                from contextlib import nullcontext

                from app.core.answers.rag import Retriever
                from app.core.index.embedder import Embedder
                from app.core.library.sync import open_library_store

                if self.lib.may_have_index:
                    embedder = Embedder.from_settings(self.settings)
                    self._store = open_library_store(self.lib, embedder.dimensions)
                    store = self._store
                    self._picker = LibraryPicker(Retriever(embedder, lambda _lib: nullcontext(store)), self.lib)
            except Exception as exc:  # not indexed, in use by the window: the document's own words serve
                print(f"strongroom: the library's index is not available ({exc}); long documents are "
                      "searched by their words", file=sys.stderr)
        return self._picker.pick(doc, query, max_chars)

    def close(self):
        if self._store is not None:
            self._store.close()


def run(args) -> int:
    from app.core.answers.rag import Cancel
    from app.core.documents.document_list import FolderError, library_documents
    from app.core.documents.extract import Extractor
    from app.core.documents.fields import FieldsError, load_fields, template_path
    from app.core.documents.table_export import ExportError, check_output, write_table
    from app.core.library.libraries import LibraryError, LibraryManager

    settings = Settings()
    if bool(args.fields) == bool(args.template):
        return fail("give the fields as --fields FILE.toml or --template NAME (one of the two)", 2)
    try:
        fields = load_fields(Path(args.fields)) if args.fields else load_fields(template_path(args.template))
        lib = LibraryManager().get(args.library)
        documents = library_documents(lib, args.folder)
        out = check_output(Path(args.out)) if args.out else None
    except (FieldsError, LibraryError, FolderError, ExportError) as exc:
        return fail(str(exc))
    if not documents:
        return fail(f"{lib.name!r} has no documents to read" + (" under that folder" if args.folder else ""))
    try:
        engine, loaded = open_engine(settings, args.model, quiet=args.json)
    except SessionError as exc:
        return fail(str(exc))
    picker = _LazyLibraryPicker(settings, lib)
    cancel = Cancel()
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            print(f"\rreading document {done + 1} of {total}", end="", file=sys.stderr, flush=True)

    try:
        result = Extractor(engine, fields, picker=picker).extract_files(documents, cancel=cancel, on_progress=progress)
    except KeyboardInterrupt:
        cancel.set()
        raise
    finally:
        if show:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        picker.close()
        engine.close()
    result.timings["load_s"] = round(loaded.load_s, 2)
    if out is not None:
        try:
            write_table(out, result.rows, fields)
        except ExportError as exc:
            return fail(str(exc))
    if args.json:
        print_json(result.to_json())
    else:
        print_rows(result.rows, fields)
        if out is not None:
            print(f"\nWritten to {out}")
    return 0


def print_rows(rows, fields) -> None:
    for row in rows:
        print(row.file)
        if row.error:
            print(f"  could not be read: {row.error}")
            continue
        for f in fields:
            c = row.values[f.name]
            shown = "—" if c.value is None else c.value
            mark = "" if c.value is None else ("" if c.verified else "  (check: quote not found)")
            page = f" [p. {c.page}]" if c.page else ""
            print(f"  {f.name}: {shown}{page}{mark}")
    checked = [c for r in rows for c in r.values.values() if c.value is not None]
    print(f"\n{len(rows)} documents; {sum(c.verified for c in checked)} of {len(checked)} values have a quote found "
          "in the document.")
