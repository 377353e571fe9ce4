"""Keeps a library's index equal to its folders: scan, diff, parse, embed, upsert, remove.

The order that makes it crash-safe (kill -9 at any point, then run again):
  1. a file's row is marked `in_progress` (committed) before any of its points are written;
  2. its points are upserted, the shard is flushed, then the row becomes `ok` (committed);
  3. on start, every `in_progress` file has its points deleted and is indexed again.
Chunk ids are uuid5(library, path, content hash, chunk index): re-indexing is idempotent.
A file whose content hash is already indexed (moved, renamed or copied) gets the stored
vectors copied under its new path instead of being embedded again.

Threads: `sync_library` runs in the caller's worker thread, which owns the store; a parser
thread feeds it parsed chunks so parsing overlaps embedding. Progress is a plain callback
(called from the worker thread, at most ~5 times a second); cancel is a threading.Event,
checked between embedding batches (well under a second apart).
"""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import json
import logging
import os
import queue
import sqlite3
import stat
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from app.core.index.embedder import Embedder
from app.core.library.libraries import Library, LibraryManager
from app.core.index.edge_store import EdgeStore, remove_shard
from app.core.index.store import ChunkPoint, StoreError, VectorStore, folder_chain

log = logging.getLogger(__name__)

CHUNK_NAMESPACE = uuid.UUID("5b0f5d0e-8f6c-4a53-9d8f-3f1f2a6c7e10")
EMBED_BATCH = 16  # texts per embedding call: bounds cancel latency (about 0.2 s on 2 cores)
COMMIT_SECONDS = 2.0  # flush the shard and commit finished files at least this often
COMMIT_CHUNKS = 1024
OPTIMIZE_AFTER = 2000  # chunks added in one run before the HNSW build is worth it
HASH_BLOCK = 1 << 20
SKIP_NAMES = ("~$*", ".~lock.*", "*.tmp", "Thumbs.db", "desktop.ini")  # editors' lock and temp files


# ---------------------------------------------------------------------------------------------
# Progress and result
# ---------------------------------------------------------------------------------------------


@dataclass
class SyncProgress:
    phase: str = "scanning"  # scanning, indexing, removing, optimizing, done, cancelled
    files_scanned: int = 0
    files_to_index: int = 0  # new or changed files found by the scan
    files_parsed: int = 0
    files_embedded: int = 0  # finished (indexed, moved or failed)
    files_failed: int = 0
    chunks_embedded: int = 0
    chunks_per_second: float = 0.0
    eta_seconds: float | None = None
    current_file: str = ""
    elapsed: float = 0.0


ProgressCallback = Callable[[SyncProgress], None]


@dataclass
class SyncReport:
    library: str
    indexed: list[str] = field(default_factory=list)  # new or changed, embedded
    moved: list[str] = field(default_factory=list)  # new paths whose vectors were reused
    removed: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"file", "reason"}
    needs_ocr: list[dict] = field(default_factory=list)  # {"file", "pages"}
    unchanged: int = 0
    chunks: int = 0  # in the library after the run
    seconds: float = 0.0
    cancelled: bool = False
    rebuilt: bool = False  # the embedding model changed, so the index was rebuilt

    def to_json(self) -> dict:
        return asdict(self)


class SyncCancelled(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Sync state (SQLite, WAL)
# ---------------------------------------------------------------------------------------------


class SyncState:
    """Per-file state of one library; only `sync_library`'s thread writes it."""

    def __init__(self, path: Path):
        self.con = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.executescript(
            """
            CREATE TABLE IF NOT EXISTS files (
                path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, hash TEXT, chunks INTEGER DEFAULT 0,
                status TEXT, reason TEXT DEFAULT '', kind TEXT DEFAULT '', needs_ocr TEXT DEFAULT '[]',
                indexed_at REAL);
            CREATE INDEX IF NOT EXISTS files_hash ON files(hash);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TEMP TABLE seen (path TEXT PRIMARY KEY);
            CREATE TEMP TABLE todo (n INTEGER PRIMARY KEY, path TEXT, size INTEGER, mtime_ns INTEGER);
            """
        )
        self.lock = threading.Lock()  # the parser thread reads through the same connection

    def row(self, path: str):
        with self.lock:
            return self.con.execute(
                "SELECT size, mtime_ns, hash, status, chunks FROM files WHERE path=?", (path,)).fetchone()

    def ok_path_with_hash(self, content_hash: str, not_path: str) -> str | None:
        with self.lock:
            row = self.con.execute(
                "SELECT path FROM files WHERE hash=? AND status='ok' AND path!=? AND chunks>0 LIMIT 1",
                (content_hash, not_path)).fetchone()
        return row[0] if row else None

    def put(self, path: str, size: int, mtime_ns: int, content_hash: str, status: str, chunks: int = 0,
            reason: str = "", kind: str = "", needs_ocr=()) -> None:
        with self.lock:
            self.con.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?)",
                (path, size, mtime_ns, content_hash, chunks, status, reason, kind, json.dumps(list(needs_ocr)), time.time()))

    def set_status(self, paths: list[str], status: str) -> None:
        with self.lock:
            self.con.executemany("UPDATE files SET status=? WHERE path=?", [(status, p) for p in paths])

    def delete(self, path: str) -> None:
        with self.lock:
            self.con.execute("DELETE FROM files WHERE path=?", (path,))

    def commit(self) -> None:
        with self.lock:
            self.con.commit()

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self.con.close()


