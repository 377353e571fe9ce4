"""Libraries: named sets of folders, each with its own index.

On disk, one folder per library under `paths.libraries_dir()`, named by a stable id so a
rename never moves an open shard:
    <id>/library.json   name, folders, include/exclude globs, embedding model
    <id>/shard/         the Qdrant Edge shard
    <id>/sync.sqlite3   per-file sync state (see sync_state.py)
A library "on the firm's server" (location "server") keeps its points in a collection of the firm's
Qdrant server instead of the shard; its sync state stays here, per workstation (server_library.py).
"""
from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.core.foundation import paths
from app.core.foundation.atomic import write_atomic
from app.core.library import ocr_retention
from app.core.library.sync_state import read_summary

LOCAL, SERVER = "local", "server"  # where a library's points live: this computer's shard, the firm's server


class LibraryError(ValueError):
    """A library operation the user asked for cannot be done; the message says why."""


@dataclass
class Library:
    id: str
    name: str
    folders: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)  # globs on the file name or relative path; empty: all
    exclude: list[str] = field(default_factory=list)
    embedding_model: str = ""  # the model the index was built with
    created: float = 0.0
    location: str = LOCAL
    collection: str = ""  # on the firm's server: the Qdrant collection that holds its points
    # The intake profile: each new or changed document is extracted with these fields into this table.
    extraction_fields: str = ""  # a fields file (TOML) or a built-in template's name
    extraction_output: str = ""  # .csv, .xlsx or .jsonl, where the user chose
    root: Path | None = None

    @property
    def on_server(self) -> bool:
        return self.location == SERVER

    @property
    def may_have_index(self) -> bool:
        """False only when nothing can have been indexed yet (a local library whose shard was never made)."""
        return self.on_server or self.shard_dir.exists()

    @property
    def shard_dir(self) -> Path:
        return self.root / "shard"

    @property
    def state_db(self) -> Path:
        return self.root / "sync.sqlite3"

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("root")
        return data


@dataclass
class LibraryStats:
    files: int = 0
    chunks: int = 0
    failures: int = 0
    needs_ocr: int = 0
    last_sync: float | None = None  # unix time of the last completed sync

    def to_json(self) -> dict:
        return asdict(self)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise LibraryError("a library needs a name")
    if len(name) > 100:
        raise LibraryError("a library name can be at most 100 characters")
    return name


def _add_folders(lib: Library, folders) -> None:
    for f in folders:
        clean = _clean_folder(f)
        if clean not in lib.folders:
            lib.folders.append(clean)


def _clean_folder(folder: str | Path) -> str:
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise LibraryError(f"{folder} is not a folder (or cannot be reached)")
    return str(path.resolve())


class LibraryManager:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else paths.libraries_dir()
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    # -- reading -------------------------------------------------------------------------------

    def _load(self, folder: Path) -> Library | None:
        try:
            data = json.loads((folder / "library.json").read_text(encoding="utf-8"))
            known = {k: data[k] for k in Library.__dataclass_fields__ if k in data and k != "root"}
            return Library(**known, root=folder)
        except (OSError, ValueError, TypeError):
            return None  # a half-written or foreign folder is not a library

    def list(self) -> list[Library]:
        libs = [lib for d in sorted(self.root.iterdir()) if d.is_dir() and (lib := self._load(d))]
        return sorted(libs, key=lambda lib: lib.name.lower())

    def find(self, name: str) -> Library | None:
        wanted = " ".join(name.split()).lower()
        return next((lib for lib in self.list() if lib.name.lower() == wanted), None)

    def get(self, name: str) -> Library:
        lib = self.find(name)
        if lib is None:
            known = ", ".join(repr(lib.name) for lib in self.list()) or "none yet"
            raise LibraryError(f"there is no library named {name!r} (libraries: {known})")
        return lib

    # -- writing -------------------------------------------------------------------------------

    def save(self, lib: Library) -> None:
        lib.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(lib.root / "library.json", json.dumps(lib.to_json(), indent=2, ensure_ascii=False).encode("utf-8"))

    def create(self, name: str, folders=(), include=(), exclude=(), *, location: str = LOCAL, lib_id: str = "",
               embedding_model: str = "") -> Library:
        """A new library; on the firm's server (location SERVER) its collection is named after its id,
        and `lib_id` is the server's id when a library there is attached."""
        name = _clean_name(name)
        if self.find(name):
            raise LibraryError(f"a library named {name!r} already exists")
        lib_id = lib_id or uuid.uuid4().hex[:12]
        if not lib_id.isalnum() or (self.root / lib_id).exists():
            raise LibraryError(f"the library id {lib_id!r} cannot be used on this computer")
        lib = Library(id=lib_id, name=name, folders=[], include=list(include), exclude=list(exclude),
                      embedding_model=embedding_model, created=time.time(), location=location,
                      collection=f"strongroom_{lib_id}" if location == SERVER else "", root=self.root / lib_id)
        _add_folders(lib, folders)
        self.save(lib)
        return lib

    def rename(self, name: str, new_name: str) -> Library:
        lib = self.get(name)
        if lib.on_server:
            raise LibraryError(f"{lib.name!r} is on the firm's server, where other workstations attach it by its "
                               "name: it keeps that name")
        new_name = _clean_name(new_name)
        other = self.find(new_name)
        if other and other.id != lib.id:
            raise LibraryError(f"a library named {new_name!r} already exists")
        lib.name = new_name
        self.save(lib)
        return lib

    def delete(self, name: str) -> None:
        """Removes the library with its shard and sync state (the documents are not touched)."""
        lib = self.get(name)
        (lib.root / "library.json").unlink()  # first: a crash below leaves no half library
        shutil.rmtree(lib.root, ignore_errors=True)
        self.forget_unused_ocr_pages()

    def forget_unused_ocr_pages(self) -> None:
        """Deletes what OCR read from files none of these libraries holds (ocr_retention.py). The
        OCR cache belongs to the data folder's libraries: another root's list cannot speak for them."""
        if self.root.resolve() == paths.libraries_dir().resolve():
            ocr_retention.prune([lib.state_db for lib in self.list()])

    def add_folders(self, name: str, folders) -> Library:
        lib = self.get(name)
        _add_folders(lib, folders)
        self.save(lib)
        return lib

    def remove_folders(self, name: str, folders) -> Library:
        """The next sync removes the chunks of files that were only under these folders."""
        lib = self.get(name)
        for f in folders:
            resolved = str(Path(f).expanduser().resolve())
            if resolved not in lib.folders:
                raise LibraryError(f"{f} is not one of the folders of {lib.name!r}")
            lib.folders.remove(resolved)
        self.save(lib)
        return lib

    def set_extraction(self, name: str, fields: str, output: str) -> Library:
        """The library's intake profile (documents/intake.py checks both); empty strings remove it."""
        lib = self.get(name)
        lib.extraction_fields, lib.extraction_output = fields, output
        self.save(lib)
        return lib

    def set_globs(self, name: str, include=None, exclude=None) -> Library:
        lib = self.get(name)
        if include is not None:
            lib.include = list(include)
        if exclude is not None:
            lib.exclude = list(exclude)
        self.save(lib)
        return lib

    # -- stats ---------------------------------------------------------------------------------

    def stats(self, lib: Library) -> LibraryStats:
        """From the sync state only: cheap, and works while another process holds the shard."""
        summary = read_summary(lib.state_db)
        return LibraryStats(**summary._asdict()) if summary else LibraryStats()
