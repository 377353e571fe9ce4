"""What the intake folder has extracted, per library: one entry per document content (sha256), with
its row, in SQLite beside the library's index. The output table is rebuilt from the ledger after
each entry (an atomic file replace), so a crash between the two loses nothing and doubles nothing:
the next run finds the entry and rewrites the table.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Sequence

from app.core.documents.fields import Field
from app.core.documents.table import Row
from app.core.documents.table_export import write_table

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, hash TEXT);
CREATE TABLE IF NOT EXISTS entries (hash TEXT PRIMARY KEY, path TEXT NOT NULL, status TEXT NOT NULL,
    row TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL, done REAL NOT NULL);
"""
DONE, FAILED, SUPERSEDED = "done", "failed", "superseded"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            # A damaged ledger is set aside: its documents are extracted again, and the table, rebuilt
            # from the new ledger, holds each of them once.
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            self.path.replace(aside)
            log.warning("intake ledger damaged: set aside, documents will be extracted again")
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(SCHEMA)
            db.execute("SELECT hash, path, status, row, reason, seq, done FROM entries LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        self.db.close()

    def content_hash(self, path: Path) -> str:
        """The file's sha256, read again only when its size or modification time changed."""
        st = path.stat()
        cached = self.db.execute("SELECT size, mtime_ns, hash FROM files WHERE path = ?", (str(path),)).fetchone()
        if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns and cached[2]:
            return cached[2]
        digest = file_hash(path)
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", (str(path), st.st_size, st.st_mtime_ns, digest))
        return digest

    def known(self, digest: str) -> bool:
        return self.db.execute("SELECT 1 FROM entries WHERE hash = ?", (digest,)).fetchone() is not None

    def record(self, digest: str, row: Row) -> bool:
        """Adds the document's row, superseding an earlier version of the same file; False when another
        run recorded this content first (nothing is added twice)."""
        status = FAILED if row.error else DONE
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.known(digest):
                self.db.execute("ROLLBACK")
                return False
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM entries").fetchone()[0]
            self.db.execute("UPDATE entries SET status = ? WHERE path = ? AND status != ?", (SUPERSEDED, row.file, SUPERSEDED))
            self.db.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (digest, row.file, status, json.dumps(row.to_json(), ensure_ascii=False), row.error, seq,
                             time.time()))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return True

    def rows(self) -> list[Row]:
        out = []
        for path, text in self.db.execute("SELECT path, row FROM entries WHERE status != ? ORDER BY seq", (SUPERSEDED,)):
            try:
                out.append(Row.from_json(json.loads(text)))
            except (ValueError, TypeError, AttributeError):
                out.append(Row(path, error="this document's saved row is damaged; change the file to extract it again"))
        return out

    def failures(self) -> list[tuple[str, str]]:
        return self.db.execute("SELECT path, reason FROM entries WHERE status = ? ORDER BY seq", (FAILED,)).fetchall()

    def write_output(self, output: Path, fields: Sequence[Field]) -> int:
        rows = self.rows()
        write_table(output, rows, fields)
        return len(rows)
