"""Logs rotate in the log dir and never hold document text, questions or answers, nor the names of files,
folders and libraries (scanned after real flows, and after each path that logs a warning or an error)."""
import logging
import subprocess
import sys

import pytest

from app.core.foundation import paths
from tests.conftest import ROOT
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)
from tests.helpers.log_scan import debug_log, find_phrases  # noqa: F401 (fixture)
from tests.helpers.small_disk import SmallDisk

SECRET = "Marrowgate-8190 confidential settlement figure"


@pytest.mark.slow
def test_index_search_and_history_flow_logs_no_document_text_or_question(tmp_path, debug_log, monkeypatch):
    from app.core.index.embedder import Embedder, resolve_model
    from app.core.history.conversations import History
    from app.core.privacy.keystore import KeyStore
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import open_library_store, sync_library

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "memo.txt").write_text(f"Clause 4. The {SECRET} is payable within thirty days.\n\n" * 20, encoding="utf-8")
    (docs / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx " + SECRET.encode())
    lib = LibraryManager().create("Secret Matters", [docs])
    embedder = Embedder(resolve_model("all-minilm-l6-v2"))
    embedder.load()
    report = sync_library(lib, embedder)
    assert len(report.indexed) == 1 and len(report.failed) == 1
    question = f"what is the {SECRET}?"
    store = open_library_store(LibraryManager().get("Secret Matters"), embedder.dimensions)
    try:
        hits = store.search_hybrid(embedder.embed_query(question), question, limit=3)
    finally:
        store.close()
    assert SECRET in hits[0].payload["text"]  # the flow really handled the text

    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "log test passphrase")
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with History(KeyStore()) as h:
            cid = h.create_conversation(question, libraries=["Secret Matters"])
            h.add_message(cid, "user", question)
            h.add_message(cid, "assistant", f"The {SECRET} is payable within thirty days [1].",
                          sources=[{"file": str(docs / "memo.txt"), "excerpt": hits[0].payload["text"][:200]}])
            h.list_conversations(SECRET)
    finally:
        keyring.set_keyring(previous)
        from app.core.foundation import instance
        instance.release()

    assert (debug_log / "strongroom.log").stat().st_size > 0  # something was logged
    assert find_phrases(debug_log, [SECRET, "Marrowgate", "payable within thirty days"]) == []


# -- names ------------------------------------------------------------------------------------------------
# Distinctive names of a folder, a file and a library: none may reach a log, on any path that logs.
FOLDER, FILE, LIBRARY = "Smith divorce 2291", "Smith divorce settlement.txt", "Okafor Holdings"
NAMES = ["Smith divorce", "Okafor Holdings", "Okafor", "divorce settlement"]


def _log_text(log_dir) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(log_dir.iterdir()) if p.is_file())


def _matter(base) -> tuple:
    """The folder "Smith divorce 2291" holding "Smith divorce settlement.txt" and a letter."""
    folder = base / FOLDER
    folder.mkdir()
    settlement = folder / FILE
    settlement.write_text("Settlement terms. The husband keeps the house; the wife keeps the boat.\n\n" * 10,
                          encoding="utf-8")
    (folder / "Smith divorce letter.txt").write_text("Dear Mrs Smith, the hearing is on 4 June.\n\n" * 10,
                                                     encoding="utf-8")
    return folder, settlement


@pytest.mark.slow
def test_a_moved_file_without_stored_vectors_is_logged_by_reference(tmp_path, debug_log, embedder):
    from app.core.foundation import logs
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import open_library_store, sync_library

    folder, settlement = _matter(tmp_path)
    manager = LibraryManager()
    lib = manager.create(LIBRARY, [folder])
    assert len(sync_library(lib, embedder, manager=manager).indexed) == 2
    store = open_library_store(lib, embedder.dimensions)
    try:  # the sync state says indexed, the shard has lost the file's points
        store.delete_file(str(settlement))
        store.flush()
    finally:
        store.close()
    moved = folder / "Smith divorce settlement (signed).txt"
    settlement.rename(moved)

    report = sync_library(manager.get(LIBRARY), embedder, manager=manager)
    assert report.indexed == [str(moved)] and report.moved == []  # embedded again, not copied
    text = _log_text(debug_log)
    assert f"no stored vectors for {logs.ref(str(settlement))}; indexing {logs.ref(str(moved))} from scratch" in text
    assert find_phrases(debug_log, NAMES) == []


