"""Incremental sync on real files, the real embedding model and a real Qdrant Edge shard."""
from __future__ import annotations

import os
import sqlite3
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from app.core.library import ingest
from app.core.library.libraries import LibraryManager
from app.core.index.store import SearchFilter
from app.core.library.disk_errors import DiskFull, is_disk_full
from app.core.library.scanner import scan
from app.core.library.sync import open_library_store, sync_library
from app.core.library.sync_state import SyncState
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)
from tests.helpers.small_disk import small_disk  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

WORDS = ("contract", "tenant", "invoice", "liability", "indemnity", "warranty", "escrow", "arbitration",
         "deposition", "subpoena", "affidavit", "plaintiff", "statute", "probate", "covenant", "easement")


def _text(seed: int, paragraphs: int = 3) -> str:
    out = []
    for p in range(paragraphs):
        words = [WORDS[(seed * 7 + p * 3 + i) % len(WORDS)] for i in range(60)]
        out.append(f"Section {p + 1} of document {seed}. " + " ".join(words) + ".")
    return "\n\n".join(out)


@pytest.fixture
def docs(tmp_path) -> Path:
    root = tmp_path / "docs"
    (root / "leases").mkdir(parents=True)
    (root / "billing").mkdir()
    for i in range(3):
        (root / "leases" / f"lease{i}.txt").write_text(_text(i), encoding="utf-8")
    (root / "billing" / "invoice.md").write_text("# Invoice 2291\n\n" + _text(9), encoding="utf-8")
    return root


def _lib(docs: Path, **kw):
    manager = LibraryManager()
    return manager, manager.create("Matters", [docs], **kw)


def _consistent(lib, embedder) -> int:
    """The shard holds exactly the chunks the sync state says, each once; returns the count."""
    state = SyncState(lib.state_db)
    rows = state.con.execute("SELECT status, COUNT(*), COALESCE(SUM(chunks), 0) FROM files GROUP BY status").fetchall()
    state.close()
    by_status = {status: (n, chunks) for status, n, chunks in rows}
    assert "in_progress" not in by_status
    store = open_library_store(lib, embedder.dimensions)
    ids = list(store.all_ids())
    store.close()
    assert len(ids) == len(set(ids))
    assert len(ids) == by_status.get("ok", (0, 0))[1]
    return len(ids)


def test_first_sync_then_nothing_to_do(docs, embedder):
    manager, lib = _lib(docs)
    seen = []
    report = sync_library(lib, embedder, progress=seen.append, manager=manager)
    assert sorted(report.indexed) == sorted(str(p) for p in docs.rglob("*.*"))
    assert report.failed == [] and report.removed == [] and not report.cancelled
    assert report.chunks == _consistent(lib, embedder) > 0
    phases = [p.phase for p in seen]
    assert phases[0] == "scanning" and phases[-1] == "done" and "indexing" in phases
    assert seen[-1].files_embedded == 4 and seen[-1].chunks_embedded == report.chunks
    assert manager.get("Matters").embedding_model == "all-minilm-l6-v2"
    stats = manager.stats(manager.get("Matters"))
    assert (stats.files, stats.chunks, stats.failures) == (4, report.chunks, 0) and stats.last_sync

    before = embedder.passages_embedded
    again = sync_library(lib, embedder)
    assert again.unchanged == 4 and again.indexed == again.moved == again.removed == []
    assert embedder.passages_embedded == before
    assert again.chunks == report.chunks


