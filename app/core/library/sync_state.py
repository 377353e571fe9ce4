"""A library's sync database (SQLite, WAL): the schema and every query on it.

One row per file in `files`, with the size and mtime it had when last indexed, its content hash,
its chunk count and a status:
    ok           indexed: its points are flushed to the shard
    in_progress  its points are being written; a sync that finds it so rolls it back and redoes it
    failed       cannot be indexed (`reason` says why); not retried while the file is unchanged
`needs_ocr` lists the scanned pages of an indexed file not read yet (the sync's OCR pass reads them),
`unreadable` the pages OCR found nothing on, with why ({"page", "reason"}).
`meta` holds `last_sync`. Two temporary tables live for one sync: `seen` (every path the scan
found) and `todo` (the new and changed files, in scan order).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import NamedTuple

from app.core.library.jobs import TOO_LARGE

SCHEMA = """
    CREATE TABLE IF NOT EXISTS files (
        path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, hash TEXT, chunks INTEGER DEFAULT 0,
        status TEXT, reason TEXT DEFAULT '', kind TEXT DEFAULT '', needs_ocr TEXT DEFAULT '[]',
        indexed_at REAL, unreadable TEXT DEFAULT '[]');
    CREATE INDEX IF NOT EXISTS files_hash ON files(hash);
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TEMP TABLE seen (path TEXT PRIMARY KEY);
    CREATE TEMP TABLE todo (n INTEGER PRIMARY KEY, path TEXT, size INTEGER, mtime_ns INTEGER);
