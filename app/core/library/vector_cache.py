"""Identical passages are embedded once: a library's map from normalised chunk text to its vector.

Boilerplate clauses, e-mail disclaimers, quoted replies and repeated text cost one embedding each. Keys
are the sha256 of the text after Unicode NFC and whitespace folding, per embedding model, so vectors of
two models never meet; the embedder is given that normalised text, so a cached vector is exactly the
one embedding would give. The cache lives in the library's folder (removed with the library) and is
cleared when the library is rebuilt for another model.

A vector is kept only while a file the library holds has that passage: each key records the content
hashes of the files it came from (`uses`), and `prune`, after each completed sync, deletes and
overwrites (`secure_delete`) the vectors of passages only removed or changed files had.
"""
from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
import unicodedata
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_key(normalised: str) -> bytes:
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).digest()


class VectorCache:
    def __init__(self, path: Path, model_id: str, dimensions: int):
        self.path, self.model_id, self.dimensions = Path(path), model_id, dimensions
        self._lock = threading.Lock()
        self._con = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")  # a lost row is only embedded again
        self._con.execute("PRAGMA secure_delete=ON")
        self._con.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key BLOB NOT NULL, "
                          "vector BLOB NOT NULL, PRIMARY KEY (model, key)) WITHOUT ROWID")
        self._con.execute("CREATE TABLE IF NOT EXISTS uses (key BLOB NOT NULL, source TEXT NOT NULL, "
                          "PRIMARY KEY (key, source)) WITHOUT ROWID")
        self._con.execute("DELETE FROM vectors WHERE model != ?", (model_id,))
        self._con.commit()
        self.hits = 0
        self.misses = 0

    def embed(self, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray],
              sources: Sequence[str] = ()) -> np.ndarray:
        """Vectors for texts: cached ones looked up, each distinct new text embedded once and kept.
        `sources`: the content hash of the file each text comes from (what `prune` keeps them by)."""
        norm = [normalise(t) for t in texts]
        keys = [text_key(t) for t in norm]
        if sources:
            self._record_uses(set(zip(keys, sources)))
        found = self._get(set(keys))
        todo: dict[bytes, str] = {}
        for key, text in zip(keys, norm):
            if key not in found and key not in todo:
                todo[key] = text
        if todo:
            fresh = np.asarray(embed(list(todo.values())), dtype=np.float32)
            found.update(zip(todo, fresh))
            self._put(list(zip(todo, fresh)))
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def _get(self, keys: set[bytes]) -> dict[bytes, np.ndarray]:
        if not keys:
            return {}
        wanted = list(keys)
        out: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(wanted), 500):
                part = wanted[i:i + 500]
                marks = ",".join("?" * len(part))
                rows = self._con.execute(f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                                         [self.model_id, *part]).fetchall()
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (self.dimensions,):
                        out[bytes(key)] = vector
        return out

    # Writing is best effort: a vector the cache could not keep (a full disk) is only embedded again, and
    # the sync's own room check and writes report the full disk.
    def _put(self, items: list[tuple[bytes, np.ndarray]]) -> None:
        rows = [(self.model_id, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]
        with self._lock:
            try:
                self._con.executemany("INSERT OR REPLACE INTO vectors (model, key, vector) VALUES (?, ?, ?)", rows)
            except sqlite3.Error as exc:
                log.warning("vector cache not written: %s", type(exc).__name__)
                self._rollback()

    def _record_uses(self, pairs: set[tuple[bytes, str]]) -> None:
        with self._lock:
            try:
                self._con.executemany("INSERT OR IGNORE INTO uses (key, source) VALUES (?, ?)", list(pairs))
            except sqlite3.Error as exc:
                log.warning("vector cache not written: %s", type(exc).__name__)
                self._rollback()

    def prune(self, live_sources: set[str]) -> int:
        """Deletes the vectors no file with a content hash in `live_sources` uses; returns how many."""
        with self._lock:
            try:
                self._con.commit()
                self._con.execute("CREATE TEMP TABLE IF NOT EXISTS live (source TEXT PRIMARY KEY)")
                self._con.execute("DELETE FROM live")
                self._con.executemany("INSERT OR IGNORE INTO live VALUES (?)", [(h,) for h in live_sources])
                self._con.execute("DELETE FROM uses WHERE source NOT IN (SELECT source FROM live)")
                gone = self._con.execute("DELETE FROM vectors WHERE key NOT IN (SELECT key FROM uses)").rowcount
                self._con.commit()
                if gone:  # nor in the write-ahead log
                    self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                return gone
            except sqlite3.Error as exc:
                log.warning("vector cache not pruned: %s", type(exc).__name__)
                self._rollback()
                return 0

    def commit(self) -> None:
        with self._lock:
            try:
                self._con.commit()
            except sqlite3.Error as exc:
                log.warning("vector cache not committed: %s", type(exc).__name__)
                self._rollback()

    def _rollback(self) -> None:
        try:
            self._con.rollback()
        except sqlite3.Error:
            pass

    def close(self) -> None:
        self.commit()
        with self._lock:
            self._con.close()
