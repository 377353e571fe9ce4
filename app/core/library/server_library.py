"""Libraries on the firm's Qdrant server: create one there, attach one another workstation made,
open its store with this workstation's roots, and hold its index lease while a sync writes to it.

The server collection is the shared truth; each workstation keeps its own sync state and maps the
stored root-name/relative/path names to its own mounts (roots.py).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from app.core.index import server_catalog
from app.core.index.server_lease import DEFAULT_DURATION_S, IndexLease, LeaseLost
from app.core.index.server_store import QdrantServerStore
from app.core.index.store import StoreError
from app.core.library.libraries import SERVER, Library, LibraryError, LibraryManager
from app.core.library.roots import RootMap
from app.core.library.shared_store import RootedStore, SharedLibraryError
from app.core.privacy import server_key
from app.core.remote import qdrant_server

# How long a sync's lease lasts without renewal: a machine that died blocks others this long at most.
LEASE_DURATION_S = DEFAULT_DURATION_S
CLOCK: Callable[[], float] = time.time  # the lease's clock (tests move it by hand)


def server_url(settings) -> str:
    url = settings.get("libraries.server_url").strip()
    if not url:
        raise LibraryError("no firm's Qdrant server is set up on this computer: libraries.server_url is empty "
                           "(IT sets it in the policy)")
    return url


def connect_client(settings):
    """A checked connection to the firm's server (qdrant_server.ServerError in plain words)."""
    return qdrant_server.connect(server_url(settings), server_key.api_key(),
                                 ca_file=settings.get("libraries.ca_file") or None)


def _connect(settings):
    try:
        return connect_client(settings)
    except qdrant_server.ServerError as exc:
        raise SharedLibraryError(str(exc)) from None


def roots_of(settings) -> RootMap:
    return RootMap(settings.get("libraries.roots"))


def open_server_store(lib: Library, dimensions: int, settings) -> RootedStore:
    """The library's collection on the server, seen with this computer's roots; closing it disconnects."""
    client = _connect(settings)
    url = server_url(settings)
    try:
        with qdrant_server.plain_errors(url):
            inner = QdrantServerStore(client, lib.collection, dimensions)
    except qdrant_server.ServerError as exc:
        client.close()
        raise SharedLibraryError(str(exc)) from None
    except BaseException:
        client.close()
        raise
    return RootedStore(inner, roots_of(settings), lib.id, url)


def check_folders(folders, settings) -> list[str]:
    """The folders' shared names; OutsideRoots (naming libraries.roots) for one under no root."""
    roots = roots_of(settings)
    return [roots.to_shared(f) for f in folders]


def create(manager: LibraryManager, name: str, folders, settings, include=(), exclude=()) -> Library:
    """A new library whose points live on the firm's server, listed there so others can attach it."""
    shared = check_folders(folders, settings)
    client = _connect(settings)
    try:
        with _errors(settings):
            if server_catalog.find(client, name) is not None:
                raise LibraryError(f"the firm's server already has a library named {name!r}; attach it with "
                                   f"`strongroom library attach {name!r}`")
        lib = manager.create(name, folders, include, exclude, location=SERVER)
        try:
            with _errors(settings):
                server_catalog.publish(client, {
                    "name": lib.name, "id": lib.id, "collection": lib.collection, "embedding_model": "",
                    "dimensions": 0, "folders": shared, "include": lib.include, "exclude": lib.exclude})
        except BaseException:
            manager.delete(lib.name)  # not listed on the server: not a shared library
            raise
        return lib
    finally:
        client.close()