@pytest.mark.slow
def test_a_rebuild_for_another_embedding_model_is_logged_by_id(tmp_path, debug_log, embedder):
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import sync_library

    folder, _ = _matter(tmp_path)
    manager = LibraryManager()
    lib = manager.create(LIBRARY, [folder])
    sync_library(lib, embedder, manager=manager)
    lib = manager.get(LIBRARY)
    lib.embedding_model = "multilingual-e5-small"  # as if built with another model
    manager.save(lib)

    report = sync_library(manager.get(LIBRARY), embedder, manager=manager)
    assert report.rebuilt and len(report.indexed) == 2
    assert manager.get(LIBRARY).embedding_model == embedder.id
    text = _log_text(debug_log)
    assert f"library {lib.id} was built with multilingual-e5-small; rebuilding for {embedder.id}" in text
    assert find_phrases(debug_log, NAMES) == []


@pytest.mark.slow
def test_a_sync_that_fills_the_disk_is_logged_by_id(tmp_path, debug_log, embedder):
    """The library's data on a real tmpfs that fills up while it is indexed (the logs stay on the roomy
    disk, so every line can be written)."""
    from app.core.library.disk_errors import DiskFull
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import sync_library

    disk = SmallDisk(tmp_path / "small-disk", "192m")
    disk.mount()
    try:
        folder, _ = _matter(tmp_path)
        manager = LibraryManager(disk.path / "libraries")
        lib = manager.create(LIBRARY, [folder])
        sync_library(lib, embedder, manager=manager)
        (folder / "Smith divorce inventory.txt").write_text("The boat, the house and the car.\n\n" * 10,
                                                            encoding="utf-8")

        def progress(p):
            if p.phase == "indexing" and not disk.filler.exists():
                disk.fill()

        with pytest.raises(DiskFull):
            sync_library(manager.get(LIBRARY), embedder, manager=manager, progress=progress)
        assert disk.filler.exists()
    finally:
        disk.free()
        disk.unmount()
    text = _log_text(debug_log)
    assert f"library {lib.id}: disk full while indexing" in text
    assert find_phrases(debug_log, NAMES) == []


WATCHER_CHILD = """
import json, logging, sys, threading
from pathlib import Path

from app.core.library.libraries import Library
from app.core.library.watcher import FolderWatcher

log_file, library, writable = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
handler = logging.FileHandler(log_file, encoding="utf-8")
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
root = logging.getLogger()
root.addHandler(handler)
root.setLevel(logging.DEBUG)
# The watcher module itself keeps watchdog's DEBUG lines (every event's full path) out of the logs.
failure_logged = threading.Event()


class Seen(logging.Handler):
    def emit(self, record):
        if record.name == "app.core.library.watcher" and record.levelno >= logging.ERROR:
            failure_logged.set()


root.addHandler(Seen())


def on_change(name):
    raise RuntimeError(f"cannot queue a sync of {name} for {writable}")  # names in the message


watcher = FolderWatcher(on_change, debounce=0.05)
watcher.start()
missing = watcher.watch(Library(**library))
(writable / "Smith divorce note.txt").write_text("a change")
assert failure_logged.wait(60), "the failing callback was not logged"
watcher.stop()
print(json.dumps(missing))
"""


def test_watcher_failures_are_logged_by_reference(tmp_path, debug_log):
    """A watcher (in its own process, so its threads end with it) over a library whose first folder is
    gone, and whose change callback fails with the names in its message."""
    import json

    from app.core.foundation import logs

    gone, writable = tmp_path / FOLDER, tmp_path / "Okafor Holdings correspondence"
    writable.mkdir()
    library = {"id": "0123456789ab", "name": LIBRARY, "folders": [str(gone), str(writable)]}
    child = subprocess.run([sys.executable, "-c", WATCHER_CHILD, str(debug_log / "watcher.log"), json.dumps(library),
                            str(writable)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == [str(gone)]  # reported as not watched
    text = _log_text(debug_log)
    assert f"library change callback failed for {logs.ref(LIBRARY)}: RuntimeError at " in text
    assert find_phrases(debug_log, NAMES) == []


ROTATE = """
import logging
from app.core.foundation import logs
logs.setup()
for i in range(30000):
    logging.getLogger("app.test").info("line %06d %s", i, "x" * 100)
"""


def test_log_rotates_in_the_log_dir(strongroom_home):
    done = subprocess.run([sys.executable, "-c", ROTATE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in paths.log_dir().iterdir())
    assert "strongroom.log" in files and "strongroom.log.1" in files
    assert len(files) <= 6  # the current file and at most five old ones
    assert all(p.stat().st_size <= 2 * 1024 * 1024 + 4096 for p in paths.log_dir().iterdir())
    assert paths.log_dir().stat().st_mode & 0o077 == 0
