"""The vector store interface over a firm's Qdrant server, through qdrant-client (tested against
the client's local mode, and a real server when STRONGROOM_TEST_QDRANT_URL is set).

The client is made in app/core/remote/qdrant_server.py; this module only speaks the store's language.
Paths are stored as the caller gives them (a shared library gives root-name/relative/path)."""
from __future__ import annotations

import warnings
from pathlib import PurePosixPath
from typing import Any, Iterator, Sequence

from app.core.index.bm25 import bm25_document, bm25_query
from app.core.index.store import (
    DENSE, KEYWORD_FIELDS, PREFETCH_FACTOR, SPARSE, ChunkPoint, Hit, SearchFilter, StoreError, as_float_list,
    query_similarity,
)


class IncompatibleCollection(StoreError):
    """The server's collection was not made for this library's vectors (another size, other vector names)."""


class QdrantServerStore:
    """The same interface over qdrant-client: `QdrantServerStore(QdrantClient(url=...), "lib", 384)`."""

    def __init__(self, client, collection: str, dimensions: int):
        from qdrant_client import models as m

        self._m = m
        self.client = client
        self.collection = collection
        self.dimensions = dimensions
        if client.collection_exists(collection):
            self._check(client.get_collection(collection).config.params)
        else:
            client.create_collection(
                collection,
                vectors_config={DENSE: m.VectorParams(size=dimensions, distance=m.Distance.COSINE)},
                sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # local mode warns that it ignores payload indexes
                for key in KEYWORD_FIELDS:
                    client.create_payload_index(collection, key, m.PayloadSchemaType.KEYWORD)

    def _check(self, params) -> None:
        vectors = params.vectors if isinstance(params.vectors, dict) else {}
        dense = vectors.get(DENSE)
        if dense is None or SPARSE not in (params.sparse_vectors or {}):
            raise IncompatibleCollection(
                f"The collection {self.collection!r} on the Qdrant server was not made by Strongroom (it has no "
                f"{DENSE!r} and {SPARSE!r} vectors); choose another library name or ask IT.")
        if dense.size != self.dimensions:
            raise IncompatibleCollection(
                f"The collection {self.collection!r} on the Qdrant server holds {dense.size}-dimension vectors, but "
                f"this computer's embedding model makes {self.dimensions}: set retrieval.embedding_model to the "
                "model the library was built with.")

    def upsert(self, points: Sequence[ChunkPoint]) -> None:
        m = self._m
        if not points:
            return
        batch = []
        for p in points:
            idx, vals = bm25_document(p.text)
            batch.append(m.PointStruct(
                id=p.id,
                vector={DENSE: as_float_list(p.vector), SPARSE: m.SparseVector(indices=idx, values=vals)},
                payload=dict(p.payload, text=p.text),
            ))
        self.client.upsert(self.collection, batch, wait=True)

    def _match(self, key: str, value: str):
        m = self._m
        return m.Filter(must=[m.FieldCondition(key=key, match=m.MatchValue(value=value))])

    def delete_file(self, path: str) -> None:
        self.client.delete(self.collection, points_selector=self._m.FilterSelector(filter=self._match("file", path)), wait=True)

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

    def points_with_hash(self, content_hash: str, with_vectors: bool = True) -> list[tuple[str, list[float], dict]]:
        records = self._scroll(self._match("content_hash", content_hash), with_vector=[DENSE] if with_vectors else False)
        return [(str(r.id), list(r.vector[DENSE]) if with_vectors else [], dict(r.payload or {})) for r in records]

    def files_under(self, folders: Sequence[str]) -> set[str]:
        """The stored file names under these folders (as stored in `dirs`)."""
        m = self._m
        if not folders:
            return set()
        flt = m.Filter(must=[m.FieldCondition(key="dirs", match=m.MatchAny(any=list(folders)))])
        files, offset = set(), None
        while True:
            records, offset = self.client.scroll(self.collection, scroll_filter=flt, limit=1000, offset=offset,
                                                 with_payload=["file"], with_vectors=False)
            files.update(f for r in records if isinstance(f := (r.payload or {}).get("file"), str))
            if offset is None:
                return files

    def _filter(self, f: SearchFilter | None):
        m = self._m
        if f is None:
            return None
        must = []
        if f.folder:
            must.append(m.FieldCondition(key="dirs", match=m.MatchValue(value=str(PurePosixPath(f.folder)))))
        if f.kinds:
            must.append(m.FieldCondition(key="kind", match=m.MatchAny(any=list(f.kinds))))
        if f.files:
            must.append(m.FieldCondition(key="file", match=m.MatchAny(any=list(f.files))))
        return m.Filter(must=must) if must else None

    def _hits(self, response) -> list[Hit]:
        return [Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in response.points]

    def search_dense(self, vector, limit=10, filter=None) -> list[Hit]:
        return self._hits(self.client.query_points(self.collection, query=as_float_list(vector), using=DENSE, limit=limit,
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
        prefetch = [m.Prefetch(query=as_float_list(vector), using=DENSE, limit=fetch, filter=flt)]
        idx, vals = bm25_query(text)
        if idx:
            prefetch.append(m.Prefetch(query=m.SparseVector(indices=idx, values=vals), using=SPARSE, limit=fetch, filter=flt))
        response = self.client.query_points(
            self.collection, prefetch=prefetch, query=m.FusionQuery(fusion=m.Fusion.RRF), limit=limit,
            query_filter=flt, with_payload=True, with_vectors=[DENSE])
        return [Hit(str(p.id), float(p.score), dict(p.payload or {}), query_similarity(vector, p.vector))
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
