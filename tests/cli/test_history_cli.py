"""`strongroom ask` records its exchange in the encrypted history; `strongroom history` reads and deletes it.

Runs the real CLI in child processes with the real demo model. The children get no keychain
(PYTHON_KEYRING_BACKEND), so the passphrase path is used as on a headless workstation.
"""
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli
from tests.helpers.log_scan import find_phrases

PHRASE = "Quillfeather-5521 indemnity carve-out"
NO_KEYCHAIN = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
WITH_PASS = {**NO_KEYCHAIN, "STRONGROOM_PASSPHRASE": "cli test passphrase"}
ASK = ("ask", "--no-rag", "--json", "--max-tokens", "8", "--temperature", "0", "--seed", "1")

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _demo_model(demo_gguf):
    """The default model setting names the demo model: nothing to configure."""


def test_ask_records_history_no_file_or_log_holds_the_text_delete_all_clears_it(strongroom_home):
    question = f"In one word, what is the {PHRASE}?"
    asked = run_cli(*ASK, question, env=WITH_PASS)
    assert asked.returncode == 0, asked.stderr
    out = json.loads(asked.stdout)
    assert isinstance(out["conversation_id"], int)

    listed = run_cli("history", "list", "--json", env=WITH_PASS)
    assert listed.returncode == 0, listed.stderr
    [conv] = json.loads(listed.stdout)
    assert conv["id"] == out["conversation_id"] and conv["message_count"] == 2
    assert conv["title"].startswith("In one word, what is the Quillfeather")

    shown = run_cli("history", "show", str(conv["id"]), "--json", env=WITH_PASS)
    msgs = json.loads(shown.stdout)
    assert [m["role"] for m in msgs] == ["user", "assistant"]
    assert msgs[0]["content"] == question and msgs[1]["content"] == out["answer"]
    assert msgs[1]["model"] == out["model"]

    log = strongroom_home / "logs" / "strongroom.log"
    assert log.stat().st_size > 0  # the flow did log: the scan below means something
    secrets = [PHRASE, "Quillfeather"] + ([out["answer"].strip()] if len(out["answer"].strip()) >= 12 else [])
    assert find_phrases(strongroom_home, secrets) == []

    exported = run_cli("history", "export", str(conv["id"]), str(strongroom_home.parent / "matter.md"), env=WITH_PASS)
    assert exported.returncode == 0, exported.stderr
    assert question in (strongroom_home.parent / "matter.md").read_text(encoding="utf-8")
    wrong = run_cli("history", "export", str(conv["id"]), str(strongroom_home.parent / "matter.pdf"), env=WITH_PASS)
    assert wrong.returncode == 1 and "choose .md, .txt or .docx" in wrong.stderr

    refused = run_cli("history", "delete-all", env=WITH_PASS)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    done = run_cli("history", "delete-all", "--yes", env=WITH_PASS)
    assert done.returncode == 0, done.stderr
    assert json.loads(run_cli("history", "list", "--json", env=WITH_PASS).stdout) == []
    missing = run_cli("history", "show", str(conv["id"]), env=WITH_PASS)
    assert missing.returncode == 1 and f"no conversation #{conv['id']}" in missing.stderr


def test_no_history_skips_the_history_entirely(strongroom_home):
    # No passphrase is given: had the history been opened, the command would stop there.
    result = run_cli(*ASK, "--no-history", "--model", "no-such-model", "Say hi.", env=NO_KEYCHAIN)
    assert result.returncode == 1 and "no model with id 'no-such-model'" in result.stderr
    assert not (strongroom_home / "data" / "history.sqlite3").exists()


def test_without_passphrase_or_terminal_the_error_says_how(strongroom_home):
    result = run_cli(*ASK, "Say hi.", env=NO_KEYCHAIN)
    assert result.returncode == 1
    assert "STRONGROOM_PASSPHRASE" in result.stderr and "--no-history" not in result.stdout
    assert result.stdout == ""  # refused before the model was loaded
    assert not (strongroom_home / "data" / "history.key").exists()


def test_wrong_passphrase_is_refused(strongroom_home):
    assert run_cli("history", "list", env=WITH_PASS).returncode == 0
    result = run_cli("history", "list", env={**NO_KEYCHAIN, "STRONGROOM_PASSPHRASE": "not the right one"})
    assert result.returncode == 1 and "does not unlock" in result.stderr


def test_a_running_strongroom_keeps_the_history_to_itself(strongroom_home):
    holder = subprocess.Popen(
        [sys.executable, "-c", "from app.core.foundation import instance; instance.hold(); print('held', flush=True); "
                               "import time; time.sleep(120)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run_cli(*ASK, "Say hi.", env=WITH_PASS)
        assert result.returncode == 1
        assert "Strongroom is already running; close it or use the window" in result.stderr
        assert "--no-history" in result.stderr
    finally:
        holder.kill()
        holder.wait(10)
