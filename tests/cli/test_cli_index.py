"""`strongroom library / index / search` as a user runs them: child processes, real files, real model."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.library.libraries import LibraryManager
from app.core.index.edge_store import EdgeStore
from app.core.index.store import SearchFilter
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.slow

TOPICS = ["lease renewal and rent review", "share purchase warranties", "employment termination notice",
          "patent licence royalties", "construction delay damages", "data protection breach reporting"]


def _write_docs(folder: Path, n: int, paragraphs: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        body = "\n\n".join(f"Clause {p + 1}. This memo {i} concerns {topic}. " + f"{topic} " * 25 for p in range(paragraphs))
        (folder / f"memo-{i:03}.txt").write_text(body, encoding="utf-8")


def _env(home: Path) -> dict:
    return {"STRONGROOM_HOME": str(home)}


def test_library_index_search_round_trip(tmp_path, strongroom_home):
    docs = tmp_path / "docs"
    _write_docs(docs, 4)
    (docs / "scan.pdf").write_bytes(b"%PDF-1.4 not a real pdf")
    env = _env(strongroom_home)

    out = run_cli("library", "add", "Firm Matters", str(docs), env=env)
    assert out.returncode == 0, out.stderr
    assert run_cli("library", "add", "Firm Matters", str(tmp_path / "missing"), env=env).returncode == 1

    out = run_cli("index", "Firm Matters", "--json", env=env)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert sorted(summary["indexed"]) == sorted(str(p) for p in docs.glob("*.txt"))
    assert [f["file"] for f in summary["failed"]] == [str(docs / "scan.pdf")] and summary["failed"][0]["reason"]
    assert summary["moved"] == summary["removed"] == [] and summary["unchanged"] == 0
    assert summary["chunks"] > 0 and summary["seconds"] > 0

    out = run_cli("search", "--library", "Firm Matters", "--limit", "3", "--json", "patent royalties", env=env)
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 3
    assert set(hits[0]) >= {"file", "page", "excerpt", "score"}
    assert Path(hits[0]["file"]).is_absolute() and "patent licence royalties" in hits[0]["excerpt"]
    assert hits[0]["page"] is None  # plain text has no pages
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    out = run_cli("library", "list", "--json", env=env)
    [lib] = json.loads(out.stdout)
    assert lib["name"] == "Firm Matters" and lib["folders"] == [str(docs.resolve())]
    assert lib["stats"]["files"] == 4 and lib["stats"]["chunks"] == summary["chunks"] and lib["stats"]["failures"] == 1

    # while another Strongroom holds the library, the commands say so plainly
    holder = EdgeStore(LibraryManager().get("Firm Matters").shard_dir, 384)
    try:
        out = run_cli("search", "--library", "Firm Matters", "--json", "anything", env=env)
    finally:
        holder.close()
    assert out.returncode == 1
    assert "in use by another running Strongroom" in out.stderr
    assert "WouldBlock" not in out.stderr and "Traceback" not in out.stderr

    assert run_cli("library", "remove", "Firm Matters", env=env).returncode == 0
    assert json.loads(run_cli("library", "list", "--json", env=env).stdout) == []
    assert docs.exists() and not any(strongroom_home.glob("data/libraries/*/shard"))


def _rows(db: Path, where: str = "status='ok'") -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute(f"SELECT COUNT(*) FROM files WHERE {where}").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_kill_9_mid_index_then_resume_equals_a_clean_index(tmp_path, strongroom_home):
    docs = tmp_path / "docs"
    _write_docs(docs, 24, paragraphs=3)
    env = dict(os.environ, **_env(strongroom_home))
    assert run_cli("library", "add", "Killed", str(docs), env=env).returncode == 0
    db = LibraryManager().get("Killed").state_db

    child = subprocess.Popen([sys.executable, "-m", "app", "index", "Killed", "--json"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    # kill as soon as the first file is being written: mid-run, whatever the machine's speed
    while _rows(db, "1=1") < 1 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert child.poll() is None, "the index finished before it could be killed: give it more files"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    done_before = _rows(db)
    assert done_before < 24

    assert run_cli("library", "add", "Clean", str(docs), env=env).returncode == 0
    out = run_cli("index", "--json", env=env)  # both libraries, one process
    assert out.returncode == 0, out.stderr
    resumed, clean = sorted(json.loads(out.stdout), key=lambda r: r["library"] != "Killed")
    assert resumed["unchanged"] + len(resumed["indexed"]) == 24
    assert resumed["unchanged"] == done_before  # finished files are kept, the half-written one is redone
    assert resumed["chunks"] == clean["chunks"]
    files = sorted(str(p) for p in docs.glob("*.txt"))
    store = EdgeStore(LibraryManager().get("Killed").shard_dir, 384)
    try:
        ids = list(store.all_ids())
        per_file = {f: store.count(SearchFilter(files=(f,))) for f in files}
    finally:
        store.close()
    assert len(ids) == len(set(ids)) == clean["chunks"]
    assert all(per_file.values()) and sum(per_file.values()) == len(ids)  # every file, and no other
