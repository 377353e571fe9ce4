"""BM25 sparse vectors for chunks and queries, from Qdrant Edge's tokenizer (loaded once, on first use)."""
from __future__ import annotations

import threading

_model = None
_model_lock = threading.Lock()


def _bm25_model():
    global _model
    with _model_lock:
        if _model is None:
            from qdrant_edge import Bm25

            _model = Bm25()
        return _model


def bm25_document(text: str) -> tuple[list[int], list[float]]:
    sv = _bm25_model().embed_document(text)
    return list(sv.indices), list(sv.values)


def bm25_query(text: str) -> tuple[list[int], list[float]]:
    sv = _bm25_model().embed_query(text)
    return list(sv.indices), list(sv.values)