# ---------------------------------------------------------------------------------------------
# Scanner
# ---------------------------------------------------------------------------------------------


@dataclass
class ScanEntry:
    path: str
    size: int = 0
    mtime_ns: int = 0
    error: str = ""  # set when the entry could not be read; the reason is for the user


def _matches(patterns, name: str, rel: str) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def scan(folders: list[str], include=(), exclude=(), is_supported: Callable[[Path], bool] | None = None,
         cancel: threading.Event | None = None) -> Iterator[ScanEntry]:
    """Streams the files under `folders`, depth first: one directory listing in memory at a time.

    Hidden entries and editors' lock files are skipped; symlinked folders are followed once
    (a link back to an ancestor is reported as a loop); unreadable folders and broken links
    are reported with a reason instead of stopping the scan.
    """
    visited: set[tuple[int, int]] = set()
    for root in folders:
        try:
            st = os.stat(root)
        except OSError as exc:
            yield ScanEntry(root, error=f"the folder cannot be reached ({exc.strerror or exc})")
            continue
        visited.add((st.st_dev, st.st_ino))
        stack = [root]
        while stack:
            if cancel is not None and cancel.is_set():
                return
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except PermissionError:
                yield ScanEntry(folder, error="permission denied: this folder cannot be read")
                continue
            except OSError as exc:
                yield ScanEntry(folder, error=f"this folder cannot be read ({exc.strerror or exc})")
                continue
            subdirs = []
            for entry in entries:
                name = entry.name
                if name.startswith(".") or _matches(SKIP_NAMES, name, name):
                    continue
                rel = os.path.relpath(entry.path, root).replace(os.sep, "/")
                try:
                    if entry.is_dir(follow_symlinks=True):
                        if exclude and _matches(exclude, name, rel):
                            continue
                        st = entry.stat(follow_symlinks=True)
                        key = (st.st_dev, st.st_ino)
                        if key in visited:
                            if entry.is_symlink():
                                target = os.path.realpath(entry.path)
                                if os.path.realpath(folder).startswith(target.rstrip(os.sep) + os.sep) or os.path.realpath(folder) == target:
                                    yield ScanEntry(entry.path, error="symlink loop: this link points back to a folder that contains it")
                            continue
                        visited.add(key)
                        subdirs.append(entry.path)
                        continue
                    if entry.is_symlink() and not os.path.exists(entry.path):
                        yield ScanEntry(entry.path, error="broken link: the file it points to does not exist")
                        continue
                    if not entry.is_file(follow_symlinks=True):
                        continue  # sockets, fifos, devices
                    if include and not _matches(include, name, rel):
                        continue
                    if exclude and _matches(exclude, name, rel):
                        continue
                    if is_supported is not None and not is_supported(Path(entry.path)):
                        continue
                    st = entry.stat(follow_symlinks=True)
                    yield ScanEntry(entry.path, st.st_size, st.st_mtime_ns)
                except FileNotFoundError:
                    continue  # vanished between the listing and the stat: it simply is not there
                except PermissionError:
                    yield ScanEntry(entry.path, error="permission denied")
                except OSError as exc:
                    if exc.errno == 40:  # ELOOP
                        yield ScanEntry(entry.path, error="symlink loop: this link points back to itself")
                    else:
                        yield ScanEntry(entry.path, error=f"cannot be read ({exc.strerror or exc})")
            stack.extend(reversed(subdirs))


