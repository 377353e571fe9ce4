"""What a sync tells its caller: progress while it runs (`SyncProgress`) and the outcome (`SyncReport`)."""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

log = logging.getLogger(__name__)

EMIT_INTERVAL = 0.2  # seconds between progress callbacks, unless a phase changes


@dataclass
class SyncProgress:
    phase: str = "scanning"  # scanning, indexing, ocr (reading scanned pages), removing, optimizing, done, cancelled
    files_scanned: int = 0
    files_to_index: int = 0  # new or changed files found by the scan
    files_parsed: int = 0
    files_embedded: int = 0  # finished (indexed, moved or failed)
    files_failed: int = 0
    chunks_embedded: int = 0
    chunks_per_second: float = 0.0
    eta_seconds: float | None = None
    current_file: str = ""  # the file whose passages were embedded last
    file_chunks_done: int = 0  # of current_file: a large file shows its own progress
    file_chunks_total: int = 0
    reading_file: str = ""  # being parsed and chunked now ("" between files)
    elapsed: float = 0.0
    ocr_pages_done: int = 0  # scanned pages read (or found unreadable) in the OCR pass, after the text files
    ocr_pages_total: int = 0
    ocr_file: str = ""  # whose scanned pages are being read

    def ocr_words(self) -> str:
        """"reading scanned pages 12/80": the OCR pass's own progress."""
        return f"reading scanned pages {self.ocr_pages_done}/{self.ocr_pages_total}"

    def file_under_way(self) -> tuple[str, int, int] | None:
        """(file, passages embedded, passages) while a file is part-embedded: a large file's own progress."""
        if 0 < self.file_chunks_done < self.file_chunks_total:
            return self.current_file, self.file_chunks_done, self.file_chunks_total
        return None

    def files_done_fraction(self) -> float:
        """Files finished, counting the part-embedded one by its passages: what a progress bar shows."""
        if self.phase == "ocr":
            return min(1.0, self.ocr_pages_done / self.ocr_pages_total) if self.ocr_pages_total else 0.0
        under_way = self.file_under_way()
        partial = under_way[1] / under_way[2] if under_way else 0.0
        return min(1.0, (self.files_embedded + partial) / self.files_to_index) if self.files_to_index else 0.0


ProgressCallback = Callable[[SyncProgress], None]


@dataclass
class SyncReport:
    library: str
    indexed: list[str] = field(default_factory=list)  # new or changed, embedded
    moved: list[str] = field(default_factory=list)  # new paths whose vectors were reused
    adopted: list[str] = field(default_factory=list)  # already on the firm's server as they are: nothing written
    removed: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"file", "reason"}
    needs_ocr: list[dict] = field(default_factory=list)  # {"file", "pages"}: scanned pages not read (OCR off)
    scanned: list[str] = field(default_factory=list)  # files whose scanned pages OCR read in this run
    unreadable: list[dict] = field(default_factory=list)  # {"file", "pages": [{"page", "reason"}]}
    ocr_pages: int = 0  # scanned pages read (or found unreadable) in this run
    ocr_note: str = ""  # why scanned pages were not read, when the OCR pass could not run
    unchanged: int = 0
    chunks: int = 0  # in the library after the run
    chunks_reused: int = 0  # chunks whose text was embedded before (vector_cache): not embedded again
    seconds: float = 0.0
    cancelled: bool = False
    rebuilt: bool = False  # the embedding model changed, so the index was rebuilt

    def to_json(self) -> dict:
        return asdict(self)


class ProgressEmitter:
    """Owns the running `progress` and hands the callback a copy of it, with the embedding rate and
    the ETA filled in, at most every EMIT_INTERVAL seconds unless forced."""

    def __init__(self, callback: ProgressCallback | None):
        self.callback = callback
        self.progress = SyncProgress()
        self.started = time.monotonic()
        self.embed_seconds = 0.0  # time spent inside the embedder: the rate is chunks over this
        self.indexing_started: float | None = None  # the ETA extrapolates from the indexing phase only
        self._last_emit = 0.0

    def emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.callback is None or (not force and now - self._last_emit < EMIT_INTERVAL):
            return
        self._last_emit = now
        progress = self.progress
        progress.elapsed = now - self.started
        progress.chunks_per_second = progress.chunks_embedded / self.embed_seconds if self.embed_seconds else 0.0
        done = progress.files_embedded
        indexing_time = now - self.indexing_started if self.indexing_started else 0.0
        if done and progress.files_to_index and indexing_time:
            progress.eta_seconds = max(0.0, (progress.files_to_index - done) * indexing_time / done)
        try:
            self.callback(SyncProgress(**asdict(progress)))
        except Exception as exc:  # noqa: BLE001 - a broken listener must not break indexing
            log.error("progress callback failed: %s", logs.error_kind(exc))
