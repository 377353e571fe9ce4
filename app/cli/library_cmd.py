"""strongroom library add NAME FOLDER... | create NAME [FOLDER...] [--server] | attach NAME | set-server-key |
list [--json] | remove NAME | rename OLD NEW | drop-folder NAME FOLDER..."""
from __future__ import annotations

import time

from app.cli import fail, print_json
from app.core.index.store import StoreError
from app.core.library.libraries import LibraryError, LibraryManager


def register(sub) -> None:
    p = sub.add_parser("library", help="manage libraries (named sets of folders)")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    lsub = p.add_subparsers(dest="library_command", metavar="ACTION")

    a = lsub.add_parser("add", help="create a library, or add folders to an existing one")
    a.add_argument("name")
    a.add_argument("folders", nargs="+", metavar="FOLDER")
    a.add_argument("--include", action="append", default=None, metavar="GLOB", help="only files matching (repeatable)")
    a.add_argument("--exclude", action="append", default=None, metavar="GLOB", help="skip files or folders matching (repeatable)")
    a.set_defaults(func=run_add)

    c = lsub.add_parser("create", help="create a library (--server: on the firm's Qdrant server, shared)")
    c.add_argument("name")
    c.add_argument("folders", nargs="*", metavar="FOLDER")
    c.add_argument("--server", action="store_true",
                   help="keep its index on the firm's Qdrant server (libraries.server_url); folders under libraries.roots")
    c.add_argument("--include", action="append", default=None, metavar="GLOB", help="only files matching (repeatable)")
    c.add_argument("--exclude", action="append", default=None, metavar="GLOB", help="skip files or folders matching (repeatable)")
    c.set_defaults(func=run_create)

    at = lsub.add_parser("attach", help="use a library on the firm's Qdrant server here, without indexing it again")
    at.add_argument("name")
    at.set_defaults(func=run_attach)

    k = lsub.add_parser("set-server-key", help="keep the firm's Qdrant server API key in the OS keychain (read from stdin)")
    k.set_defaults(func=run_set_server_key)

    ls = lsub.add_parser("list", help="list libraries with their folders and stats")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)

    r = lsub.add_parser("remove", help="delete a library and its index (your documents are not touched)")
    r.add_argument("name")
    r.set_defaults(func=run_remove)

    rn = lsub.add_parser("rename", help="rename a library")
    rn.add_argument("name")
    rn.add_argument("new_name")
    rn.set_defaults(func=run_rename)

    d = lsub.add_parser("drop-folder", help="stop indexing folders of a library")
    d.add_argument("name")
    d.add_argument("folders", nargs="+", metavar="FOLDER")
    d.set_defaults(func=run_drop_folder)


def run_create(args) -> int:
    manager = LibraryManager()
    try:
        if args.server:
            from app.core.foundation.settings import Settings
            from app.core.library import server_library

            lib = server_library.create(manager, args.name, args.folders, Settings(), args.include or (), args.exclude or ())
        else:
            lib = manager.create(args.name, args.folders, args.include or (), args.exclude or ())
    except (LibraryError, StoreError) as exc:
        return fail(str(exc))
    where = " on the firm's server" if lib.on_server else ""
    print(f"Created library {lib.name!r}{where} with {len(lib.folders)} folder(s). Run `strongroom index {lib.name!r}`.")
    return 0


def run_attach(args) -> int:
    from app.core.foundation.settings import Settings
    from app.core.library import server_library

    try:
        lib, missing = server_library.attach(LibraryManager(), args.name, Settings())
    except (LibraryError, StoreError) as exc:
        return fail(str(exc))
    print(f"Attached {lib.name!r} from the firm's server: search it now, no indexing needed here.")
    for note in missing:
        print(f"  not on this computer: {note}")
    return 0


def run_set_server_key(args) -> int:
    from app.cli.secret_input import store_secret
    from app.core.privacy.server_key import QDRANT_KEY

    return store_secret(QDRANT_KEY, "API key for the firm's Qdrant server: ")


def run_add(args) -> int:
    manager = LibraryManager()
    try:
        if manager.find(args.name):
            if manager.get(args.name).on_server:
                from app.core.foundation.settings import Settings
                from app.core.library.server_library import check_folders

                check_folders(args.folders, Settings())
            lib = manager.add_folders(args.name, args.folders)
            if args.include is not None or args.exclude is not None:
                lib = manager.set_globs(args.name, args.include, args.exclude)
            print(f"Library {lib.name!r} now has {len(lib.folders)} folder(s). Run `strongroom index {lib.name!r}`.")
        else:
            lib = manager.create(args.name, args.folders, args.include or (), args.exclude or ())
            print(f"Created library {lib.name!r} with {len(lib.folders)} folder(s). Run `strongroom index {lib.name!r}`.")
    except LibraryError as exc:
        return fail(str(exc))
    return 0


def run_list(args) -> int:
    manager = LibraryManager()
    rows = []
    for lib in manager.list():
        data = lib.to_json()
        data["stats"] = manager.stats(lib).to_json()
        rows.append(data)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No libraries yet. Create one with `strongroom library add NAME FOLDER...`.")
        return 0
    for row in rows:
        s = row["stats"]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s["last_sync"])) if s["last_sync"] else "never"
        shared = " (on the firm's server)" if row["location"] == "server" else ""
        print(f"{row['name']}{shared}: {s['files']} files, {s['chunks']} chunks, {s['failures']} failed, last indexed {when}")
        for folder in row["folders"]:
            print(f"    {folder}")
    return 0


def run_remove(args) -> int:
    manager = LibraryManager()
    try:
        on_server = manager.get(args.name).on_server
        manager.delete(args.name)
    except LibraryError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"the library's index could not be deleted: {exc}")
    if on_server:
        print(f"Removed {args.name!r} from this computer; it stays on the firm's server for everyone who uses it.")
        return 0
    print(f"Removed library {args.name!r} and its index. Your documents were not touched.")
    return 0


def run_rename(args) -> int:
    try:
        lib = LibraryManager().rename(args.name, args.new_name)
    except LibraryError as exc:
        return fail(str(exc))
    print(f"Renamed to {lib.name!r}.")
    return 0


def run_drop_folder(args) -> int:
    try:
        lib = LibraryManager().remove_folders(args.name, args.folders)
    except LibraryError as exc:
        return fail(str(exc))
    print(f"Library {lib.name!r} now has {len(lib.folders)} folder(s); the next `strongroom index` removes the rest.")
    return 0
