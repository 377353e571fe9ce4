"""strongroom summarize FILE [--library NAME] [--json] [--no-history]: a summary of one document whose
every statement cites the pages it came from, saved as a conversation for follow-ups and export."""
from __future__ import annotations

import sys
from pathlib import Path

from app.cli import fail, print_json
from app.cli.engine_session import SessionError, open_engine
from app.cli.history_access import HistoryUnavailable, open_cli_history
from app.core.foundation.settings import Settings


def register(sub) -> None:
    p = sub.add_parser("summarize", help="summarize one document, citing its pages")
    p.add_argument("file", help="the document")
    p.add_argument("--library", "-l", metavar="NAME", help="the library follow-up questions search")
    p.add_argument("--json", action="store_true", help='print {"summary", "sources", "claims", "parts", ...} as JSON')
    p.add_argument("--no-history", action="store_true", help="do not save the summary in the conversation history")
    p.add_argument("--model", help="model id (default: the model.default_model setting)")
    p.set_defaults(func=run)


def _embedding(settings):
    """The embedding model that checks the summary's statements; None (shared words only) without one."""
    from app.core.index.embedder import Embedder, EmbedderError

    try:
        return Embedder.from_settings(settings).embed_passages
    except EmbedderError as exc:
        print(f"note: the summary is checked by shared words only: {exc}", file=sys.stderr)
        return None


def run(args) -> int:
    from app.core.answers.rag import Cancel
    from app.core.documents.summarize import Summarizer, save_summary
    from app.core.library.ingest.model import ParseError
    from app.core.library.libraries import LibraryError, LibraryManager

    settings = Settings()
    path = Path(args.file).expanduser().resolve()
    if not path.is_file():
        return fail(f"{args.file} is not a file")
    try:
        libraries = [LibraryManager().get(args.library).name] if args.library else []
        history = None
        if not args.no_history and settings.get("history.enabled"):
            history = open_cli_history(settings.get("history.retention_days"),
                                       skip_hint=" To summarize without saving, add --no-history.")
    except (LibraryError, HistoryUnavailable) as exc:
        return fail(str(exc))
    try:
        try:
            engine, loaded = open_engine(settings, args.model, quiet=args.json)
        except SessionError as exc:
            return fail(str(exc))
        cancel = Cancel()
        show = sys.stderr.isatty() and not args.json

        def progress(text: str) -> None:
            if show:
                print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)

        try:
            summary = Summarizer(engine, embed=_embedding(settings)).summarize(path, cancel=cancel,
                                                                              on_progress=progress)
        except KeyboardInterrupt:
            cancel.set()
            raise
        except (ParseError, ValueError) as exc:
            return fail(f"{path.name} cannot be summarized: {getattr(exc, 'reason', exc)}")
        finally:
            if show:
                print("\r\033[K", end="", file=sys.stderr, flush=True)
            engine.close()
        summary.timings["load_s"] = round(loaded.load_s, 2)
        cid = save_summary(history, summary, loaded.info.id, libraries) if history is not None else None
    finally:
        if history is not None:
            history.close()
    if args.json:
        print_json({**summary.to_json(), "model": loaded.info.id, "conversation_id": cid})
        return 0
    print(summary.text)
    if summary.sources:
        print("\nSources:")
    for s in summary.sources:
        print(f"  [{s['n']}] page {s['page']}" if s["page"] else f"  [{s['n']}] {s['excerpt'][:60]}")
    unsupported = [c for c in summary.claims if not c["supported"]]
    if unsupported:
        print(f"\nCheck these {len(unsupported)} statements: no passage of the document backs them.")
    if summary.finish_reason == "cancelled":
        print(f"\nStopped after part {summary.parts_done} of {summary.parts}.")
    if cid is not None:
        print(f"\nSaved as conversation {cid}: `strongroom ask --continue {cid} \"...\"` asks a follow-up.")
    return 0
