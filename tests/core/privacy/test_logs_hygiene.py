"""Logs rotate in the log dir and never hold document text, questions or answers (scanned after a real flow)."""
import logging
import subprocess
import sys

import pytest

from app.core.foundation import paths
from tests.conftest import ROOT
from tests.helpers.log_scan import find_phrases

SECRET = "Marrowgate-8190 confidential settlement figure"


@pytest.fixture
def debug_log():
    """Everything anything logs, at DEBUG (stricter than the app's INFO), into this test's log dir."""
    handler = logging.FileHandler(paths.log_dir() / "strongroom.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield paths.log_dir()
    root.removeHandler(handler)
    root.setLevel(old)
    handler.close()


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
