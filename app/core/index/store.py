"""Vector storage for chunks: one dense vector and one BM25 sparse vector per chunk.

`EdgeStore` is the embedded engine (Qdrant Edge, in-process, one shard per library);
`QdrantServerStore` speaks the same interface to a firm's Qdrant server via qdrant-client.
qdrant-edge-py is young, so every use of it stays in this module.
"""
from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

from app.core.foundation.instance import AlreadyRunning, InstanceLock

log = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "bm25"
RRF_K = 60
PREFETCH_FACTOR = 4  # each arm of a hybrid query fetches this many times the final limit
# Payload fields with an index: filters on them stay fast at 100k chunks.
KEYWORD_FIELDS = ("file", "dirs", "kind", "content_hash")
OWNER_LOCK = "owner.lock"


class StoreError(RuntimeError):
    pass


class StoreInUse(StoreError):
    """The shard is locked by another process (Qdrant Edge allows one process per shard)."""

    def __init__(self, name: str = ""):
        what = f"The library {name!r}" if name else "This library"
        super().__init__(
            f"{what} is in use by another running Strongroom. Close it (or wait for its indexing to finish) and try again."
        )


@dataclass
class ChunkPoint:
    id: str
    vector: Sequence[float]  # dense, normalized
    text: str  # BM25 is computed from it
    payload: dict[str, Any]


@dataclass(frozen=True)
class SearchFilter:
    """What the retrieval layer narrows by: a folder (and everything below it), file kinds, files."""

    folder: str | None = None
    kinds: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


@dataclass
class Hit:
    id: str
    score: float  # the ranking score: cosine (dense), BM25 (sparse) or reciprocal rank (hybrid)
    payload: dict[str, Any] = field(default_factory=dict)
    # Cosine similarity to the query, for hybrid hits: RRF scores only rank, and the answer layer
    # needs an absolute measure to tell "nothing relevant" from "the best of a weak lot".
    similarity: float | None = None


def _similarity(query: Sequence[float], vector) -> float | None:
    """Dot product of the normalized query and a stored vector (Qdrant normalizes Cosine vectors)."""
    if isinstance(vector, dict):
        vector = vector.get(DENSE)
    if vector is None:
        return None
    return float(np.dot(np.asarray(query, dtype=np.float32), np.asarray(vector, dtype=np.float32)))


class VectorStore(Protocol):
    dimensions: int

    def upsert(self, points: Sequence[ChunkPoint]) -> None: ...
    def delete_file(self, path: str) -> None: ...
    def set_payload(self, ids: Sequence[str], payload: dict[str, Any]) -> None: ...
    def points_with_hash(self, content_hash: str) -> list[tuple[str, list[float], dict]]: ...
    def search_dense(self, vector: Sequence[float], limit: int = 10, filter: SearchFilter | None = None) -> list[Hit]: ...
    def search_sparse(self, text: str, limit: int = 10, filter: SearchFilter | None = None) -> list[Hit]: ...
    def search_hybrid(self, vector: Sequence[float], text: str, limit: int = 10, filter: SearchFilter | None = None) -> list[Hit]: ...
    def count(self, filter: SearchFilter | None = None) -> int: ...
    def all_ids(self) -> Iterator[str]: ...
    def flush(self) -> None: ...
    def optimize(self) -> None: ...
    def close(self) -> None: ...


def folder_chain(path: str) -> list[str]:
    """Every ancestor folder of a file: stored as `dirs` so a folder filter is an exact match."""
    return [str(p) for p in Path(path).parents]


_bm25 = None
_bm25_lock = threading.Lock()


def _bm25_model():
    global _bm25
    with _bm25_lock:
        if _bm25 is None:
            from qdrant_edge import Bm25

            _bm25 = Bm25()
        return _bm25


def bm25_document(text: str) -> tuple[list[int], list[float]]:
    sv = _bm25_model().embed_document(text)
    return list(sv.indices), list(sv.values)


def bm25_query(text: str) -> tuple[list[int], list[float]]:
    sv = _bm25_model().embed_query(text)
    return list(sv.indices), list(sv.values)


def _as_list(vector: Sequence[float]) -> list[float]:
    return vector.tolist() if isinstance(vector, np.ndarray) else list(vector)


# ---------------------------------------------------------------------------------------------
# Qdrant Edge (embedded)
# ---------------------------------------------------------------------------------------------


