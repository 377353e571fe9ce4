"""What `ask` and `chat` need to answer from libraries: the options, the opened stores, streaming."""
from __future__ import annotations

from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Callable

from app.cli.engine_session import SessionError, sampling_from

# --type accepts the kinds the parsers record, and the file extensions people think in.
KIND_ALIASES = {"txt": "text", "md": "markdown", "htm": "html", "eml": "email", "doc": "docx"}
KINDS = ("pdf", "docx", "odt", "rtf", "text", "markdown", "rst", "html", "email")


def add_library_arguments(p) -> None:
    p.add_argument("--library", "-l", action="append", default=[], metavar="NAME",
                   help="answer from this library (repeat for several); without it the model answers alone")
    p.add_argument("--folder", metavar="PATH", help="only passages from files under this folder")
    p.add_argument("--type", action="append", default=[], metavar="KIND",
                   help=f"only passages from this kind of file: {', '.join(KINDS)} (repeatable)")
    p.add_argument("--top-k", type=int, metavar="N", help="passages to give the model (default: retrieval.top_k)")


class Sources:
    """The libraries to answer from, opened before the model loads so that a library in use or never
    indexed is reported without waiting for the model."""

    def __init__(self, settings, args):
        from app.core.index.embedder import Embedder, EmbedderError
        from app.core.library.libraries import LibraryError, LibraryManager
        from app.core.index.store import SearchFilter

        try:
            manager = LibraryManager()
            self.libraries = [manager.get(name) for name in dict.fromkeys(args.library)]
            self.embedder = Embedder.from_settings(settings)
        except (LibraryError, EmbedderError) as exc:
            raise SessionError(str(exc)) from None
        for lib in self.libraries:
            if not lib.may_have_index:
                raise SessionError(f"{lib.name!r} has not been indexed yet; run `strongroom index {lib.name!r}`")
        kinds = []
        for kind in args.type:
            kind = KIND_ALIASES.get(kind.lower().lstrip("."), kind.lower().lstrip("."))
            if kind not in KINDS:
                raise SessionError(f"--type {kind!r} is not a kind of file Strongroom indexes ({', '.join(KINDS)})")
            kinds.append(kind)
        folder = str(Path(args.folder).expanduser().resolve()) if args.folder else None
        self.filter = SearchFilter(folder=folder, kinds=tuple(kinds)) if folder or kinds else None
        self.top_k = args.top_k or settings.get("retrieval.top_k")
        if self.top_k < 1:
            raise SessionError("--top-k must be at least 1")
        self._stores = ExitStack()
        self._open: dict[str, object] = {}

    def __enter__(self):
        from app.core.index.store import StoreError
        from app.core.library.sync import open_library_store

        try:
            for lib in self.libraries:
                self._open[lib.id] = self._stores.enter_context(open_library_store(lib, self.embedder.dimensions))
        except StoreError as exc:  # in use by a running Strongroom, unreadable: already in plain words
            self._stores.close()
            raise SessionError(str(exc)) from None
        except BaseException:
            self._stores.close()
            raise
        return self

    def __exit__(self, *exc):
        self._stores.close()

    def retriever(self):
        from app.core.answers.rag import Retriever

        return Retriever(self.embedder, lambda lib: nullcontext(self._open[lib.id]))


def print_sources(sources: list[dict]) -> None:
    if sources:
        print("\nSources:")
    for s in sources:
        page = f", page {s['page']}" if s.get("page") else ""
        mark = "" if s["cited"] else "  (not cited)"
        print(f"  [{s['n']}] {s['file']}{page}{mark}")


def print_unsupported(claims: list[dict]) -> None:
    """After the answer: the statements no source backs, so the reader checks them before relying on them."""
    unsupported = [c for c in claims if not c["supported"]]
    if not unsupported:
        return
    print(f"\nCheck these {len(unsupported)} of {len(claims)} statements: the sources do not back them.")
    for c in unsupported:
        print(f"  - {' '.join(c['text'].split())}  ({c['reason']})")


def stream_grounded(engine, settings, args, sources: Sources, conversation_id: str, history: list[dict],
                    question: str, stream: Callable[[str], None] | None):
    """One answer from the libraries, its cleaned text streamed to `stream`."""
    from app.core.answers import rag

    cancel = rag.Cancel()
    try:
        result = rag.answer(engine, sources.retriever(), conversation_id, history, question, sources.libraries,
                            sampling_from(settings, args), base_prompt=settings.get("chat.system_prompt"),
                            top_k=sources.top_k, filter=sources.filter, on_token=stream, cancel=cancel,
                            passage_tokens=settings.get("retrieval.passage_tokens"))
    except KeyboardInterrupt:
        cancel.set()
        raise
    if stream is not None and result.finish_reason == "nothing-found":
        stream(result.text)
    return result
