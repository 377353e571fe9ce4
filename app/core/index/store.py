"""The vector store interface every caller uses: one dense vector and one BM25 sparse vector per chunk.

Two implementations: `edge_store.EdgeStore`, the embedded engine (Qdrant Edge, in-process, one
shard per library), and `server_store.QdrantServerStore`, the same interface over a firm's Qdrant
server via qdrant-client.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

DENSE = "dense"
SPARSE = "bm25"
RRF_K = 60
PREFETCH_FACTOR = 4  # each arm of a hybrid query fetches this many times the final limit
# Payload fields with an index: filters on them stay fast at 100k chunks.
KEYWORD_FIELDS = ("file", "dirs", "kind", "content_hash")


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


class VectorStore(Protocol):
    dimensions: int

    def upsert(self, points: Sequence[ChunkPoint]) -> None: ...
    def delete_file(self, path: str) -> None: ...
    def set_payload(self, ids: Sequence[str], payload: dict[str, Any]) -> None: ...
    def points_with_hash(self, content_hash: str, with_vectors: bool = True) -> list[tuple[str, list[float], dict]]: ...
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


def query_similarity(query: Sequence[float], vector) -> float | None:
    """Dot product of the normalized query and a stored vector (Qdrant normalizes Cosine vectors)."""
    if isinstance(vector, dict):
        vector = vector.get(DENSE)
    if vector is None:
        return None
    return float(np.dot(np.asarray(query, dtype=np.float32), np.asarray(vector, dtype=np.float32)))


def as_float_list(vector: Sequence[float]) -> list[float]:
    """The plain list both engines' clients take for a dense vector."""
    return vector.tolist() if isinstance(vector, np.ndarray) else list(vector)
