"""`strongroom summarize` as a user runs it: the summary with its pages, saved in the history."""
from __future__ import annotations

import json

from app.core.documents.summarize import NOT_SUPPORTED
from tests.conftest import run_cli
from tests.core.ingest_files import pdf_bytes

ENV = {"STRONGROOM_PASSPHRASE": "summarize cli passphrase", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_summarize_prints_a_cited_summary_and_saves_it_for_follow_ups(tmp_path):
    doc = tmp_path / "lease.pdf"
    doc.write_bytes(pdf_bytes(["This Lease is made on 1 June 2020 between Harbour Estates plc and Kettle & Co.",
                               "The rent is GBP 4,000 per quarter. The Lease is governed by the laws of Scotland."]))
    done = run_cli("summarize", str(doc), "--json", env=ENV)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["summary"] and data["parts"] == data["parts_done"] >= 1 and data["finish_reason"] == "stop"
    assert all(s["file"] == str(doc) and s["page"] in (1, 2) for s in data["sources"])
    # checked by the embedding model as an answer is: each claim says why (the shared-words fallback
    # leaves a supported claim's reason empty and marks the others NOT_SUPPORTED)
    assert data["claims"] and all(c["reason"] and c["reason"] != NOT_SUPPORTED for c in data["claims"])
    assert {n for c in data["claims"] for n in c["sources"]} <= {s["n"] for s in data["sources"]}
    assert isinstance(data["conversation_id"], int)
    shown = run_cli("history", "show", str(data["conversation_id"]), "--json", env=ENV)
    assert shown.returncode == 0 and data["summary"] in shown.stdout


def test_summarize_names_a_file_it_cannot_read(tmp_path):
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(pdf_bytes([None]))
    done = run_cli("summarize", str(bad), "--no-history", env=ENV)
    assert done.returncode == 1 and "nothing could be read on its scanned pages (page 1: no text found" in done.stderr
