"""`strongroom ask` records its exchange in the encrypted history; `strongroom history` reads and deletes it,
and changes the passphrase its key is wrapped with.

Runs the real CLI in child processes with the real demo model. The children get no keychain
(PYTHON_KEYRING_BACKEND), so the passphrase path is used as on a headless workstation.
"""
import argparse
import json
import subprocess
import sys

import keyring
import pytest
from keyring.backends import fail

from app.cli import history_access, history_cmd
from app.core.foundation import instance
from app.core.history.conversations import History
from app.core.privacy.keystore import KeyStore
from tests.conftest import ROOT, run_cli
from tests.helpers.log_scan import find_phrases
from tests.helpers.keychain import MemoryKeychain

PHRASE = "Quillfeather-5521 indemnity carve-out"
NO_KEYCHAIN = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
WITH_PASS = {**NO_KEYCHAIN, "STRONGROOM_PASSPHRASE": "cli test passphrase"}
ASK = ("ask", "--no-rag", "--json", "--max-tokens", "8", "--temperature", "0", "--seed", "1")

OLD, NEW = "cli test passphrase", "a fresh cli passphrase"
CHANGE = {**NO_KEYCHAIN, "STRONGROOM_PASSPHRASE": OLD, "STRONGROOM_NEW_PASSPHRASE": NEW}

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _demo_model(demo_gguf, monkeypatch):
    """The default model setting names the demo model: nothing to configure."""
    monkeypatch.delenv("STRONGROOM_NEW_PASSPHRASE", raising=False)


@pytest.fixture
def saved_conversation(strongroom_home):
    """A history with one conversation under OLD, written in this process and released for the children."""
    keystore = KeyStore(use_keychain=False)
    keystore.unlock(OLD)
    with History(keystore) as history:
        history.add_message(history.create_conversation("Indemnity review"), "user", "What is capped?")
    instance.release()
    return keystore.key_file


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


def test_change_passphrase_then_only_the_new_one_opens_the_history(saved_conversation):
    before = saved_conversation.read_bytes()
    changed = run_cli("history", "change-passphrase", env=CHANGE, input="")
    assert changed.returncode == 0, changed.stderr
    assert "passphrase changed" in changed.stdout
    assert saved_conversation.read_bytes() != before
    old = run_cli("history", "list", env={**NO_KEYCHAIN, "STRONGROOM_PASSPHRASE": OLD}, input="")
    assert old.returncode == 1 and "does not unlock" in old.stderr
    new = run_cli("history", "list", env={**NO_KEYCHAIN, "STRONGROOM_PASSPHRASE": NEW}, input="")
    assert new.returncode == 0, new.stderr
    assert "Indemnity review" in new.stdout and "1 msg" in new.stdout


@pytest.mark.parametrize("env, says", [
    ({**CHANGE, "STRONGROOM_PASSPHRASE": "not the current one"}, "not the current history passphrase"),
    ({**CHANGE, "STRONGROOM_NEW_PASSPHRASE": "short"}, "at least 8 characters"),
    ({k: v for k, v in CHANGE.items() if k != "STRONGROOM_NEW_PASSPHRASE"}, "STRONGROOM_NEW_PASSPHRASE"),
    ({k: v for k, v in CHANGE.items() if k != "STRONGROOM_PASSPHRASE"}, "STRONGROOM_PASSPHRASE"),
], ids=["wrong-current", "short-new", "no-new", "no-current"])
def test_a_refused_change_says_why_and_leaves_the_key_file_alone(saved_conversation, env, says):
    before = saved_conversation.read_bytes()
    result = run_cli("history", "change-passphrase", env=env, input="")
    assert result.returncode == 1 and says in result.stderr, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert saved_conversation.read_bytes() == before
    assert run_cli("history", "list", env={**NO_KEYCHAIN, "STRONGROOM_PASSPHRASE": OLD}, input="").returncode == 0


def test_with_a_keychain_there_is_no_passphrase_to_change(strongroom_home):
    keychain = {"PYTHON_KEYRING_BACKEND": "tests.helpers.keychain.MemoryKeychain", "STRONGROOM_PASSPHRASE": OLD,
                "STRONGROOM_NEW_PASSPHRASE": NEW}
    result = run_cli("history", "change-passphrase", env=keychain, input="")
    assert result.returncode == 1
    assert "kept in the OS keychain: there is no passphrase to change" in result.stderr, result.stderr
    assert not (strongroom_home / "data" / "history.key").exists()