def test_changed_deleted_moved_and_touched_files(docs, embedder):
    manager, lib = _lib(docs)
    first = sync_library(lib, embedder)
    changed, deleted = docs / "leases" / "lease0.txt", docs / "leases" / "lease1.txt"
    moved_from, moved_to = docs / "leases" / "lease2.txt", docs / "billing" / "archive" / "old-lease.txt"
    changed.write_text("A new agreement about a zeppelin hangar.\n\n" + _text(40), encoding="utf-8")
    deleted.unlink()
    moved_to.parent.mkdir()
    shutil.move(moved_from, moved_to)
    touched = docs / "billing" / "invoice.md"
    os.utime(touched, (time.time() + 5, time.time() + 5))

    before = embedder.passages_embedded
    report = sync_library(lib, embedder)
    assert report.indexed == [str(changed)]
    assert report.moved == [str(moved_to)]
    assert sorted(report.removed) == sorted([str(deleted), str(moved_from)])
    assert report.unchanged == 1  # the touched file: same content, no work
    # only the changed file was embedded; the moved one reused its vectors
    store = open_library_store(lib, embedder.dimensions)
    try:
        changed_chunks = store.count(SearchFilter(files=(str(changed),)))
        assert embedder.passages_embedded - before == changed_chunks
        assert store.count(SearchFilter(files=(str(deleted),))) == 0
        assert store.count(SearchFilter(files=(str(moved_from),))) == 0
        moved_hits = store.search_sparse("document 2", limit=20, filter=SearchFilter(folder=str(moved_to.parent)))
        assert moved_hits and {h.payload["file"] for h in moved_hits} == {str(moved_to)}
        assert all(h.payload["file_name"] == "old-lease.txt" for h in moved_hits)
        assert store.search_sparse("zeppelin", limit=3)[0].payload["file"] == str(changed)
    finally:
        store.close()
    assert report.chunks == _consistent(lib, embedder)
    assert report.chunks < first.chunks  # one file's chunks are gone


def test_bad_files_are_recorded_and_the_rest_indexes(docs, embedder):
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7 this is not really a pdf")
    (docs / "loop").symlink_to(docs, target_is_directory=True)
    (docs / "dangling.txt").symlink_to(docs / "nowhere.txt")
    big = docs / "huge.txt"
    big.write_text("x" * (2 * 1024 * 1024), encoding="utf-8")
    manager, lib = _lib(docs)
    from app.core.foundation.settings import Settings

    settings = Settings()
    settings.set("libraries.max_file_mb", 1)
    report = sync_library(lib, embedder, settings=settings)
    reasons = {Path(f["file"]).name: f["reason"] for f in report.failed}
    assert set(reasons) == {"broken.pdf", "loop", "dangling.txt", "huge.txt"}
    assert "symlink loop" in reasons["loop"]
    assert "broken link" in reasons["dangling.txt"]
    assert reasons["huge.txt"] == "too large (2.0 MB); raise libraries.max_file_mb (now 1 MB) to include it"
    assert "Traceback" not in reasons["broken.pdf"] and reasons["broken.pdf"]
    assert len(report.indexed) == 4
    assert manager.stats(lib).failures == 2  # the two files that exist are remembered as failed
    # a failed file is not retried while it is unchanged
    again = sync_library(lib, embedder, settings=settings)
    assert again.unchanged == 6 and {Path(f["file"]).name for f in again.failed} == {"loop", "dangling.txt"}


def test_cancel_stops_fast_and_leaves_a_consistent_index(tmp_path, embedder):
    root = tmp_path / "many"
    root.mkdir()
    for i in range(12):
        (root / f"doc{i:02}.txt").write_text(_text(i, paragraphs=3), encoding="utf-8")
    manager, lib = _lib(root)
    cancel = threading.Event()
    cancelled_at = []

    def progress(p):
        if p.files_embedded >= 2 and not cancel.is_set():
            cancel.set()
            cancelled_at.append(time.monotonic())

    report = sync_library(lib, embedder, progress=progress, cancel=cancel)
    assert report.cancelled and cancelled_at
    assert 2 <= len(report.indexed) < 12  # it stopped early; how fast is measured by tests/bench/bench_index.py
    partial = _consistent(lib, embedder)
    assert partial == report.chunks
    before = embedder.passages_embedded
    finish = sync_library(lib, embedder)
    assert len(finish.indexed) == 12 - len(report.indexed) and finish.unchanged == len(report.indexed)
    # chunks embedded before the cancel but not yet written come from the vector cache
    assert finish.chunks == _consistent(lib, embedder) == partial + (embedder.passages_embedded - before) + finish.chunks_reused