def attach(manager: LibraryManager, name: str, settings) -> tuple[Library, list[str]]:
    """This workstation's entry for a library on the firm's server, with its folders under this computer's
    mounts; returns it and the folders that could not be mapped here (a root not mapped, a mount offline)."""
    client = _connect(settings)
    try:
        with _errors(settings):
            entry = server_catalog.find(client, name)
            known = server_catalog.names(client) if entry is None else []
    finally:
        client.close()
    if entry is None:
        listed = ", ".join(repr(n) for n in known) or "none yet"
        raise LibraryError(f"the firm's server has no library named {name!r} (libraries there: {listed})")
    roots = roots_of(settings)
    folders, missing = [], []
    for shared in entry["folders"]:
        try:
            folders.append(roots.to_local(shared))
        except LibraryError as exc:
            missing.append(str(exc))
    reachable = [f for f in folders if Path(f).is_dir()]
    missing += [f"{f} cannot be reached now" for f in folders if f not in reachable]
    lib = manager.create(entry["name"], reachable, entry["include"], entry["exclude"], location=SERVER,
                         lib_id=entry["id"], embedding_model=entry["embedding_model"])
    if lib.collection != entry["collection"]:
        lib.collection = entry["collection"]
        manager.save(lib)
    return lib, missing


@contextmanager
def _errors(settings) -> Iterator[None]:
    try:
        with qdrant_server.plain_errors(server_url(settings)):
            yield
    except qdrant_server.ServerError as exc:
        raise SharedLibraryError(str(exc)) from None


class ServerIndexing:
    """One sync's hold on a library on the firm's server: `start` takes the index lease (LeaseHeld, naming the
    holder, when another workstation is indexing it) and returns the progress callback to use, which renews
    the lease as the sync runs; `finish` records the library's folders and model in the server's list and
    releases the lease, raising LeaseLost if another workstation took it over meanwhile (the sync was then
    cancelled at once); `close` only releases it (a failed sync)."""

    def __init__(self, lib: Library, store: RootedStore, embedder, cancel: threading.Event):
        self.lib, self.store, self.embedder, self.cancel = lib, store, embedder, cancel
        self.lease = IndexLease(store.client, lib.collection, lib.name, duration_s=LEASE_DURATION_S, clock=CLOCK)
        self.lost: list[LeaseLost] = []

    def start(self, progress):
        lib, embedder = self.lib, self.embedder
        self.shared_folders = [self.store.roots.to_shared(f) for f in lib.folders]  # OutsideRoots: nothing written
        with self.store.errors():
            entry = server_catalog.find(self.store.client, lib.name)
            model = (entry or {}).get("embedding_model") or lib.embedding_model
            if model and model != embedder.id:
                raise StoreError(f"{lib.name!r} on the firm's server was built with {model}; set "
                                 "retrieval.embedding_model to it to index this library (a shared index is not "
                                 "rebuilt from one workstation)")
            self.lease.acquire()

        def renewing(p) -> None:
            try:
                with self.store.errors():
                    self.lease.renew_if_due()
            except LeaseLost as exc:
                self.lost.append(exc)
                self.cancel.set()
            except SharedLibraryError:
                pass  # the sync's next write reports the server; the lease is renewed at the next tick
            if progress is not None:
                progress(p)

        return renewing

    def remove_unseen(self, state, report) -> None:
        """The server is the shared truth: a file it holds under this library's folders that this scan did
        not reach was removed from the share (perhaps seen by no one else yet) and leaves the server too.
        Skipped when a folder cannot be read now: an offline share is not a deletion."""
        if self.cancel.is_set() or not all(Path(f).is_dir() for f in self.lib.folders):
            return
        seen = state.seen_paths()
        gone = [path for path in self.store.files_under(self.lib.folders) if path not in seen]
        for path in gone:
            self.store.delete_file(path)
        report.removed.extend(p for p in gone if p not in report.removed)

    def finish(self) -> None:
        if not self.lost:
            with self.store.errors():
                server_catalog.update(self.store.client, self.lib.name, folders=self.shared_folders,
                                      embedding_model=self.embedder.id, dimensions=self.embedder.dimensions)
        self.close()
        if self.lost:
            raise self.lost[0]

    def close(self) -> None:
        self.lease.release()
