"""The intake folder: each document extracted once, a changed one again (its older row replaced), a
failing one listed and retried when it changes; a damaged ledger is rebuilt without doubling rows;
and a process killed mid-run (SIGKILL) misses nothing and doubles nothing when run again."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from app.core.documents.extract import Extractor
from app.core.documents.intake import IntakeError, ledger_for, run_pass
from app.core.documents.intake_ledger import Ledger
from app.core.library.libraries import LibraryManager
from tests.conftest import ROOT, run_cli
from tests.core.documents.conftest import load_engine

FIELDS = '[[field]]\nname = "governing_law"\ntype = "string"\ndescription = "The law that governs the agreement"\n'


@pytest.fixture(scope="module")
def engine():
    eng = load_engine(1024)
    yield eng
    eng.close()


def matter(tmp_path, docs: int = 2):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for i in range(docs):
        (folder / f"contract-{i}.txt").write_text(f"Contract {i}. This Agreement is governed by the laws of Ruritania.\n")
    fields = tmp_path / "fields.toml"
    fields.write_text(FIELDS)
    out = tmp_path / "out" / "table.jsonl"
    manager = LibraryManager()
    manager.create("Inbox", [folder])
    return folder, manager.set_extraction("Inbox", str(fields), str(out)), out


def table(out) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_each_document_once_a_change_replaces_its_row_and_a_failure_is_retried_on_change(tmp_path, engine):
    folder, lib, out = matter(tmp_path)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a docx")
    make = lambda fields: Extractor(engine, fields, quote_chars=40, value_chars=20)  # noqa: E731
    first = run_pass(lib, make)
    assert len(first.added) == 3 and first.rows == 3
    assert [f["file"] for f in first.failed] == [str(folder / "broken.docx")] and first.failed[0]["reason"]
    again = run_pass(lib, lambda fields: pytest.fail("nothing changed: no model needed"))
    assert again.added == [] and again.unchanged == 3 and len(again.failed) == 1 and len(table(out)) == 3
    (folder / "contract-0.txt").write_text("Contract 0, amended. Governed by the laws of Freedonia.\n")
    from tests.core.ingest_files import write_docx
    write_docx(folder / "broken.docx")
    third = run_pass(lib, make)
    assert sorted(third.added) == [str(folder / "broken.docx"), str(folder / "contract-0.txt")]
    rows = table(out)
    assert sorted(r["file"] for r in rows) == sorted(str(p) for p in folder.iterdir())  # one row per document
    assert third.failed == [] and all("error" not in r for r in rows)


def test_a_library_without_a_profile_is_refused_in_plain_words(tmp_path):
    (tmp_path / "d").mkdir()
    lib = LibraryManager().create("Plain", [tmp_path / "d"])
    with pytest.raises(IntakeError, match="no extraction profile"):
        run_pass(lib, lambda f: None)


def test_a_damaged_ledger_is_set_aside_and_rows_are_never_doubled(tmp_path, engine):
    folder, lib, out = matter(tmp_path, docs=1)
    make = lambda fields: Extractor(engine, fields, quote_chars=40, value_chars=20)  # noqa: E731
    run_pass(lib, make)
    ledger = ledger_for(lib)
    ledger.db.execute("UPDATE entries SET row = '{not json'")
    ledger.close()
    damaged = run_pass(lib, make)  # a damaged row is listed as such, not dropped and not doubled
    assert damaged.rows == 1 and "damaged" in table(out)[0]["error"]
    path = lib.root / "intake.sqlite3"
    for suffix in ("-wal", "-shm"):
        (lib.root / f"intake.sqlite3{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"this is not an SQLite database" * 100)
    report = run_pass(lib, make)
    assert report.added == [str(folder / "contract-0.txt")] and len(table(out)) == 1
    assert list(lib.root.glob("intake.sqlite3.damaged-*"))


def test_hash_cache_and_record_refuse_a_second_copy_of_the_same_content(tmp_path):
    from app.core.documents.table import Row

    ledger = Ledger(tmp_path / "l.sqlite3")
    doc = tmp_path / "a.txt"
    doc.write_text("x")
    digest = ledger.content_hash(doc)
    assert ledger.record(digest, Row(str(doc))) is True
    assert ledger.record(digest, Row(str(tmp_path / "copy.txt"))) is False
    assert [r.file for r in ledger.rows()] == [str(doc)]
    ledger.close()


@pytest.mark.slow
def test_killed_mid_run_then_rerun_gives_exactly_one_row_per_document(tmp_path, strongroom_home):
    folder, lib, out = matter(tmp_path, docs=4)
    ledger_path = lib.root / "intake.sqlite3"
    env = dict(os.environ)
    child = subprocess.Popen([sys.executable, "-m", "app", "intake", "--library", "Inbox", "--json"], cwd=ROOT,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and child.poll() is None:
            if ledger_path.exists():
                try:
                    with sqlite3.connect(ledger_path, timeout=1) as db:
                        if db.execute("SELECT COUNT(*) FROM entries").fetchone()[0] >= 1:
                            break
                except sqlite3.DatabaseError:
                    pass
            time.sleep(0.05)
        assert child.poll() is None, "the intake finished before it could be killed: give it more documents"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    done = run_cli("intake", "--library", "Inbox", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"]  # the killed run had not finished
    rows = table(out)
    assert sorted(r["file"] for r in rows) == sorted(str(p) for p in folder.iterdir())