"""


class FileRow(NamedTuple):
    size: int
    mtime_ns: int
    content_hash: str
    status: str
    chunks: int

    @property
    def settled(self) -> bool:
        """Indexed or failed: nothing of it is left half-written."""
        return self.status in ("ok", "failed")


class StateSummary(NamedTuple):
    files: int  # indexed
    chunks: int
    failures: int
    needs_ocr: int  # indexed files with scanned pages that have no text
    last_sync: float | None  # unix time of the last completed sync


class SyncState:
    """Per-file state of one library; only `sync_library`'s thread writes it."""

    def __init__(self, path: Path):
        self.con = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.executescript(SCHEMA)
        columns = {row[1] for row in self.con.execute("PRAGMA table_info(files)")}
        if "unreadable" not in columns:  # a library indexed before OCR
            self.con.execute("ALTER TABLE files ADD COLUMN unreadable TEXT DEFAULT '[]'")
            self.con.commit()
        self._lock = threading.Lock()  # the parser thread reads through the same connection

    # -- files -----------------------------------------------------------------------------------

    def file_row(self, path: str) -> FileRow | None:
        with self._lock:
            row = self.con.execute(
                "SELECT size, mtime_ns, hash, status, chunks FROM files WHERE path=?", (path,)).fetchone()
        return FileRow(*row) if row else None

    def ok_path_with_hash(self, content_hash: str, not_path: str) -> str | None:
        """Another indexed file with this content, whose vectors can be copied."""
        with self._lock:
            row = self.con.execute(
                "SELECT path FROM files WHERE hash=? AND status='ok' AND path!=? AND chunks>0 LIMIT 1",
                (content_hash, not_path)).fetchone()
        return row[0] if row else None

    def needs_ocr_pages(self, path: str) -> list:
        return self.ocr_state(path)[0]

    def ocr_state(self, path: str) -> tuple[list, list]:
        """(pages not read yet, unreadable pages with why) of a file."""
        with self._lock:
            row = self.con.execute("SELECT needs_ocr, unreadable FROM files WHERE path=?", (path,)).fetchone()
        return (json.loads(row[0] or "[]"), json.loads(row[1] or "[]")) if row else ([], [])

    def queue_ocr(self, max_pages: int) -> list[tuple[str, int]]:
        """Queues (in `todo`, emptied first) the indexed files with scanned pages to read: pages not
        read yet, or left unread by a page cap lower than `max_pages`. Returns (path, scanned pages)."""
        with self._lock:
            self.con.execute("DELETE FROM todo")
            rows = self.con.execute("SELECT path, size, mtime_ns, needs_ocr, unreadable FROM files WHERE status='ok' "
                                    "AND (needs_ocr != '[]' OR unreadable LIKE '%\"cap\"%') ORDER BY path").fetchall()
            queued = []
            for path, size, mtime_ns, needs_ocr, unreadable in rows:
                pages = len(json.loads(needs_ocr or "[]"))
                if not pages:  # every page under the old cap was read; those over it wait for a higher cap
                    capped = [u for u in json.loads(unreadable or "[]") if "cap" in u]
                    if not capped or capped[0]["cap"] >= max_pages:
                        continue
                    pages = capped[0]["cap"] + len(capped)
                queued.append((path, size, mtime_ns, pages))
            self.con.executemany("INSERT INTO todo (path, size, mtime_ns) VALUES (?,?,?)",
                                 [(p, size, mtime) for p, size, mtime, _ in queued])
        return [(p, pages) for p, _, _, pages in queued]

    def in_progress_paths(self) -> list[str]:
        with self._lock:
            return [path for (path,) in self.con.execute("SELECT path FROM files WHERE status='in_progress'")]

    def mark_in_progress(self, path: str, size: int, mtime_ns: int, content_hash: str, chunks: int,
                         document_kind: str, needs_ocr, unreadable=()) -> None:
        self._put(path, size, mtime_ns, content_hash, "in_progress", chunks, "", document_kind, needs_ocr,
                  unreadable)

    def mark_failed(self, path: str, size: int, mtime_ns: int, content_hash: str, reason: str) -> None:
        self._put(path, size, mtime_ns, content_hash, "failed", 0, reason, "", (), ())

    def mark_adopted(self, path: str, size: int, mtime_ns: int, content_hash: str, chunks: int,
                     document_kind: str, needs_ocr=()) -> None:
        """Indexed by another workstation on the firm's server: `ok` at once, nothing of it was written here
        (its scanned pages not read yet wait for this workstation's OCR pass)."""
        self._put(path, size, mtime_ns, content_hash, "ok", chunks, "", document_kind, needs_ocr, ())

    def mark_ok(self, paths: list[str]) -> None:
        with self._lock:
            self.con.executemany("UPDATE files SET status='ok' WHERE path=?", [(p,) for p in paths])

    def update_timestamp(self, path: str, size: int, mtime_ns: int) -> None:
        with self._lock:
            self.con.execute("UPDATE files SET size=?, mtime_ns=? WHERE path=?", (size, mtime_ns, path))

    def delete(self, path: str) -> None:
        with self._lock:
            self.con.execute("DELETE FROM files WHERE path=?", (path,))

    def _put(self, path: str, size: int, mtime_ns: int, content_hash: str, status: str, chunks: int,
             reason: str, document_kind: str, needs_ocr, unreadable) -> None:
        with self._lock:
            self.con.execute(
                "INSERT OR REPLACE INTO files (path, size, mtime_ns, hash, chunks, status, reason, kind, needs_ocr, "
                "indexed_at, unreadable) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (path, size, mtime_ns, content_hash, chunks, status, reason, document_kind,
                 json.dumps(list(needs_ocr)), time.time(), json.dumps(list(unreadable))))

    # -- this sync's scan ------------------------------------------------------------------------

    def mark_seen(self, path: str) -> bool:
        """Records that the scan found `path`; False if it was found before (overlapping folders)."""
        with self._lock:
            return self.con.execute("INSERT OR IGNORE INTO seen VALUES (?)", (path,)).rowcount == 1

    def add_todo(self, path: str, size: int, mtime_ns: int) -> None:
        with self._lock:
            self.con.execute("INSERT INTO todo (path, size, mtime_ns) VALUES (?,?,?)", (path, size, mtime_ns))

    def todo_after(self, offset: int, limit: int) -> list[tuple[str, int, int]]:
        """(path, size, mtime_ns) of the queued files after the first `offset`, in scan order."""
        with self._lock:
            return self.con.execute(
                "SELECT path, size, mtime_ns FROM todo WHERE n > ? ORDER BY n LIMIT ?", (offset, limit)).fetchall()

    def seen_paths(self) -> set[str]:
        """Every path this sync's scan reached."""
        with self._lock:
            return {path for (path,) in self.con.execute("SELECT path FROM seen")}

    def unseen_paths(self) -> list[str]:
        """Files in the state that this sync's scan did not find."""
        with self._lock:
            return [path for (path,) in self.con.execute("SELECT path FROM files WHERE path NOT IN (SELECT path FROM seen)")]

    # -- the database ----------------------------------------------------------------------------

    def record_last_sync(self, when: float) -> None:
        with self._lock:
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('last_sync', ?)", (str(when),))

    def commit(self) -> None:
        with self._lock:
            self.con.commit()

    def close(self) -> None:
        self.con.close()


