"""torch and transformers are off the runtime path: a user's whole session, in a child process, imports
neither (they are the reference backend's and the converter's, installed for tests and set-up only)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SESSION = r"""
import contextlib, io, json, sys
from app.cli import main
docs = sys.argv[1]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    codes = [main(["library", "add", "Matters", docs]), main(["index", "--json"]),
             main(["search", "--library", "Matters", "--json", "notice period"]),
             main(["ask", "--library", "Matters", "--json", "--no-history", "How long is the notice period?"])]
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers", "sentence_transformers"))
print(json.dumps({"codes": codes, "heavy": heavy, "output": out.getvalue()[-2000:]}))
"""


def test_indexing_searching_and_answering_import_no_torch(tmp_path, strongroom_home):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "lease.txt").write_text("The tenant may end the lease with a notice period of three months.\n\n"
                                    "Rent is reviewed every year in March.", encoding="utf-8")
    (docs / "memo.md").write_text("# Memo\n\nThe landlord keeps the deposit until the keys are returned.",
                                  encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", SESSION, str(docs)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**__import__("os").environ, "STRONGROOM_HOME": str(strongroom_home)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0, 0, 0], result["output"]
    assert '"sources"' in result["output"] and "lease.txt" in result["output"]
    assert result["heavy"] == []
