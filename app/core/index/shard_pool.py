"""The one owner of each library's open shard in a long-running process (the window).

Qdrant Edge lets one process hold a shard, and our own lock file makes one EdgeStore its owner, so
indexing and answering must share the store instead of opening it twice. The pool opens a shard
on first use and keeps it open until the library is removed, re-built or the window closes.
A one-shot command (the CLI) opens and closes its store directly instead. A library on the firm's
Qdrant server is held the same way (its open connection), through the `open_store` the window gives.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from app.core.index.edge_store import EdgeStore


class ShardPool:
    def __init__(self, dimensions: int, open_store: Callable | None = None):
        self.dimensions = dimensions
        self._open = open_store or (lambda lib: EdgeStore(lib.shard_dir, dimensions, name=lib.name))
        self._stores: dict = {}
        self._lock = threading.Lock()

    def store(self, lib):
        """The library's open store (opened now if needed); StoreInUse if another process holds it."""
        with self._lock:
            store = self._stores.get(lib.id)
            if store is None:
                store = self._stores[lib.id] = self._open(lib)
            return store

    @contextmanager
    def borrow(self, lib) -> Iterator:
        """For Retriever: the pooled store, left open for the next question."""
        yield self.store(lib)

    def release(self, lib_id: str) -> None:
        """Closes one library's store: before its files are removed or rebuilt."""
        with self._lock:
            store = self._stores.pop(lib_id, None)
        if store is not None:
            store.close()

    def close(self) -> None:
        with self._lock:
            stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            store.close()
