"""The OCR cache holds document text, so it keeps only pages of files some library still holds: after
each sync and when a library is removed, the pages of every other file are deleted and overwritten
(`secure_delete`), and the write-ahead log is truncated so their text does not live on there.
Kept apart from ocr_cache.py so removing a library does not load the OCR and parsing stack."""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Iterable

from app.core.foundation import paths
from app.core.library.sync_state import content_hashes

log = logging.getLogger(__name__)

FILE_NAME = "ocr_pages.sqlite3"


def cache_path() -> Path:
    return paths.data_dir() / FILE_NAME


def prune(state_dbs: Iterable[Path]) -> int | None:
    """Deletes the pages of every file that no library's sync state (`state_dbs`: all of them) knows;
    returns how many pages went. Does nothing (None) when a state cannot be read: a page is only
    deleted when every library is known not to hold it."""
    path = cache_path()
    if not path.exists():
        return 0
    live: set[str] = set()
    for state_db in state_dbs:
        hashes = content_hashes(state_db)
        if hashes is None:
            log.info("OCR cache not pruned: a library's state could not be read")
            return None
        live |= hashes
    try:
        con = sqlite3.connect(str(path), timeout=30)
    except sqlite3.Error:
        return None
    try:
        con.execute("PRAGMA secure_delete=ON")
        con.execute("CREATE TEMP TABLE live (hash TEXT PRIMARY KEY)")
        con.executemany("INSERT INTO live VALUES (?)", [(h,) for h in live])
        # An e-mail attachment's pages are kept under "<e-mail's hash>/<attachment's hash>" (scanned.py).
        gone = con.execute("DELETE FROM pages WHERE hash NOT IN (SELECT hash FROM live) AND (instr(hash, '/') = 0 "
                           "OR substr(hash, 1, instr(hash, '/') - 1) NOT IN (SELECT hash FROM live))").rowcount
        con.commit()
        if gone:  # the deleted text must not live on in the write-ahead log either
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        log.warning("OCR cache not pruned: %s", type(exc).__name__)
        return None
    finally:
        con.close()
    if gone:
        log.info("OCR cache: %d page(s) of files no library holds deleted", gone)
    return gone
