"""The embedded vector store: one Qdrant Edge shard per library, in this process.

qdrant-edge-py is young, so every use of it stays in this module and bm25.py.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

from app.core.foundation.instance import AlreadyRunning, InstanceLock
from app.core.index.bm25 import bm25_document, bm25_query
from app.core.index.store import (
    DENSE, KEYWORD_FIELDS, PREFETCH_FACTOR, RRF_K, SPARSE, ChunkPoint, Hit, SearchFilter, StoreError, StoreInUse,
    as_float_list, query_similarity,
)

log = logging.getLogger(__name__)

OWNER_LOCK = "owner.lock"


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
            # left in progress, so the WAL would only duplicate every write and slow every open.
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
            batch.append(qe.Point(p.id, {DENSE: as_float_list(p.vector), SPARSE: qe.SparseVector(idx, vals)}, payload))
        with self._lock:
            self._shard.update(qe.UpdateOperation.upsert_points(batch))

    def delete_file(self, path: str) -> None:
        with self._lock:
            self._shard.update(self._qe.UpdateOperation.delete_points_by_filter(self._match("file", path)))

    def set_payload(self, ids: Sequence[str], payload: dict[str, Any]) -> None:
        if ids:
            with self._lock:
                self._shard.update(self._qe.UpdateOperation.set_payload(list(ids), payload))

    def points_with_hash(self, content_hash: str, with_vectors: bool = True) -> list[tuple[str, list[float], dict]]:
        """(id, dense vector, payload) of every chunk of content with this hash (vector [] without with_vectors)."""
        records = self._scroll(self._match("content_hash", content_hash), with_vector=[DENSE] if with_vectors else False)
        out = []
        for r in records:
            vec = (r.vector[DENSE] if isinstance(r.vector, dict) else r.vector) if with_vectors else []
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
        req = qe.QueryRequest(limit=limit, query=qe.Query.Nearest(as_float_list(vector), using=DENSE),
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
        prefetches = [qe.Prefetch(limit=fetch, query=qe.Query.Nearest(as_float_list(vector), using=DENSE), filter=flt)]
        idx, vals = bm25_query(text)
        if idx:
            prefetches.append(qe.Prefetch(limit=fetch, query=qe.Query.Nearest(qe.SparseVector(idx, vals), using=SPARSE), filter=flt))
        req = qe.QueryRequest(limit=limit, prefetches=prefetches, query=qe.Fusion.Rrf(k=RRF_K),
                              filter=flt, with_payload=True, with_vector=[DENSE])
        return [Hit(str(s.id), float(s.score), dict(s.payload or {}), query_similarity(vector, s.vector))
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


def remove_shard(path: Path) -> None:
    """Deletes a closed shard's files."""
    import shutil

    if Path(path).exists():
        shutil.rmtree(path)