def read_summary(path: Path) -> StateSummary | None:
    """The counts a library shows, read-only: cheap, and works while another process syncs it.
    None when the library was never synced or its state cannot be read."""
    if not path.exists():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        files, chunks = con.execute("SELECT COUNT(*), COALESCE(SUM(chunks), 0) FROM files WHERE status='ok'").fetchone()
        failures = con.execute("SELECT COUNT(*) FROM files WHERE status='failed'").fetchone()[0]
        needs_ocr = con.execute("SELECT COUNT(*) FROM files WHERE status='ok' AND needs_ocr != '[]'").fetchone()[0]
        row = con.execute("SELECT value FROM meta WHERE key='last_sync'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return StateSummary(files, chunks, failures, needs_ocr, float(row[0]) if row else None)


def content_hashes(path: Path) -> set[str] | None:
    """The content hash of every file a library knows, read-only; None when its state exists but
    cannot be read (then nobody may conclude a hash is unused)."""
    if not path.exists():
        return set()
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        return {h for (h,) in con.execute("SELECT DISTINCT hash FROM files WHERE hash IS NOT NULL")}
    except sqlite3.Error:
        return None
    finally:
        con.close()


class FileStatus(NamedTuple):
    path: str
    state: str  # "indexed", "needs_ocr", "too_large", "failed", "in_progress"
    reason: str  # why it failed; the pages without text for needs_ocr; "" otherwise
    chunks: int
    unreadable: tuple = ()  # scanned pages OCR found nothing on: ({"page", "reason"}, ...)


def read_files(path: Path) -> list[FileStatus]:
    """Every file of a library with its state, read-only (sorted by path). [] when never synced or
    unreadable. A file over libraries.max_file_mb is a failed row whose reason says so: `too_large`."""
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        rows = con.execute("SELECT path, status, reason, needs_ocr, chunks, unreadable, kind FROM files "
                           "ORDER BY path").fetchall()
    except sqlite3.OperationalError:  # a library indexed before OCR: no `unreadable` column yet
        rows = [(*row, "[]", kind) for *row, kind in con.execute(
            "SELECT path, status, reason, needs_ocr, chunks, kind FROM files ORDER BY path").fetchall()]
    except sqlite3.Error:
        return []
    finally:
        con.close()
    out = []
    for file, status, reason, needs_ocr, chunks, unreadable, kind in rows:
        pages = json.loads(needs_ocr or "[]") if status == "ok" else []
        if status == "ok":
            state = "needs_ocr" if pages else "indexed"
            if kind == "email":  # numbered across its attachments, not pages of the e-mail
                reason = f"{len(pages)} scanned page{'s' if len(pages) != 1 else ''} in its attachments" if pages else ""
            else:
                reason = f"pages without text: {', '.join(str(p) for p in pages[:20])}" if pages else ""
        elif status == "failed":
            state = "too_large" if (reason or "").startswith(TOO_LARGE) else "failed"
        else:
            state = "in_progress"
        pages_unread = tuple(json.loads(unreadable or "[]")) if status == "ok" else ()
        out.append(FileStatus(file, state, reason or "", chunks or 0, pages_unread))
    return out