def test_identical_passages_are_embedded_once(tmp_path, embedder):
    root = tmp_path / "mail"
    root.mkdir()
    disclaimer = ("This e-mail and any attachments are confidential and may be privileged. If you are not the "
                  "intended recipient, please notify the sender and delete it.")
    for i in range(6):  # six files of one passage each, not byte-identical (those are copies: no embedding)
        (root / f"m{i}.txt").write_text(disclaimer + "\n" * (i + 1), encoding="utf-8")
    (root / "other.txt").write_text(_text(3), encoding="utf-8")
    (root / "repeated.txt").write_text(("lorem ipsum dolor sit amet " * 4000), encoding="utf-8")
    (root / "spaced.txt").write_text("  " + disclaimer.replace(" ", "   \n ", 3) + "\n", encoding="utf-8")
    manager, lib = _lib(root)
    before = embedder.passages_embedded
    report = sync_library(lib, embedder)
    embedded = embedder.passages_embedded - before
    assert report.chunks == _consistent(lib, embedder)
    assert report.chunks_reused == report.chunks - embedded and report.chunks_reused > report.chunks / 2
    # the disclaimer, in 7 files (one with other whitespace), was embedded once
    store = open_library_store(lib, embedder.dimensions)
    try:
        hits = store.search_dense(embedder.embed_passages([disclaimer])[0], limit=10)
    finally:
        store.close()
    same = [h for h in hits if h.score > 0.9999]
    assert len(same) == 7
    # a changed file whose passage is known costs no embedding; removing the library removes the cache
    (root / "m0.txt").write_text(" " + disclaimer + "\t\n", encoding="utf-8")
    before = embedder.passages_embedded
    again = sync_library(lib, embedder)
    assert again.indexed == [str(root / "m0.txt")]
    assert embedder.passages_embedded == before and again.chunks_reused == 1
    manager.delete(lib.name)
    assert not (lib.root / "vectors.sqlite3").exists()


def test_the_vectors_of_a_removed_files_passages_leave_the_cache(tmp_path, embedder):
    from app.core.library.vector_cache import normalise, text_key

    root = tmp_path / "mail"
    root.mkdir()
    shared = "Privileged and confidential: attorney work product, prepared in anticipation of litigation."
    secret = "The client admits the shipment to Rotterdam left two days after the embargo began."
    (root / "a.txt").write_text(shared + "\n", encoding="utf-8")
    (root / "b.txt").write_text(shared + "\n\n", encoding="utf-8")
    (root / "c.txt").write_text(secret, encoding="utf-8")
    manager, lib = _lib(root)
    sync_library(lib, embedder)

    def cached() -> set[bytes]:
        con = sqlite3.connect(lib.root / "vectors.sqlite3")
        try:
            return {bytes(k) for (k,) in con.execute("SELECT key FROM vectors")}
        finally:
            con.close()

    shared_key, secret_key = text_key(normalise(shared)), text_key(normalise(secret))
    assert {shared_key, secret_key} <= cached()
    secret_vector = embedder.embed_passages([normalise(secret)])[0].astype("float32").tobytes()
    (root / "c.txt").unlink()
    (root / "a.txt").write_text("Nothing else here.", encoding="utf-8")  # changed: b.txt still has the passage
    report = sync_library(lib, embedder)
    assert report.removed == [str(root / "c.txt")]
    assert shared_key in cached() and secret_key not in cached()
    data = b"".join(p.read_bytes() for p in lib.root.glob("vectors.sqlite3*"))
    assert secret_vector[:64] not in data  # overwritten, not only unlinked