class EdgeStore:
    """One Qdrant Edge shard in a folder. Opening it locks it for this process."""

    def __init__(self, path: Path, dimensions: int, name: str = ""):
        import qdrant_edge as qe

        self._qe = qe
        self.path = Path(path)
        self.dimensions = dimensions
        self.name = name
        self._lock = threading.RLock()
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dimensions, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            # No write-ahead log: sync flushes before it marks files indexed and rolls back files
            # left in progress, so the WAL would only duplicate every write and slow every open
            # (100k chunks: a 3x faster open and half the disk without it).
            wal_enabled=False,
        )
        # Qdrant Edge only locks a shard through its write-ahead log, which these shards do not
        # keep: an OS lock file of our own makes one process (one EdgeStore) the shard's owner.
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._owner = InstanceLock(self.path / OWNER_LOCK)
        try:
            self._owner.acquire()
        except AlreadyRunning:
            raise StoreInUse(name) from None
        exists = any((self.path / marker).exists() for marker in ("edge_config.json", "segments", "wal"))
        try:
            if exists:
                self._shard = qe.EdgeShard.load(str(self.path))
            else:
                self._shard = qe.EdgeShard.create(str(self.path), config)
        except Exception as exc:  # noqa: BLE001 - the engine raises a bare Exception
            self._owner.release()
            if "WouldBlock" in str(exc):
                raise StoreInUse(name) from None
            raise StoreError(f"cannot open the index at {self.path}: {exc}") from exc
        if not exists:
            for key in KEYWORD_FIELDS:
                self._shard.update(qe.UpdateOperation.create_field_index(key, qe.PayloadSchemaType.Keyword))

    # -- writing --------------------------------------------------------------------------------

    def upsert(self, points: Sequence[ChunkPoint]) -> None:
        qe = self._qe
        if not points:
            return
        batch = []
        for p in points:
            idx, vals = bm25_document(p.text)
            payload = dict(p.payload, text=p.text)
            batch.append(qe.Point(p.id, {DENSE: _as_list(p.vector), SPARSE: qe.SparseVector(idx, vals)}, payload))
        with self._lock:
            self._shard.update(qe.UpdateOperation.upsert_points(batch))

    def delete_file(self, path: str) -> None:
        with self._lock:
            self._shard.update(self._qe.UpdateOperation.delete_points_by_filter(self._match("file", path)))

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            with self._lock:
                self._shard.update(self._qe.UpdateOperation.delete_points(list(ids)))

    def set_payload(self, ids: Sequence[str], payload: dict[str, Any]) -> None:
        if ids:
            with self._lock:
                self._shard.update(self._qe.UpdateOperation.set_payload(list(ids), payload))

    def points_with_hash(self, content_hash: str) -> list[tuple[str, list[float], dict]]:
        """(id, dense vector, payload) of every chunk of content with this hash."""
        records = self._scroll(self._match("content_hash", content_hash), with_vector=[DENSE])
        out = []
        for r in records:
            vec = r.vector[DENSE] if isinstance(r.vector, dict) else r.vector
            out.append((str(r.id), list(vec), dict(r.payload or {})))
        return out

    # -- reading --------------------------------------------------------------------------------

    def _match(self, key: str, value: str):
        qe = self._qe
        return qe.Filter(must=[qe.FieldCondition(key, match=qe.MatchValue(value))])

    def _filter(self, f: SearchFilter | None):
        qe = self._qe
        if f is None:
            return None
        must = []
        if f.folder:
            must.append(qe.FieldCondition("dirs", match=qe.MatchValue(str(Path(f.folder)))))
        if f.kinds:
            must.append(qe.FieldCondition("kind", match=qe.MatchAny(list(f.kinds))))
        if f.files:
            must.append(qe.FieldCondition("file", match=qe.MatchAny(list(f.files))))
        return qe.Filter(must=must) if must else None

    def _hits(self, scored) -> list[Hit]:
        return [Hit(str(s.id), float(s.score), dict(s.payload or {})) for s in scored]

    def search_dense(self, vector, limit=10, filter=None) -> list[Hit]:
        qe = self._qe
        req = qe.QueryRequest(limit=limit, query=qe.Query.Nearest(_as_list(vector), using=DENSE),
                              filter=self._filter(filter), with_payload=True)
        return self._hits(self._shard.query(req))

    def search_sparse(self, text, limit=10, filter=None) -> list[Hit]:
        qe = self._qe
        idx, vals = bm25_query(text)
        if not idx:
            return []
        req = qe.QueryRequest(limit=limit, query=qe.Query.Nearest(qe.SparseVector(idx, vals), using=SPARSE),
                              filter=self._filter(filter), with_payload=True)
        return self._hits(self._shard.query(req))

    def search_hybrid(self, vector, text, limit=10, filter=None) -> list[Hit]:
        """Dense and BM25 candidates fused by reciprocal rank (scores are RRF, not cosine)."""
        qe = self._qe
        flt = self._filter(filter)
        fetch = max(limit * PREFETCH_FACTOR, 20)
        prefetches = [qe.Prefetch(limit=fetch, query=qe.Query.Nearest(_as_list(vector), using=DENSE), filter=flt)]
        idx, vals = bm25_query(text)
        if idx:
            prefetches.append(qe.Prefetch(limit=fetch, query=qe.Query.Nearest(qe.SparseVector(idx, vals), using=SPARSE), filter=flt))
        req = qe.QueryRequest(limit=limit, prefetches=prefetches, query=qe.Fusion.Rrf(k=RRF_K),
                              filter=flt, with_payload=True, with_vector=[DENSE])
        return [Hit(str(s.id), float(s.score), dict(s.payload or {}), _similarity(vector, s.vector))
                for s in self._shard.query(req)]

    def count(self, filter: SearchFilter | None = None) -> int:
        return int(self._shard.count(self._qe.CountRequest(exact=True, filter=self._filter(filter))))

    def _scroll(self, flt=None, with_vector=False, page: int = 1000):
        qe = self._qe
        offset = None
        while True:
            records, offset = self._shard.scroll(qe.ScrollRequest(
                offset=offset, limit=page, filter=flt, with_payload=True, with_vector=with_vector))
            yield from records
            if offset is None:
                return

    def all_ids(self) -> Iterator[str]:
        qe = self._qe
        offset = None
        while True:
            records, offset = self._shard.scroll(qe.ScrollRequest(offset=offset, limit=2000, with_payload=False))
            for r in records:
                yield str(r.id)
            if offset is None:
                return

    def file_chunk_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self._scroll(with_vector=False):
            f = (r.payload or {}).get("file")
            counts[f] = counts.get(f, 0) + 1
        return counts

    # -- lifecycle ------------------------------------------------------------------------------

    def flush(self) -> None:
        with self._lock:
            self._shard.flush()

    def optimize(self) -> None:
        """Builds the HNSW graph; slow for big shards, so sync runs it after bulk loads.

        In a child process (app.core.index.shard_optimize): qdrant-edge holds the interpreter lock while it
        optimizes, which here would stop every thread, the window's included. The shard is closed
        meanwhile (searches wait on the lock); this process keeps the owner lock throughout."""
        from app.core.index import shard_optimize

        with self._lock:
            self._shard.flush()
            self._shard.close()
            try:
                shard_optimize.run_child(self.path)
            except (RuntimeError, OSError) as exc:
                log.warning("%s; searches stay exact until the next optimization", exc)
            finally:
                self._shard = self._qe.EdgeShard.load(str(self.path))

    def close(self) -> None:
        with self._lock:
            if self._shard is not None:
                try:
                    self._shard.flush()
                    self._shard.close()
                finally:
                    self._shard = None
                    self._owner.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------------------------
