"""strongroom library add NAME FOLDER... | list [--json] | remove NAME | rename OLD NEW | drop-folder NAME FOLDER..."""
from __future__ import annotations

import time

from app.cli import fail, print_json
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


def run_add(args) -> int:
    manager = LibraryManager()
    try:
        if manager.find(args.name):
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
        print(f"{row['name']}: {s['files']} files, {s['chunks']} chunks, {s['failures']} failed, last indexed {when}")
        for folder in row["folders"]:
            print(f"    {folder}")
    return 0


def run_remove(args) -> int:
    try:
        LibraryManager().delete(args.name)
    except LibraryError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"the library's index could not be deleted: {exc}")
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