def test_scanner_reports_unreadable_entries_for_an_unprivileged_user():
    """Root reads everything, so the scan runs as `nobody` in a child process."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to the unprivileged user")
    base = Path(tempfile.mkdtemp(prefix="strongroom-perm-"))
    try:
        os.chmod(base, 0o755)
        (base / "ok.txt").write_text("fine")
        (base / "locked").mkdir()
        (base / "locked" / "inside.txt").write_text("secret")
        os.chmod(base / "locked", 0o000)
        secret = base / "secret.txt"
        secret.write_text("secret")
        os.chmod(secret, 0o000)
        code = (
            "import os, json\nfrom app.core.library.scanner import scan\n"
            "from app.core.library.content_ids import file_hash\n"
            "from app.core.library.disk_errors import read_error_reason\n"
            "os.setgid(65534); os.setuid(65534)\n"
            f"out = [[e.path, e.error] for e in scan([{str(base)!r}])]\n"
            "for p, err in out:\n"
            "    if not err:\n"
            "        try: file_hash(p)\n"
            "        except OSError as exc: out.append([p, read_error_reason(exc)])\n"
            "print(json.dumps(out))\n"
        )
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                             cwd=Path(__file__).resolve().parents[3])
        assert res.returncode == 0, res.stderr
        import json

        errors = {Path(p).name: err for p, err in json.loads(res.stdout) if err}
        assert errors["locked"].startswith("permission denied")
        assert errors["secret.txt"].startswith("permission denied")
        assert "ok.txt" not in errors
    finally:
        os.chmod(base / "locked", 0o755)
        shutil.rmtree(base)


def test_scan_streams_and_honours_globs(tmp_path):
    root = tmp_path / "t"
    (root / "keep").mkdir(parents=True)
    (root / "skip").mkdir()
    (root / ".hidden").mkdir()
    for name in ("a.txt", "b.md", "~$lock.docx", "c.log"):
        (root / "keep" / name).write_text("x")
    (root / "skip" / "d.txt").write_text("x")
    (root / ".hidden" / "e.txt").write_text("x")
    it = scan([str(root)], include=["*.txt", "*.md"], exclude=["skip"], is_supported=ingest.supported)
    assert iter(it) is it  # a generator: nothing is collected up front
    assert sorted(Path(e.path).name for e in it) == ["a.txt", "b.md"]


def _docs(root: Path, numbers) -> None:
    root.mkdir(exist_ok=True)
    for i in numbers:
        (root / f"doc{i:02}.txt").write_text(_text(i, paragraphs=3), encoding="utf-8")


def _indexed(lib) -> tuple[set[str], int]:
    """The files the sync state holds as indexed, and their chunks."""
    state = SyncState(lib.state_db)
    rows = state.con.execute("SELECT path, chunks FROM files WHERE status='ok'").fetchall()
    state.close()
    return {Path(p).name for p, _ in rows}, sum(c for _, c in rows)


def _search_finds(lib, embedder, text: str, file_name: str) -> bool:
    store = open_library_store(lib, embedder.dimensions)
    try:
        hits = store.search_sparse(text, limit=3)
    finally:
        store.close()
    return bool(hits) and hits[0].payload["file"].endswith(file_name)


DISK_FULL_MESSAGE = "disk is full.*Everything indexed before this point is kept"


def test_disk_full_while_indexing_stops_with_a_plain_message_and_keeps_what_was_indexed(small_disk, tmp_path,
                                                                                          embedder):
    """The library's data on a real 192 MB filesystem that fills up once indexing has begun: the sync
    sees the disk has no room before it writes the next file (Qdrant Edge would die of SIGBUS)."""
    root = tmp_path / "many"  # the documents live elsewhere: only the library's data is on the full disk
    _docs(root, range(10))
    manager, lib = _lib(root)
    first = sync_library(lib, embedder)
    assert len(first.indexed) == 10
    _docs(root, range(10, 16))  # new work arrives; the disk fills up while it is written

    def progress(p):
        if p.phase == "indexing" and not small_disk.filler.exists():
            small_disk.fill()

    with pytest.raises(DiskFull, match=DISK_FULL_MESSAGE) as failed:
        sync_library(lib, embedder, progress=progress)
    assert small_disk.filler.exists()  # it failed after the disk filled up, not before
    assert failed.value.__cause__ is None  # stopped by the room check, before any write failed

    small_disk.free()
    files, chunks = _indexed(lib)
    assert files >= {f"doc{i:02}.txt" for i in range(10)} and chunks >= first.chunks  # nothing indexed is lost
    assert _search_finds(lib, embedder, "Section 1 of document 3", "doc03.txt")
    after = sync_library(lib, embedder)  # space freed: the next sync finishes the job
    assert not after.failed and after.chunks == _consistent(lib, embedder)  # half-written files rolled back and redone
    assert _indexed(lib)[0] == {f"doc{i:02}.txt" for i in range(16)}


def test_sqlite_on_a_full_disk_is_recognised_as_a_full_disk(small_disk):
    db = sqlite3.connect(small_disk.path / "state.sqlite3")
    db.execute("CREATE TABLE t (x BLOB)")
    db.commit()
    small_disk.fill()
    with pytest.raises(sqlite3.OperationalError) as failed:
        for _ in range(64):
            db.execute("INSERT INTO t VALUES (?)", (b"x" * 65536,))
            db.commit()
    db.close()
    assert "disk is full" in str(failed.value) and is_disk_full(failed.value)


def test_disk_full_while_the_shard_is_written_stops_with_the_same_message(small_disk, tmp_path, embedder):
    """Files deleted while the disk is full: the shard's flush of the removal meets Qdrant Edge's own
    "No space left on device (os error 28)"."""
    root = tmp_path / "many"
    _docs(root, range(10))
    manager, lib = _lib(root)
    first = sync_library(lib, embedder)
    for i in (0, 1):
        (root / f"doc{i:02}.txt").unlink()

    def progress(p):
        if p.phase == "removing" and not small_disk.filler.exists():
            small_disk.fill()

    with pytest.raises(DiskFull, match=DISK_FULL_MESSAGE) as failed:
        sync_library(lib, embedder, progress=progress)
    assert small_disk.filler.exists()
    assert "os error 28" in str(failed.value.__cause__)  # the real error underneath

    small_disk.free()
    files, chunks = _indexed(lib)
    assert files == {f"doc{i:02}.txt" for i in range(10)} and chunks == first.chunks  # the removal was not recorded
    assert _search_finds(lib, embedder, "Section 1 of document 3", "doc03.txt")
    after = sync_library(lib, embedder)
    assert sorted(Path(p).name for p in after.removed) == ["doc00.txt", "doc01.txt"]
    assert not after.failed and after.chunks == _consistent(lib, embedder)
    assert _indexed(lib)[0] == {f"doc{i:02}.txt" for i in range(2, 10)}


def test_a_sync_started_on_a_full_disk_says_the_disk_is_full(small_disk, tmp_path, embedder):
    root = tmp_path / "many"
    _docs(root, range(4))
    manager, lib = _lib(root)
    sync_library(lib, embedder)
    _docs(root, range(4, 6))
    # Opened before the disk fills: opening a shard on a full disk kills the process (the test below).
    store = open_library_store(lib, embedder.dimensions)
    try:
        small_disk.fill()
        with pytest.raises(DiskFull, match=DISK_FULL_MESSAGE):
            sync_library(lib, embedder, store=store)
    finally:
        small_disk.free()
        store.close()


def test_opening_a_library_on_a_full_disk_does_not_kill_the_process(small_disk, tmp_path, embedder):
    root = tmp_path / "many"
    _docs(root, range(4))
    manager, lib = _lib(root)
    sync_library(lib, embedder)
    small_disk.fill()
    code = ("from app.core.library.libraries import LibraryManager\n"
            "from app.core.library.sync import open_library_store\n"
            "lib = LibraryManager().get('Matters')\n"
            "try:\n"
            f"    open_library_store(lib, {embedder.dimensions}).close()\n"
            "except Exception as exc:\n"
            "    print('refused:', type(exc).__name__)\n")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           cwd=Path(__file__).resolve().parents[3])
    assert child.returncode == 0, f"the process died (exit {child.returncode}): {child.stderr[-500:]}"


def test_a_large_file_reports_its_own_progress(tmp_path, embedder, monkeypatch):
    from app.cli.index_cmd import _bar
    from app.core.library import sync_progress

    monkeypatch.setattr(sync_progress, "EMIT_INTERVAL", 0.0)  # every emit reaches the listener
    root = tmp_path / "big"
    root.mkdir()
    big = root / "transcript.txt"
    big.write_text("lorem ipsum dolor sit amet " * 4000, encoding="utf-8")
    (root / "note.txt").write_text(_text(1), encoding="utf-8")
    manager, lib = _lib(root)
    seen = []
    sync_library(lib, embedder, progress=seen.append)
    state = SyncState(lib.state_db)
    big_chunks = state.con.execute("SELECT chunks FROM files WHERE path = ?", (str(big),)).fetchone()[0]
    state.close()
    assert big_chunks > 100
    under_way = [p for p in seen if p.file_under_way() and p.file_under_way()[0] == str(big)]
    done = [p.file_chunks_done for p in under_way]
    assert len(done) >= 3 and done == sorted(set(done)) and all(p.file_chunks_total == big_chunks for p in under_way)
    middle = under_way[len(under_way) // 2]
    assert f"transcript.txt {middle.file_chunks_done}/{big_chunks} chunks" in _bar(middle)  # the CLI's line
    fractions = [p.files_done_fraction() for p in seen if p.phase == "indexing"]
    assert fractions == sorted(fractions) and any(f not in (0.0, 0.5, 1.0) for f in fractions)  # moves inside a file
    assert {p.reading_file for p in seen} <= {"", str(big), str(root / "note.txt")}
    assert seen[-1].reading_file == ""
