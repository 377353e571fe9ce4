"""Keeps a library's index equal to its folders: scan, diff, parse, embed, upsert, remove.

The order that makes it crash-safe (kill -9 at any point, then run again):
  1. a file's row is marked `in_progress` (committed) before any of its points are written;
  2. its points are upserted, the shard is flushed, then the row becomes `ok` (committed);
  3. on start, every `in_progress` file has its points deleted and is indexed again.
Chunk ids are uuid5(library, path, content hash, chunk index): re-indexing is idempotent.
A file whose content hash is already indexed (moved, renamed or copied) gets the stored
vectors copied under its new path instead of being embedded again.

Threads: `sync_library` runs in the caller's worker thread, which owns the store; a parser
thread (pipeline.py) feeds it parsed chunks so parsing overlaps embedding. Progress is a plain
callback (called from the worker thread, at most ~5 times a second); cancel is a threading.Event,
checked between embedding batches (well under a second apart).

The parts: scanner.py walks the folders, sync_state.py is the per-file state, pipeline.py
parses, embeds and writes, jobs.py and content_ids.py describe what is written.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from app.core.index.edge_store import EdgeStore, remove_shard
from app.core.index.embedder import Embedder
from app.core.index.store import VectorStore
from app.core.library.disk_errors import DiskFull, ensure_room, is_disk_full
from app.core.library.libraries import Library, LibraryManager
from app.core.library.ocr_pass import read_scanned_pages
from app.core.library.pipeline import IndexPipeline
from app.core.library.scanner import scan
from app.core.library.sync_progress import ProgressCallback, ProgressEmitter, SyncReport
from app.core.library.vector_cache import VectorCache
from app.core.library.sync_state import SyncState, content_hashes
from app.core.foundation import logs

log = logging.getLogger(__name__)

OPTIMIZE_AFTER = 2000  # chunks added in one run before the HNSW build is worth it
VECTOR_CACHE = "vectors.sqlite3"  # vector_cache.VectorCache, in the library folder


def open_library_store(lib: Library, dimensions: int, settings=None) -> VectorStore:
    """The library's shard, opened; DiskFull (plain words) when its disk has no room to load it.
    A library on the firm's server: its collection there, connected now (server_library.py)."""
    if lib.on_server:
        from app.core.foundation.settings import Settings
        from app.core.library.server_library import open_server_store

        return open_server_store(lib, dimensions, settings or Settings())
    ensure_room(lib.shard_dir, lib.name)
    return EdgeStore(lib.shard_dir, dimensions, name=lib.name)


def _roll_back_interrupted(state: SyncState, store: VectorStore) -> None:
    """Deletes the points of files a killed sync left `in_progress`; the scan then queues them again."""
    paths = state.in_progress_paths()
    for path in paths:
        store.delete_file(path)
    if paths:
        store.flush()
        for path in paths:
            state.delete(path)
        state.commit()
        log.info("finished an interrupted sync: %d half-written file(s) rolled back", len(paths))


def _scan_for_changes(lib: Library, state: SyncState, is_supported, cancel: threading.Event,
                      emitter: ProgressEmitter, report: SyncReport) -> list[str]:
    """Queues the new and changed files in the sync state; returns the folders that could not be read."""
    progress = emitter.progress
    unreadable: list[str] = []
    queued = 0
    for entry in scan(lib.folders, lib.include, lib.exclude, is_supported, cancel):
        if entry.error:
            if os.path.isdir(entry.path) or entry.path in lib.folders:
                unreadable.append(entry.path)
            report.failed.append({"file": entry.path, "reason": entry.error})
            progress.files_failed += 1
            continue
        if not state.mark_seen(entry.path):
            continue  # reached twice (overlapping folders)
        progress.files_scanned += 1
        row = state.file_row(entry.path)
        if row and row.size == entry.size and row.mtime_ns == entry.mtime_ns and row.settled:
            report.unchanged += 1
        else:
            queued += 1
            state.add_todo(entry.path, entry.size, entry.mtime_ns)
        emitter.emit()
    progress.files_to_index = queued
    return unreadable


def _remove_deleted(state: SyncState, store: VectorStore, unreadable: list[str], cancel: threading.Event,
                    emitter: ProgressEmitter, report: SyncReport) -> None:
    emitter.progress.phase = "removing"
    emitter.emit(force=True)
    if cancel.is_set():
        return
    gone = state.unseen_paths()
    # An unreachable share or unreadable folder is not a deletion: keep what was indexed from it.
    kept = tuple(d.rstrip(os.sep) + os.sep for d in unreadable)
    gone = [g for g in gone if not (kept and g.startswith(kept))]
    if cancel.is_set():
        return
    for path in gone:
        store.delete_file(path)
    if gone:
        store.flush()
        for path in gone:
            state.delete(path)
        state.commit()
    report.removed.extend(gone)


