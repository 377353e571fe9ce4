"""Indexes the files a scan queued: a parser thread turns each into a job (hash, parse, chunk) while
the sync's thread embeds the chunks in batches and writes them to the store and the sync state.

Writes are grouped: a group's points are flushed to the shard before its files are marked `ok`,
at least every COMMIT_SECONDS or COMMIT_CHUNKS, so a crash loses at most one group (see sync.py).
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
from pathlib import Path

from app.core.index.embedder import Embedder
from app.core.index.store import ChunkPoint, VectorStore
from app.core.library.content_ids import chunk_id, file_hash
from app.core.library.disk_errors import ensure_room, read_error_reason
from app.core.library.jobs import Action, FileJob, chunk_payload, moved_payload, too_large_reason
from app.core.library.libraries import Library
from app.core.library.sync_progress import ProgressEmitter, SyncReport
from app.core.library.sync_state import SyncState
from app.core.library.vector_cache import VectorCache
from app.core.foundation import logs

log = logging.getLogger(__name__)

EMBED_BATCH = 16  # texts per embedding call: bounds how long a cancel waits
COMMIT_SECONDS = 2.0  # flush the shard and commit finished files at least this often
COMMIT_CHUNKS = 1024
JOB_QUEUE = 64  # parsed files waiting for the embedder: bounds the memory parsing ahead takes
TODO_PAGE = 256  # queued files the parser reads from the sync state at a time
MAX_PAGES = 100_000  # a page number beyond this in a note from the firm's server is not believed


class CancelOrStop:
    """Tells the parser thread to stop: set by the caller's cancel, or by the pipeline itself when it
    stops for another reason (it finished, or failed)."""

    def __init__(self, cancel: threading.Event):
        self.cancel, self.stopped = cancel, threading.Event()

    def is_set(self) -> bool:
        return self.cancel.is_set() or self.stopped.is_set()

    def stop(self) -> None:
        self.stopped.set()


class IndexPipeline:
    def __init__(self, lib: Library, embedder: Embedder, store: VectorStore, state: SyncState,
                 emitter: ProgressEmitter, report: SyncReport, cancel: threading.Event, *,
                 max_bytes: int, chunk_tokens: int, chunk_overlap: int, cache: VectorCache | None = None,
                 ocr=None):
        self.lib, self.embedder, self.store, self.state = lib, embedder, store, state
        self.cache = cache  # identical passages embedded once
        self.emitter, self.progress, self.report = emitter, emitter.progress, report
        self.cancel = cancel
        self.ocr = ocr  # an ingest.scanned.OcrContext: this run reads the queued files' scanned pages
        self.max_bytes = max_bytes
        self.chunk_tokens, self.chunk_overlap = chunk_tokens, chunk_overlap
        self.added_chunks = 0  # embedded by this run (copied vectors are not counted)
        self._requeued: list[str] = []
        self._adoption_tried: set[str] = set()  # asked the server once: embedded if it lacked them
        self.group: list[str] = []  # upserted, not yet flushed and marked ok
        self.group_chunks = 0
        self.group_started = time.monotonic()

    # -- main loop -------------------------------------------------------------------------------

    def run(self, ingest, tokenizer) -> None:
        self.progress.phase = "ocr" if self.ocr is not None else "indexing"
        if self.ocr is None:
            self.emitter.indexing_started = time.monotonic()
        self.emitter.emit(force=True)
        stop_parsing = CancelOrStop(self.cancel)
        jobs: queue.Queue = queue.Queue(maxsize=JOB_QUEUE)
        parser = threading.Thread(target=self._parse_worker, args=(jobs, ingest, tokenizer, stop_parsing),
                                  name="strongroom-parse", daemon=True)
        parser.start()
        pending: list[FileJob] = []  # parsed, waiting for vectors
        finished = False
        try:
            while not self.cancel.is_set():
                waiting = sum(len(j.chunks) - len(j.vectors) for j in pending)
                if not finished and waiting < EMBED_BATCH:
                    try:
                        item = jobs.get(timeout=0.05 if pending else 0.25)
                    except queue.Empty:
                        item = False
                    if item is None:
                        finished = True
                    elif isinstance(item, Exception):
                        raise item
                    elif item is not False:
                        self._dispatch(item, pending)
                        continue
                    if item is False and not pending:
                        self.commit_group()
                        self.emitter.emit()  # a large file being read still shows which one
                        continue
                if not pending:
                    if finished:
                        break
                    continue
                self._embed_batch(pending)
                self.commit_group()
                self.emitter.emit()
        finally:
            # The parser stops at its next file; one slow parse is not waited for (it writes nothing).
            stop_parsing.stop()
            parser.join(timeout=0.3 if self.cancel.is_set() else 30)
            self.commit_group(force=True)
        if self._requeued and not self.cancel.is_set():
            for path in self._requeued:
                file_stat = os.stat(path)
                job = self._job_for_file(path, file_stat.st_size, file_stat.st_mtime_ns, ingest, tokenizer)
                self._dispatch(job, pending)
            while pending and not self.cancel.is_set():
                self._embed_batch(pending)
            self.commit_group(force=True)

    def _dispatch(self, job: FileJob, pending: list[FileJob]) -> None:
        if job.action is Action.EMBED:
            if job.chunks:
                pending.append(job)
            else:  # nothing to index (an empty file, a scan not read yet): remember it so it is not parsed again
                self._begin(job)
                self._finished(job, 0)
                self._report_indexed(job)
        elif job.action is Action.REUSE:
            self._write_reused(job)
        elif job.action is Action.TOUCH:
            self._write_touched(job)
        elif job.action is Action.ADOPT:
            self._write_adopted(job)
        elif job.action is Action.GONE:
            self._write_gone(job)
        else:
            self._write_failed(job)
        self.commit_group()
        self.emitter.emit()

    def _embed_batch(self, pending: list[FileJob]) -> None:
        texts, owners = [], []
        for job in pending:
            for c in job.chunks[len(job.vectors):]:
                if len(texts) == EMBED_BATCH:
                    break
                texts.append(c.text)
                owners.append(job)
        t0 = time.monotonic()
        if self.cache is None:
            vectors = self.embedder.embed_passages(texts)
        else:
            misses = self.cache.misses
            vectors = self.cache.embed(texts, self.embedder.embed_passages, [job.content_hash for job in owners])
            self.report.chunks_reused += len(texts) - (self.cache.misses - misses)
        self.emitter.embed_seconds += time.monotonic() - t0
        self.progress.chunks_embedded += len(texts)
        for job, vec in zip(owners, vectors):
            job.vectors.append(vec)
        current = owners[-1]
        self.progress.current_file = current.path
        self.progress.file_chunks_done, self.progress.file_chunks_total = len(current.vectors), len(current.chunks)
        for job in [j for j in pending if len(j.vectors) == len(j.chunks)]:
            pending.remove(job)
            self._write_embedded(job)

    # -- parser thread ---------------------------------------------------------------------------

    def _parse_worker(self, out: queue.Queue, ingest, tokenizer, stop: CancelOrStop) -> None:
        try:
            offset = 0
            while not stop.is_set():
                rows = self.state.todo_after(offset, TODO_PAGE)
                if not rows:
                    break
                offset += len(rows)
                for path, size, mtime_ns in rows:
                    if stop.is_set():
                        break
                    job = self._job_for_file(path, size, mtime_ns, ingest, tokenizer)
                    self.progress.reading_file = ""
                    if job is None:  # cancelled while its scanned pages were read: done next sync
                        break
                    while not stop.is_set():
                        try:
                            out.put(job, timeout=0.2)
                            break
                        except queue.Full:
                            continue
        except Exception as exc:  # noqa: BLE001 - surfaced in the worker thread
            out.put(exc)
        finally:
            try:
                out.put(None, timeout=1)
            except queue.Full:
                pass  # cancelled: nobody is reading any more

    def _job_for_file(self, path: str, size: int, mtime_ns: int, ingest, tokenizer) -> FileJob | None:
        """Decides what a new or changed file needs; when that is embedding, parses and chunks it.
        None: the OCR pass was cancelled while reading it."""
        job = FileJob(Action.FAIL, path, size, mtime_ns)
        if size > self.max_bytes:
            job.reason = too_large_reason(size, self.max_bytes // (1024 * 1024))
            return job
        try:
            job.content_hash = file_hash(path)
        except FileNotFoundError:
            job.action = Action.GONE
            return job
        except OSError as exc:
            job.reason = read_error_reason(exc)
            return job
        row = self.state.file_row(path)
        if self.ocr is None and row and row.content_hash == job.content_hash and row.settled:
            job.action = Action.TOUCH
            return job
        source = self.state.ok_path_with_hash(job.content_hash, path) if self.ocr is None else None
        if source:
            job.action, job.source = Action.REUSE, source
            return job
        if self.ocr is None and self.lib.on_server and path not in self._adoption_tried:
            self._adoption_tried.add(path)
            job.action = Action.ADOPT  # the sync's thread asks the server (the store is not shared with this one)
            return job
        self.progress.reading_file = path
        try:
            if self.ocr is None:
                doc = ingest.parse_file(Path(path), self.max_bytes)
            else:
                self.progress.ocr_file = path
                doc = ingest.parse_file(Path(path), self.max_bytes, ocr=self.ocr)
        except ingest.OcrCancelled:
            return None
        except ingest.ParseError as exc:
            job.reason = getattr(exc, "reason", "") or str(exc)
            return job
        except OSError as exc:
            job.reason = read_error_reason(exc)
            return job
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the library
            log.error("unexpected parser failure on %s: %s", logs.ref(path), logs.error_kind(exc))
            job.reason = f"this file could not be read ({type(exc).__name__})"
            return job
        job.action = Action.EMBED
        job.document_kind = doc.kind
        job.title = doc.title or ""
        job.needs_ocr = list(doc.needs_ocr_pages)
        job.unreadable = list(doc.unreadable_pages)
        job.chunks = ingest.chunk_document(doc, tokenizer, max_tokens=self.chunk_tokens, overlap=self.chunk_overlap)
        self.progress.files_parsed += 1
        return job

    # -- writing ---------------------------------------------------------------------------------

    def _begin(self, job: FileJob) -> None:
        """Marks the file in progress (committed) and clears its old points; DiskFull first when the
        disk has no room left to write the shard safely."""
        ensure_room(self.lib.shard_dir, self.lib.name)
        self.state.mark_in_progress(job.path, job.size, job.mtime_ns, job.content_hash, len(job.chunks),
                                    job.document_kind, job.needs_ocr, job.unreadable)
        self.state.commit()
        self.store.delete_file(job.path)

    def _write_embedded(self, job: FileJob) -> None:
        self._begin(job)
        points = [ChunkPoint(chunk_id(self.lib.id, job.path, job.content_hash, c.index), v, c.text,
                             chunk_payload(self.lib.name, job, c))
                  for c, v in zip(job.chunks, job.vectors)]
        self.store.upsert(points)
        self._finished(job, len(points))
        self._report_indexed(job)

    def _report_indexed(self, job: FileJob) -> None:
        if self.ocr is None:
            self.report.indexed.append(job.path)
        else:  # indexed again with its scanned pages read
            self.report.scanned.append(job.path)
            self.report.needs_ocr = [n for n in self.report.needs_ocr if n["file"] != job.path]
        if job.needs_ocr:
            self.report.needs_ocr.append({"file": job.path, "pages": job.needs_ocr})
        if job.unreadable:
            self.report.unreadable.append({"file": job.path, "pages": job.unreadable})

    def _write_reused(self, job: FileJob) -> None:
        stored = [(pid, vec, payload) for pid, vec, payload in self.store.points_with_hash(job.content_hash)
                  if payload.get("file") == job.source]
        if not stored:  # the state said indexed, the shard disagrees: embed it after all
            log.warning("no stored vectors for %s; indexing %s from scratch", logs.ref(job.source), logs.ref(job.path))
            self.state.delete(job.source)
            self._requeued.append(job.path)
            return
        first = stored[0][2]
        job.document_kind, job.title = first.get("kind", ""), first.get("title", "")
        job.needs_ocr, job.unreadable = self.state.ocr_state(job.source)
        job.chunks = stored
        self._begin(job)
        points = []
        for _, vec, payload in stored:
            text = payload.pop("text", "")
            payload = moved_payload(payload, self.lib.name, job)
            point_id = chunk_id(self.lib.id, job.path, job.content_hash, payload.get("chunk", 0))
            points.append(ChunkPoint(point_id, vec, text, payload))
        self.store.upsert(points)
        self._finished(job, len(points), embedded=False)
        self.report.moved.append(job.path)
        if job.needs_ocr:
            self.report.needs_ocr.append({"file": job.path, "pages": job.needs_ocr})
        if job.unreadable:
            self.report.unreadable.append({"file": job.path, "pages": job.unreadable})

    def _write_adopted(self, job: FileJob) -> None:
        """Another workstation indexed this file, as it is here, into the library on the firm's server:
        its chunks are recorded, not embedded again. Anything less than the whole file is embedded."""
        payloads = [payload for _, _, payload in self.store.points_with_hash(job.content_hash, with_vectors=False)
                    if payload.get("file") == job.path]  # the payloads say it all: no vectors over the network
        if not payloads or sorted(p.get("chunk") for p in payloads) != list(range(len(payloads))):
            self._requeued.append(job.path)
            return
        pending = payloads[0].get("needs_ocr")  # the server's word: kept only when it is a list of page numbers
        if not (isinstance(pending, list) and len(pending) <= MAX_PAGES
                and all(isinstance(p, int) and not isinstance(p, bool) and 0 < p <= MAX_PAGES for p in pending)):
            pending = []
        self.state.mark_adopted(job.path, job.size, job.mtime_ns, job.content_hash, len(payloads),
                                str(payloads[0].get("kind", "")), pending)
        self.progress.files_embedded += 1
        self.report.adopted.append(job.path)

    def _write_touched(self, job: FileJob) -> None:
        self.state.update_timestamp(job.path, job.size, job.mtime_ns)
        self.report.unchanged += 1
        self.progress.files_embedded += 1

    def _write_gone(self, job: FileJob) -> None:
        self.store.delete_file(job.path)
        self.state.delete(job.path)
        self.report.removed.append(job.path)
        self.progress.files_embedded += 1

    def _write_failed(self, job: FileJob) -> None:
        if self.state.file_row(job.path):
            self.store.delete_file(job.path)  # its old version must not answer questions
        self.state.mark_failed(job.path, job.size, job.mtime_ns, job.content_hash, job.reason)
        self.report.failed.append({"file": job.path, "reason": job.reason})
        self.progress.files_failed += 1
        self.progress.files_embedded += 1

    def _finished(self, job: FileJob, chunks: int, embedded: bool = True) -> None:
        self.group.append(job.path)
        self.group_chunks += chunks
        if embedded:
            self.added_chunks += chunks
        self.progress.files_embedded += 1
        self.progress.current_file = job.path

    def commit_group(self, force: bool = False) -> None:
        due = self.group_chunks >= COMMIT_CHUNKS or time.monotonic() - self.group_started >= COMMIT_SECONDS
        if not (force or due):
            return
        if self.group:
            self.store.flush()
            self.state.mark_ok(self.group)
        self.state.commit()
        if self.cache is not None:
            self.cache.commit()
        self.group, self.group_chunks, self.group_started = [], 0, time.monotonic()