def test_before_any_history_there_is_no_passphrase_yet(strongroom_home):
    result = run_cli("history", "change-passphrase", env=CHANGE, input="")
    assert result.returncode == 1 and "chosen the first time" in result.stderr
    assert not (strongroom_home / "data" / "history.key").exists()


def test_help_lists_change_passphrase():
    result = run_cli("history", "--help")
    assert result.returncode == 0 and "change-passphrase" in result.stdout


@pytest.fixture
def terminal(monkeypatch):
    """A terminal that answers getpass prompts in order and records them."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    asked, answers = [], []

    def getpass(prompt):
        asked.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(history_access.getpass, "getpass", getpass)
    yield asked, answers
    keyring.set_keyring(previous)
    instance.release()


def test_on_a_terminal_the_current_passphrase_is_asked_once_and_the_new_one_twice(saved_conversation, terminal):
    asked, answers = terminal
    answers += [OLD, NEW, NEW]
    assert history_cmd.run(argparse.Namespace(action="change-passphrase")) == 0
    assert asked == ["Current history passphrase: ", "New history passphrase: ", "Repeat it: "]
    instance.release()
    KeyStore().unlock(NEW)


def test_on_a_terminal_two_different_new_passphrases_change_nothing(saved_conversation, terminal, capsys):
    asked, answers = terminal
    answers += [OLD, NEW, NEW + "!"]
    before = saved_conversation.read_bytes()
    assert history_cmd.run(argparse.Namespace(action="change-passphrase")) == 1
    assert "the two passphrases differ" in capsys.readouterr().err
    assert saved_conversation.read_bytes() == before


def test_export_md_carries_model_date_sources_and_claim_marks(strongroom_home):
    """`history export ID FILE.md`: the model, the date and time, each answer's sources (cited, and the
    others under "Also retrieved") and the claim marks, from a conversation saved in the real history."""
    import re
    from datetime import datetime

    sources = [{"n": 1, "library": "Okafor", "file": "/matters/okafor/lease.pdf", "page": 3,
                "excerpt": "Either party may terminate the agreement with ninety days written notice.", "score": 0.7},
               {"n": 2, "library": "Okafor", "file": "/matters/okafor/memo.docx", "page": None,
                "excerpt": "The caretaker saw water leaking on 4 June.", "score": 0.2}]
    answer = "Ninety days written notice [1]. The tenant pays a penalty [1]."
    claims = [{"text": "Ninety days written notice [1]. ", "sources": [1], "supported": True, "reason": "backed"},
              {"text": "The tenant pays a penalty [1].", "sources": [1], "supported": False,
               "reason": "no source says this"}]
    keystore = KeyStore(use_keychain=False)
    keystore.unlock(OLD)
    with History(keystore) as history:
        cid = history.create_conversation("Termination", libraries=["Okafor"])
        history.add_message(cid, "user", "How is the lease ended?")
        history.add_message(cid, "assistant", answer, sources=sources, model="smollm2-135m-instruct", claims=claims)
        created = history.messages(cid)[-1].created
    instance.release()

    target = strongroom_home.parent / "termination.md"
    done = run_cli("history", "export", str(cid), str(target), env=WITH_PASS)
    assert done.returncode == 0, done.stderr
    md = target.read_text(encoding="utf-8")
    when = datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M")
    assert f"### Answer ({when}, model: SmolLM2 135M Instruct (demo) [smollm2-135m-instruct])" in md
    assert re.search(r"Exported from Strongroom on \d{4}-\d\d-\d\d \d\d:\d\d", md)
    assert "Caveat: written by the built-in demo model" in md
    assert "Ninety days written notice [1]. **\u26a0 check:** The tenant pays a penalty [1]." in md
    assert "- The tenant pays a penalty [1]. (no source says this)" in md
    cited, also = md.split("Also retrieved (not cited):")
    assert "[1] /matters/okafor/lease.pdf, page 3" in cited and "ninety days written notice" in cited
    assert "[2] /matters/okafor/memo.docx" in also and "water leaking" in also