def sync_library(lib: Library, embedder: Embedder, *, store: VectorStore | None = None,
                 progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
                 settings=None, manager=None, ingest_module=None) -> SyncReport:
    """Brings `lib`'s index up to date with its folders. Blocking: call it from a worker thread.

    `store`: pass the library's open store when the caller also searches it (a shard opens once
    per process); otherwise the shard is opened here and closed at the end.
    `ingest_module`: defaults to app.core.library.ingest (parse_file, chunk_document, supported, ...).
    """
    if ingest_module is None:
        from app.core.library import ingest as ingest_module
    ingest = ingest_module
    from app.core.foundation.settings import Settings

    settings = settings or Settings()
    manager = manager or LibraryManager(lib.root.parent)
    cancel = cancel or threading.Event()
    started = time.monotonic()
    rebuilt = False
    if lib.embedding_model and lib.embedding_model != embedder.id and not lib.on_server:
        if store is not None:
            raise RuntimeError("the library must be rebuilt for the new embedding model: close its store first")
        log.info("library %s was built with %s; rebuilding for %s", lib.id, lib.embedding_model, embedder.id)
        remove_shard(lib.shard_dir)
        lib.state_db.unlink(missing_ok=True)
        for name in (VECTOR_CACHE, VECTOR_CACHE + "-wal", VECTOR_CACHE + "-shm"):
            (lib.root / name).unlink(missing_ok=True)
        rebuilt = True
    own_store = store is None
    state = cache = None
    server = None
    try:
        if own_store:
            store = open_library_store(lib, embedder.dimensions, settings)
        if lib.on_server:  # one indexer at a time: the lease is held until the end (server_library.py)
            from app.core.library.server_library import ServerIndexing

            server = ServerIndexing(lib, store, embedder, cancel)
            progress = server.start(progress)
        state = SyncState(lib.state_db)
        cache = VectorCache(lib.root / VECTOR_CACHE, embedder.id, embedder.dimensions)
        if lib.embedding_model != embedder.id:
            lib.embedding_model = embedder.id
            manager.save(lib)
        emitter = ProgressEmitter(progress)
        report = SyncReport(library=lib.name, rebuilt=rebuilt)
        pipeline = IndexPipeline(lib, embedder, store, state, emitter, report, cancel,
                                 max_bytes=int(settings.get("libraries.max_file_mb")) * 1024 * 1024,
                                 chunk_tokens=int(settings.get("retrieval.chunk_tokens")),
                                 chunk_overlap=int(settings.get("retrieval.chunk_overlap")), cache=cache)
        _roll_back_interrupted(state, store)
        emitter.emit(force=True)
        unreadable = _scan_for_changes(lib, state, ingest.supported, cancel, emitter, report)
        if emitter.progress.files_to_index and not cancel.is_set():
            tokenizer = embedder.chunk_tokenizer()
            pipeline.run(ingest, tokenizer)
        read_scanned_pages(pipeline, settings, ingest, embedder.chunk_tokenizer)  # OCR, after the text files
        if not cancel.is_set():
            _remove_deleted(state, store, unreadable, cancel, emitter, report)
        if server is not None:
            server.remove_unseen(state, report)
        if pipeline.added_chunks >= OPTIMIZE_AFTER and not cancel.is_set():
            emitter.progress.phase = "optimizing"
            emitter.emit(force=True)
            store.optimize()
        if not cancel.is_set():
            state.record_last_sync(time.time())
            state.commit()
            if report.indexed or report.removed or report.failed or report.moved or report.scanned:
                # a file's content left the library: what only it had goes from the caches
                live = content_hashes(lib.state_db)
                if live is not None:
                    cache.prune(live)
                manager.forget_unused_ocr_pages()
        report.cancelled = cancel.is_set()
        report.chunks = store.count()
        report.seconds = round(time.monotonic() - started, 3)
        emitter.progress.phase = "cancelled" if cancel.is_set() else "done"
        emitter.emit(force=True)
        if server is not None:
            server.finish()
        return report
    except DiskFull:
        log.error("library %s: disk full while indexing", lib.id)
        raise
    except Exception as exc:
        if is_disk_full(exc, lib.shard_dir):
            log.error("library %s: disk full while indexing", lib.id)
            raise DiskFull(lib.name) from exc
        raise
    finally:
        opened = [server, state, cache, store if own_store else None]
        for close in [part.close for part in opened if part is not None]:
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - a failing close (disk full) must not hide the first error
                log.warning("library %s: closing after sync failed: %s", lib.id, logs.error_kind(exc))
