"""A library's store on the firm's Qdrant server, seen with this workstation's paths.

The pipeline and the answers work with local paths; the server holds root-name/relative/path
(roots.py), so the same chunk has the same id and name whichever workstation indexed it. Hits come
back with this computer's path in `file` and the stored name in `shared_file`; a hit whose root is
not mapped here keeps the stored name, which the viewer explains (roots.RootNotMapped).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, Iterator, Sequence

from app.core.index.server_store import QdrantServerStore
from app.core.index.store import ChunkPoint, Hit, SearchFilter, StoreError
from app.core.library.content_ids import chunk_id
from app.core.library.libraries import LibraryError
from app.core.library.roots import RootMap, RootNotMapped
from app.core.remote.qdrant_server import ServerError, plain_errors


class SharedLibraryError(StoreError):
    """The firm's server failed during a search or an indexing run; the message says why."""


def shared_dirs(shared: str) -> list[str]:
    return [str(p) for p in PurePosixPath(shared).parents if str(p) != "."]


class RootedStore:
    def __init__(self, inner: QdrantServerStore, roots: RootMap, library_id: str, url: str):
        self.inner, self.roots, self.library_id, self.url = inner, roots, library_id, url
        self.client = inner.client
        self.dimensions = inner.dimensions

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            with plain_errors(self.url):
                yield
        except ServerError as exc:
            raise SharedLibraryError(str(exc)) from exc

    # -- paths -----------------------------------------------------------------------------------

    def _to_server(self, p: ChunkPoint) -> ChunkPoint:
        shared = self.roots.to_shared(p.payload["file"])  # OutsideRoots: never a workstation's own path
        payload = dict(p.payload, file=shared, dirs=shared_dirs(shared))
        point_id = chunk_id(self.library_id, shared, str(payload.get("content_hash", "")), int(payload.get("chunk", 0)))
        return ChunkPoint(point_id, p.vector, p.text, payload)

    def _to_local(self, payload: dict) -> dict | None:
        """The payload with this computer's path; None for a point that is not a library chunk."""
        shared = payload.get("file")
        try:
            local = self.roots.to_local(shared)
        except RootNotMapped:
            local = shared
        except LibraryError:
            return None
        return dict(payload, file=local, shared_file=shared)

    def _hits(self, hits: list[Hit]) -> list[Hit]:
        return [replace(h, payload=payload) for h in hits if (payload := self._to_local(h.payload)) is not None]

    def _filter(self, f: SearchFilter | None) -> SearchFilter | None:
        if f is None:
            return None
        # A folder or file outside the roots keeps its local name, which no shared chunk has: nothing matches.
        folder = (self.roots.shared_or_none(f.folder) or f.folder) if f.folder else None
        files = tuple(self.roots.shared_or_none(x) or x for x in f.files)
        return SearchFilter(folder=folder, kinds=f.kinds, files=files)

    def files_under(self, folders: Sequence[str]) -> list[str]:
        """This computer's paths of the files the server holds under these local folders."""
        shared = [s for f in folders if (s := self.roots.shared_or_none(f))]
        with self.errors():
            stored = self.inner.files_under(shared)
        local = []
        for name in sorted(stored):
            try:
                local.append(self.roots.to_local(name))
            except LibraryError:
                continue
        return local

    # -- the VectorStore interface ---------------------------------------------------------------

    def upsert(self, points: Sequence[ChunkPoint]) -> None:
        shared = [self._to_server(p) for p in points]
        with self.errors():
            self.inner.upsert(shared)

    def delete_file(self, path: str) -> None:
        shared = self.roots.shared_or_none(path)
        if shared is not None:
            with self.errors():
                self.inner.delete_file(shared)

    def set_payload(self, ids: Sequence[str], payload: dict[str, Any]) -> None:
        with self.errors():
            self.inner.set_payload(ids, payload)

    def points_with_hash(self, content_hash: str, with_vectors: bool = True) -> list[tuple[str, list[float], dict]]:
        with self.errors():
            stored = self.inner.points_with_hash(content_hash, with_vectors)
        return [(pid, vec, payload) for pid, vec, raw in stored if (payload := self._to_local(raw)) is not None]

    def search_dense(self, vector, limit=10, filter=None) -> list[Hit]:
        with self.errors():
            return self._hits(self.inner.search_dense(vector, limit, self._filter(filter)))

    def search_sparse(self, text, limit=10, filter=None) -> list[Hit]:
        with self.errors():
            return self._hits(self.inner.search_sparse(text, limit, self._filter(filter)))

    def search_hybrid(self, vector, text, limit=10, filter=None) -> list[Hit]:
        with self.errors():
            return self._hits(self.inner.search_hybrid(vector, text, limit, self._filter(filter)))

    def count(self, filter: SearchFilter | None = None) -> int:
        with self.errors():
            return self.inner.count(self._filter(filter))

    def all_ids(self) -> Iterator[str]:
        with self.errors():
            yield from self.inner.all_ids()

    def flush(self) -> None:
        pass  # the server store writes with wait=True

    def optimize(self) -> None:
        pass  # the server's optimizers run by themselves

    def close(self) -> None:
        self.client.close()  # each open shared library has its own connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