def file_hash(path: str) -> str:
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        while block := fh.read(HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def chunk_id(library_id: str, path: str, content_hash: str, index: int) -> str:
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{library_id}\0{path}\0{content_hash}\0{index}"))


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied: the file cannot be read"
    if isinstance(exc, FileNotFoundError):
        return "the file disappeared while it was being indexed"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a file"
    return f"the file cannot be read ({exc.strerror or exc})"


# ---------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------


@dataclass
class _Job:
    kind: str  # "chunks", "reuse", "touch", "failed", "gone"
    path: str
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    reason: str = ""
    source: str = ""  # reuse: the indexed path with the same content
    doc_kind: str = ""
    title: str = ""
    needs_ocr: list = field(default_factory=list)
    chunks: list = field(default_factory=list)
    vectors: list = field(default_factory=list)


def _payload(lib: Library, job: _Job, chunk) -> dict:
    return {
        "library": lib.name, "file": job.path, "file_name": os.path.basename(job.path),
        "dirs": folder_chain(job.path), "page": chunk.page, "heading": chunk.heading,
        "char_start": chunk.char_start, "char_end": chunk.char_end, "block_index": chunk.block_index,
        "chunk": chunk.index, "title": job.title, "mtime": job.mtime_ns / 1e9, "kind": job.doc_kind,
        "content_hash": job.content_hash,
    }


class _Either:
    """Set by the caller's cancel or by the worker itself (when it stops for another reason)."""

    def __init__(self, cancel: threading.Event):
        self.cancel, self.own = cancel, threading.Event()

    def is_set(self) -> bool:
        return self.cancel.is_set() or self.own.is_set()

    def set(self) -> None:
        self.own.set()


def open_library_store(lib: Library, dimensions: int) -> EdgeStore:
    return EdgeStore(lib.shard_dir, dimensions, name=lib.name)


class _Syncer:
    def __init__(self, lib: Library, embedder: Embedder, store: VectorStore, state: SyncState,
                 progress: ProgressCallback | None, cancel: threading.Event, max_bytes: int,
                 chunk_tokens: int, chunk_overlap: int):
        self.lib, self.embedder, self.store, self.state = lib, embedder, store, state
        self.cancel = cancel
        self.max_bytes = max_bytes
        self.chunk_tokens, self.chunk_overlap = chunk_tokens, chunk_overlap
        self.callback = progress
        self.p = SyncProgress()
        self.report = SyncReport(library=lib.name)
        self.started = time.monotonic()
        self._last_emit = 0.0
        self._embed_seconds = 0.0
        self._index_started: float | None = None
        self._requeued: list[str] = []
        self.unreadable: list[str] = []  # folders that could not be listed: their files are kept
        self.added_chunks = 0
        self.group: list[str] = []  # upserted, not yet flushed and marked ok
        self.group_chunks = 0
        self.group_started = time.monotonic()

    def emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.callback is None or (not force and now - self._last_emit < 0.2):
            return
        self._last_emit = now
        p = self.p
        p.elapsed = now - self.started
        p.chunks_per_second = p.chunks_embedded / self._embed_seconds if self._embed_seconds else 0.0
        done = p.files_embedded
        indexing_time = now - self._index_started if self._index_started else 0.0
        if done and p.files_to_index and indexing_time:
            p.eta_seconds = max(0.0, (p.files_to_index - done) * indexing_time / done)
        try:
            self.callback(SyncProgress(**asdict(p)))
        except Exception:  # noqa: BLE001 - a broken listener must not break indexing
            log.exception("progress callback failed")

    # -- recovery --------------------------------------------------------------------------------

    def recover(self) -> None:
        rows = self.state.con.execute("SELECT path FROM files WHERE status='in_progress'").fetchall()
        for (path,) in rows:
            self.store.delete_file(path)
        if rows:
            self.store.flush()
            for (path,) in rows:
                self.state.delete(path)
            self.state.commit()
            log.info("finished an interrupted sync: %d half-written file(s) rolled back", len(rows))

    # -- scan and diff ---------------------------------------------------------------------------

    def scan_and_diff(self, is_supported) -> None:
        st = self.state
        n = 0
        for entry in scan(self.lib.folders, self.lib.include, self.lib.exclude, is_supported, self.cancel):
            if entry.error:
                if os.path.isdir(entry.path) or entry.path in self.lib.folders:
                    self.unreadable.append(entry.path)
                self.report.failed.append({"file": entry.path, "reason": entry.error})
                self.p.files_failed += 1
                continue
            with st.lock:
                if st.con.execute("INSERT OR IGNORE INTO seen VALUES (?)", (entry.path,)).rowcount == 0:
                    continue  # reached twice (overlapping folders)
            self.p.files_scanned += 1
            row = st.row(entry.path)
            if row and row[0] == entry.size and row[1] == entry.mtime_ns and row[3] in ("ok", "failed"):
                self.report.unchanged += 1
            else:
                n += 1
                with st.lock:
                    st.con.execute("INSERT INTO todo VALUES (?,?,?,?)", (n, entry.path, entry.size, entry.mtime_ns))
            self.emit()
        self.p.files_to_index = n

    # -- parser thread ---------------------------------------------------------------------------

    def parse_worker(self, out: queue.Queue, ingest, tokenizer) -> None:
        try:
            offset = 0
            while not self._halt.is_set():
                with self.state.lock:
                    rows = self.state.con.execute(
                        "SELECT path, size, mtime_ns FROM todo WHERE n > ? ORDER BY n LIMIT 256", (offset,)).fetchall()
                if not rows:
                    break
                offset += len(rows)
                for path, size, mtime_ns in rows:
                    if self._halt.is_set():
                        break
                    job = self.prepare(path, size, mtime_ns, ingest, tokenizer)
                    while not self._halt.is_set():
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

    def prepare(self, path: str, size: int, mtime_ns: int, ingest, tokenizer) -> _Job:
        job = _Job("failed", path, size, mtime_ns)
        if size > self.max_bytes:
            job.reason = f"larger than the {self.max_bytes // (1024 * 1024)} MB limit (retrieval.max_file_mb)"
            return job
        try:
            job.content_hash = file_hash(path)
        except FileNotFoundError:
            job.kind = "gone"
            return job
        except OSError as exc:
            job.reason = _os_reason(exc)
            return job
        row = self.state.row(path)
        if row and row[2] == job.content_hash and row[3] in ("ok", "failed"):
            job.kind = "touch"  # only the timestamp changed
            return job
        source = self.state.ok_path_with_hash(job.content_hash, path)
        if source:
            job.kind, job.source = "reuse", source
            return job
        try:
            doc = ingest.parse_file(Path(path), self.max_bytes)
        except ingest.ParseError as exc:
            job.reason = getattr(exc, "reason", "") or str(exc)
            return job
        except OSError as exc:
            job.reason = _os_reason(exc)
            return job
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the library
            log.exception("unexpected parser failure on %s", path)
            job.reason = f"this file could not be read ({type(exc).__name__})"
            return job
        job.kind = "chunks"
        job.doc_kind = doc.kind
        job.title = doc.title or ""
        job.needs_ocr = list(doc.needs_ocr_pages)
        job.chunks = ingest.chunk_document(doc, tokenizer, max_tokens=self.chunk_tokens, overlap=self.chunk_overlap)
        self.p.files_parsed += 1
        return job

    # -- writing ---------------------------------------------------------------------------------

    def _begin(self, job: _Job) -> None:
        """Marks the file in progress (committed) and clears its old points."""
        self.state.put(job.path, job.size, job.mtime_ns, job.content_hash, "in_progress", len(job.chunks),
                       kind=job.doc_kind, needs_ocr=job.needs_ocr)
        self.state.commit()
        self.store.delete_file(job.path)

    def write_chunks(self, job: _Job) -> None:
        self._begin(job)
        points = [ChunkPoint(chunk_id(self.lib.id, job.path, job.content_hash, c.index), v, c.text, _payload(self.lib, job, c))
                  for c, v in zip(job.chunks, job.vectors)]
        self.store.upsert(points)
        self._added(job, len(points))
        self.report.indexed.append(job.path)
        if job.needs_ocr:
            self.report.needs_ocr.append({"file": job.path, "pages": job.needs_ocr})

    def write_reuse(self, job: _Job) -> None:
        stored = [(pid, vec, pl) for pid, vec, pl in self.store.points_with_hash(job.content_hash)
                  if pl.get("file") == job.source]
        if not stored:  # the state said indexed, the shard disagrees: embed it after all
            log.warning("no stored vectors for %s; indexing %s from scratch", job.source, job.path)
            self.state.delete(job.source)
            return self.requeue(job)
        first = stored[0][2]
        job.doc_kind, job.title = first.get("kind", ""), first.get("title", "")
        with self.state.lock:
            row = self.state.con.execute("SELECT needs_ocr FROM files WHERE path=?", (job.source,)).fetchone()
        job.needs_ocr = json.loads(row[0]) if row else []
        job.chunks = stored
        self._begin(job)
        points = []
        for _, vec, pl in stored:
            text = pl.pop("text", "")
            pl.update(file=job.path, file_name=os.path.basename(job.path), dirs=folder_chain(job.path),
                      mtime=job.mtime_ns / 1e9, library=self.lib.name)
            points.append(ChunkPoint(chunk_id(self.lib.id, job.path, job.content_hash, pl.get("chunk", 0)), vec, text, pl))
        self.store.upsert(points)
        self._added(job, len(points), embedded=False)
        self.report.moved.append(job.path)
        if job.needs_ocr:
            self.report.needs_ocr.append({"file": job.path, "pages": job.needs_ocr})

    def requeue(self, job: _Job) -> None:
        self._requeued.append(job.path)

    def _added(self, job: _Job, n: int, embedded: bool = True) -> None:
        self.group.append(job.path)
        self.group_chunks += n
        if embedded:
            self.added_chunks += n
        self.p.files_embedded += 1
        self.p.current_file = job.path

    def write_small(self, job: _Job) -> None:
        if job.kind == "touch":
            with self.state.lock:
                self.state.con.execute("UPDATE files SET size=?, mtime_ns=? WHERE path=?", (job.size, job.mtime_ns, job.path))
            self.report.unchanged += 1
        elif job.kind == "gone":
            self.store.delete_file(job.path)
            self.state.delete(job.path)
            self.report.removed.append(job.path)
        elif job.kind == "failed":
            if self.state.row(job.path):
                self.store.delete_file(job.path)  # its old version must not answer questions
            self.state.put(job.path, job.size, job.mtime_ns, job.content_hash, "failed", reason=job.reason)
            self.report.failed.append({"file": job.path, "reason": job.reason})
            self.p.files_failed += 1
        self.p.files_embedded += 1

    def commit_group(self, force: bool = False) -> None:
        due = self.group_chunks >= COMMIT_CHUNKS or time.monotonic() - self.group_started >= COMMIT_SECONDS
        if not (force or due):
            return
        if self.group:
            self.store.flush()
            self.state.set_status(self.group, "ok")
        self.state.commit()
        self.group, self.group_chunks, self.group_started = [], 0, time.monotonic()

    # -- main loop -------------------------------------------------------------------------------

    def index(self, ingest, tokenizer) -> None:
        self.p.phase = "indexing"
        self._index_started = time.monotonic()
        self._halt = _Either(self.cancel)
        self.emit(force=True)
        jobs: queue.Queue = queue.Queue(maxsize=64)
        parser = threading.Thread(target=self.parse_worker, args=(jobs, ingest, tokenizer), name="strongroom-parse", daemon=True)
        parser.start()
        pending: list[_Job] = []  # parsed, waiting for vectors
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
                        self.dispatch(item, pending)
                        continue
                    if item is False and not pending:
                        self.commit_group()
                        continue
                if not pending:
                    if finished:
                        break
                    continue
                self.embed_batch(pending)
                self.commit_group()
                self.emit()
        finally:
            # The parser stops at its next file; one slow parse is not waited for (it writes nothing).
            self._halt.set()
            parser.join(timeout=0.3 if self.cancel.is_set() else 30)
            self.commit_group(force=True)
        if self._requeued and not self.cancel.is_set():
            for path in self._requeued:
                st = os.stat(path)
                job = self.prepare(path, st.st_size, st.st_mtime_ns, ingest, tokenizer)
                self.dispatch(job, pending)
            while pending and not self.cancel.is_set():
                self.embed_batch(pending)
            self.commit_group(force=True)

    def dispatch(self, job: _Job, pending: list[_Job]) -> None:
        if job.kind == "chunks":
            if job.chunks:
                pending.append(job)
            else:  # nothing to index (an empty file): remember it so it is not parsed again
                self._begin(job)
                self._added(job, 0)
                self.report.indexed.append(job.path)
        elif job.kind == "reuse":
            self.write_reuse(job)
        else:
            self.write_small(job)
        self.commit_group()
        self.emit()

    def embed_batch(self, pending: list[_Job]) -> None:
        texts, owners = [], []
        for job in pending:
            for c in job.chunks[len(job.vectors):]:
                if len(texts) == EMBED_BATCH:
                    break
                texts.append(c.text)
                owners.append(job)
        t0 = time.monotonic()
        vectors = self.embedder.embed_passages(texts)
        self._embed_seconds += time.monotonic() - t0
        self.p.chunks_embedded += len(texts)
        for job, vec in zip(owners, vectors):
            job.vectors.append(vec)
        for job in [j for j in pending if len(j.vectors) == len(j.chunks)]:
            pending.remove(job)
            self.write_chunks(job)

    # -- removals --------------------------------------------------------------------------------

    def remove_deleted(self) -> None:
        self.p.phase = "removing"
        self.emit(force=True)
        if self.cancel.is_set():
            return
        gone = [r[0] for r in self.state.con.execute("SELECT path FROM files WHERE path NOT IN (SELECT path FROM seen)")]
        # An unreachable share or unreadable folder is not a deletion: keep what was indexed from it.
        kept = tuple(d.rstrip(os.sep) + os.sep for d in self.unreadable)
        gone = [g for g in gone if not (kept and g.startswith(kept))]
        if self.cancel.is_set():
            return
        for path in gone:
            self.store.delete_file(path)
        if gone:
            self.store.flush()
            for path in gone:
                self.state.delete(path)
            self.state.commit()
        self.report.removed.extend(gone)


class DiskFull(StoreError):
    """The disk filled up while the index was written. What was committed before stays searchable;
    the files of the unfinished group are still marked pending and are redone by the next sync."""

    def __init__(self, library: str):
        super().__init__(f"The disk is full, so indexing of \"{library}\" stopped. Everything indexed before "
                         "this point is kept and searchable; free some space and index again to finish.")


def _is_disk_full(exc: BaseException) -> bool:
    # Qdrant Edge reports I/O errors as its own exception type with the OS message; SQLite as
    # "database or disk is full"; plain file writes as OSError(ENOSPC).
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc).lower()
    return "no space left" in text or "disk is full" in text or "os error 28" in text


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
    cancel = cancel or threading.Event()
    started = time.monotonic()
    rebuilt = False
    if lib.embedding_model and lib.embedding_model != embedder.id:
        if store is not None:
            raise RuntimeError("the library must be rebuilt for the new embedding model: close its store first")
        log.info("library %s was built with %s; rebuilding for %s", lib.name, lib.embedding_model, embedder.id)
        remove_shard(lib.shard_dir)
        lib.state_db.unlink(missing_ok=True)
        rebuilt = True
    own_store = store is None
    if own_store:
        store = open_library_store(lib, embedder.dimensions)
    state = SyncState(lib.state_db)
    try:
        if lib.embedding_model != embedder.id:
            lib.embedding_model = embedder.id
            (manager or LibraryManager(lib.root.parent)).save(lib)
        s = _Syncer(lib, embedder, store, state, progress, cancel,
                    max_bytes=int(settings.get("retrieval.max_file_mb")) * 1024 * 1024,
                    chunk_tokens=int(settings.get("retrieval.chunk_tokens")),
                    chunk_overlap=int(settings.get("retrieval.chunk_overlap")))
        s.report.rebuilt = rebuilt
        s.recover()
        s.emit(force=True)
        s.scan_and_diff(ingest.supported)
        if s.p.files_to_index and not cancel.is_set():
            tokenizer = ingest.load_tokenizer(embedder.folder)
            s.index(ingest, tokenizer)
        if not cancel.is_set():
            s.remove_deleted()
        if s.added_chunks >= OPTIMIZE_AFTER and not cancel.is_set():
            s.p.phase = "optimizing"
            s.emit(force=True)
            store.optimize()
        if not cancel.is_set():
            state.set_meta("last_sync", str(time.time()))
            state.commit()
        s.report.cancelled = cancel.is_set()
        s.report.chunks = store.count()
        s.report.seconds = round(time.monotonic() - started, 3)
        s.p.phase = "cancelled" if cancel.is_set() else "done"
        s.emit(force=True)
        return s.report
    except Exception as exc:
        if _is_disk_full(exc):
            log.error("library %s: disk full while indexing", lib.name)
            raise DiskFull(lib.name) from exc
        raise
    finally:
        for close in ([state.close, store.close] if own_store else [state.close]):
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - a failing close (disk full) must not hide the first error
                log.warning("library %s: closing after sync failed: %s", lib.name, exc)
