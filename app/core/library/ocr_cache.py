"""What OCR read from each scanned page, kept by the file's content hash and page (one SQLite file for
every library): a cancelled or interrupted sync resumes without reading a page twice, a rebuilt index
or a copied file costs no OCR, and the source viewer finds the boxes of a cited passage's lines.
It holds document text: ocr_retention.py deletes the pages of files no library holds any more."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from app.core.library.content_ids import file_hash
from app.core.library.ingest.ocr import ENGINE_ID, OcrPage
from app.core.library.ocr_retention import cache_path

SCHEMA = """CREATE TABLE IF NOT EXISTS pages (
    hash TEXT, page INTEGER, engine TEXT, result TEXT, PRIMARY KEY (hash, page, engine))"""


class OcrCache:
    """Read and written from the OCR pass's parser thread (and read by the viewer's worker)."""

    def __init__(self, path: Path | None = None):
        self.con = sqlite3.connect(str(path or cache_path()), timeout=30, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA secure_delete=ON")  # a replaced page's old text is overwritten too
        self.con.execute(SCHEMA)
        self.con.commit()
        self._lock = threading.Lock()

    def get(self, key: str, page: int) -> OcrPage | None:
        with self._lock:
            row = self.con.execute("SELECT result FROM pages WHERE hash=? AND page=? AND engine=?",
                                   (key, page, ENGINE_ID)).fetchone()
        return OcrPage.from_json(row[0]) if row else None

    def put(self, key: str, page: int, result: OcrPage) -> None:
        with self._lock:  # one page a commit: what was read survives a cancel or a crash
            self.con.execute("INSERT OR REPLACE INTO pages VALUES (?,?,?,?)", (key, page, ENGINE_ID, result.to_json()))
            self.con.commit()

    def close(self) -> None:
        with self._lock:
            self.con.close()


def read_page(file: Path, page: int) -> OcrPage | None:
    """What OCR read on a file's page, as the file is now; None when it was never read. Read-only."""
    path = cache_path()
    if not path.exists():
        return None
    key = file_hash(str(file))
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        row = con.execute("SELECT result FROM pages WHERE hash=? AND page=? AND engine=?",
                          (key, page, ENGINE_ID)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return OcrPage.from_json(row[0]) if row else None