# qdrant-client (a Qdrant server; tested against the client's local mode)
# ---------------------------------------------------------------------------------------------


class QdrantServerStore:
    """The same interface over qdrant-client: `QdrantServerStore(QdrantClient(url=...), "lib", 384)`."""

    def __init__(self, client, collection: str, dimensions: int):
        from qdrant_client import models as m

        self._m = m
        self.client = client
        self.collection = collection
        self.dimensions = dimensions
        if not client.collection_exists(collection):
            client.create_collection(
                collection,
                vectors_config={DENSE: m.VectorParams(size=dimensions, distance=m.Distance.COSINE)},
                sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # local mode warns that it ignores payload indexes
                for key in KEYWORD_FIELDS:
                    client.create_payload_index(collection, key, m.PayloadSchemaType.KEYWORD)

    def upsert(self, points: Sequence[ChunkPoint]) -> None:
        m = self._m
        if not points:
            return
        batch = []
        for p in points:
            idx, vals = bm25_document(p.text)
            batch.append(m.PointStruct(
                id=p.id,
                vector={DENSE: _as_list(p.vector), SPARSE: m.SparseVector(indices=idx, values=vals)},
                payload=dict(p.payload, text=p.text),
            ))
        self.client.upsert(self.collection, batch, wait=True)

    def _match(self, key: str, value: str):
        m = self._m
        return m.Filter(must=[m.FieldCondition(key=key, match=m.MatchValue(value=value))])

    def delete_file(self, path: str) -> None:
        self.client.delete(self.collection, points_selector=self._m.FilterSelector(filter=self._match("file", path)), wait=True)

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            self.client.delete(self.collection, points_selector=self._m.PointIdsList(points=list(ids)), wait=True)

    def set_payload(self, ids: Sequence[str], payload: dict[str, Any]) -> None:
        if ids:
            self.client.set_payload(self.collection, payload=payload, points=list(ids), wait=True)

    def _scroll(self, flt=None, with_vector=False):
        offset = None
        while True:
            records, offset = self.client.scroll(self.collection, scroll_filter=flt, limit=1000, offset=offset,
                                                 with_payload=True, with_vectors=with_vector)
            yield from records
            if offset is None:
                return

    def points_with_hash(self, content_hash: str) -> list[tuple[str, list[float], dict]]:
        return [(str(r.id), list(r.vector[DENSE]), dict(r.payload or {}))
                for r in self._scroll(self._match("content_hash", content_hash), with_vector=[DENSE])]

    def _filter(self, f: SearchFilter | None):
        m = self._m
        if f is None:
            return None
        must = []
        if f.folder:
            must.append(m.FieldCondition(key="dirs", match=m.MatchValue(value=str(Path(f.folder)))))
        if f.kinds:
            must.append(m.FieldCondition(key="kind", match=m.MatchAny(any=list(f.kinds))))
        if f.files:
            must.append(m.FieldCondition(key="file", match=m.MatchAny(any=list(f.files))))
        return m.Filter(must=must) if must else None

    def _hits(self, response) -> list[Hit]:
        return [Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in response.points]

    def search_dense(self, vector, limit=10, filter=None) -> list[Hit]:
        return self._hits(self.client.query_points(self.collection, query=_as_list(vector), using=DENSE, limit=limit,
                                                   query_filter=self._filter(filter), with_payload=True))

    def search_sparse(self, text, limit=10, filter=None) -> list[Hit]:
        idx, vals = bm25_query(text)
        if not idx:
            return []
        return self._hits(self.client.query_points(
            self.collection, query=self._m.SparseVector(indices=idx, values=vals), using=SPARSE, limit=limit,
            query_filter=self._filter(filter), with_payload=True))

    def search_hybrid(self, vector, text, limit=10, filter=None) -> list[Hit]:
        m = self._m
        flt = self._filter(filter)
        fetch = max(limit * PREFETCH_FACTOR, 20)
        prefetch = [m.Prefetch(query=_as_list(vector), using=DENSE, limit=fetch, filter=flt)]
        idx, vals = bm25_query(text)
        if idx:
            prefetch.append(m.Prefetch(query=m.SparseVector(indices=idx, values=vals), using=SPARSE, limit=fetch, filter=flt))
        response = self.client.query_points(
            self.collection, prefetch=prefetch, query=m.FusionQuery(fusion=m.Fusion.RRF), limit=limit,
            query_filter=flt, with_payload=True, with_vectors=[DENSE])
        return [Hit(str(p.id), float(p.score), dict(p.payload or {}), _similarity(vector, p.vector))
                for p in response.points]

    def count(self, filter: SearchFilter | None = None) -> int:
        return int(self.client.count(self.collection, count_filter=self._filter(filter), exact=True).count)

    def all_ids(self) -> Iterator[str]:
        for r in self._scroll():
            yield str(r.id)

    def flush(self) -> None:
        pass  # the server persists on its own; upserts use wait=True

    def optimize(self) -> None:
        pass  # the server's optimizers run by themselves

    def close(self) -> None:
        pass  # the client belongs to whoever created it

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_edge_store(path: Path, dimensions: int, name: str = "") -> EdgeStore:
    return EdgeStore(path, dimensions, name)


def remove_shard(path: Path) -> None:
    """Deletes a closed shard's files."""
    import shutil

    if Path(path).exists():
        shutil.rmtree(path)
