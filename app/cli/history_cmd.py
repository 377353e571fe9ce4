"""strongroom history [list|show|export|delete|delete-all|change-passphrase]: the encrypted conversation history."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from app.cli import fail, print_json
from app.cli.history_access import HistoryUnavailable, current_passphrase, new_passphrase, open_cli_history
from app.core.foundation import instance
from app.core.foundation.settings import Settings
from app.core.history.conversations import HistoryError
from app.core.history.export import ExportError, export_conversation
from app.core.privacy.keystore import KeyStore, KeyStoreError, WrongPassphrase


def register(sub) -> None:
    p = sub.add_parser("history", help="list, show or delete saved conversations (encrypted on disk); change "
                                       "the history passphrase")
    hs = p.add_subparsers(dest="action", metavar="ACTION")
    ls = hs.add_parser("list", help="conversations, newest first")
    ls.add_argument("--search", help="only titles containing this text")
    ls.add_argument("--json", action="store_true")
    show = hs.add_parser("show", help="the messages of one conversation")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    rm = hs.add_parser("delete", help="delete one conversation")
    rm.add_argument("id", type=int)
    export = hs.add_parser("export", help="write one conversation with its cited sources to a .md, .txt or .docx file")
    export.add_argument("id", type=int)
    export.add_argument("file", help="where to write it; the format follows the extension")
    wipe = hs.add_parser("delete-all", help="delete every conversation and extracted table and scrub the database files")
    wipe.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    hs.add_parser("change-passphrase",
                  help="re-wrap the history key under a new passphrase (only without an OS keychain); "
                       "scripts set STRONGROOM_PASSPHRASE and STRONGROOM_NEW_PASSPHRASE")
    p.set_defaults(func=run, action=None)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def run(args) -> int:
    action = args.action or "list"
    if action == "change-passphrase":
        return _change_passphrase()
    if action == "delete-all" and not args.yes:
        if not sys.stdin.isatty():
            return fail("delete-all needs --yes when not run from a terminal")
        if input("Delete every saved conversation and extracted table? This cannot be undone. [y/N] "
                 ).strip().lower() != "y":
            return 1
    try:
        history = open_cli_history(Settings().get("history.retention_days"))
    except HistoryUnavailable as exc:
        return fail(str(exc))
    try:
        return _act(history, action, args)
    except HistoryError as exc:
        return fail(str(exc))
    finally:
        history.close()


def _act(history, action: str, args) -> int:
    for warning in history.warnings:
        print(f"strongroom: warning: {warning}", file=sys.stderr)
    if action == "list":
        convs = history.list_conversations(getattr(args, "search", None))
        if args.json:
            print_json([c.to_json() for c in convs])
        for c in [] if args.json else convs:
            libs = f"  [{', '.join(c.libraries)}]" if c.libraries else ""
            print(f"{c.id:>5}  {_when(c.updated)}  {c.message_count:>3} msg  {c.title}{libs}")
        return 0
    if action == "show":
        if not any(c.id == args.id for c in history.list_conversations()):
            return fail(f"there is no conversation #{args.id}")
        msgs = history.messages(args.id)
        if args.json:
            print_json([m.to_json() for m in msgs])
            return 0
        for m in msgs:
            print(f"--- {m.role} ({_when(m.created)})")
            print(m.content)
            for s in m.sources:
                page = f", page {s['page']}" if s.get("page") else ""
                print(f"    source: {s.get('file', '?')}{page}")
        return 0
    if action == "export":
        conv = next((c for c in history.list_conversations() if c.id == args.id), None)
        if conv is None:
            return fail(f"there is no conversation #{args.id}")
        try:
            path = export_conversation(Path(args.file), conv.title, history.messages(args.id), conv.libraries)
        except ExportError as exc:
            return fail(str(exc))
        except OSError as exc:
            return fail(f"cannot write {args.file}: {exc.strerror or exc}")
        print(f"Exported conversation #{args.id} to {path} (not encrypted: keep it with the matter's files).")
        return 0
    if action == "delete":
        if not any(c.id == args.id for c in history.list_conversations()):
            return fail(f"there is no conversation #{args.id}")
        history.delete(args.id)
        print(f"Deleted conversation #{args.id}.")
        return 0
    history.delete_all()
    print("All conversations and extracted tables deleted; the database was compacted and its journal cleared.")
    return 0


def _change_passphrase() -> int:
    store = KeyStore()
    try:
        store.ensure_passphrase_wrapped()
        instance.hold()  # before any prompt: a running window owns the key file
        current = current_passphrase()
        store.unlock(current)
    except WrongPassphrase:
        return fail("that is not the current history passphrase; nothing was changed")
    except (KeyStoreError, HistoryUnavailable, instance.AlreadyRunning) as exc:
        return fail(str(exc))
    try:
        history = open_cli_history(keystore=store)  # proves the key is the one the saved history needs
    except HistoryUnavailable as exc:
        return fail(str(exc))
    try:
        for warning in history.warnings:
            print(f"strongroom: warning: {warning}", file=sys.stderr)
        history.change_passphrase(current, new_passphrase())
    except KeyStoreError as exc:
        return fail(f"{exc} The passphrase was not changed.")
    except (HistoryError, HistoryUnavailable) as exc:
        return fail(str(exc))
    finally:
        history.close()
    print("History passphrase changed: use the new one from now on. No conversation was rewritten.")
    return 0
