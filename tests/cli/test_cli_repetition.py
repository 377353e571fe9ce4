"""A runaway loop of the model is stopped with a note, in `ask` and `chat` (real demo model, child
processes). Greedy SmolLM2 copies an earlier answer that repeats one sentence, and keeps going."""
from __future__ import annotations

import json

import pytest

from app.core.engine.repetition import NOTE
from tests.cli.test_cli_engine import small_settings  # noqa: F401 - fixture
from tests.cli.test_history_cli import WITH_PASS
from tests.conftest import run_cli

pytestmark = pytest.mark.slow

SENTENCE = "The deposit is three months rent. "
LOOP = ("--max-tokens", "400", "--temperature", "0", "--seed", "1")


def _looping_conversation(monkeypatch) -> int:
    """A saved conversation whose answer is a loop (the CLI's history, keyed by the test passphrase)."""
    from app.core.foundation import instance
    from app.core.history.conversations import History
    from app.core.privacy.keystore import KeyStore

    for key, value in WITH_PASS.items():
        monkeypatch.setenv(key, value)
    history = History(KeyStore(use_keychain=False))  # as the children, whose keyring is the fail backend
    try:
        cid = history.create_conversation("Deposit", libraries=[])
        history.add_message(cid, "user", "What is the deposit?")
        history.add_message(cid, "assistant", SENTENCE * 12)
        return cid
    finally:
        history.close()
        instance.release()  # the children take the single-writer lock next


def test_ask_stops_a_loop_with_finish_reason_repetition_and_a_note(small_settings, monkeypatch):  # noqa: F811
    cid = _looping_conversation(monkeypatch)
    question = "What is the deposit? Answer the same way."
    data = run_cli("ask", "--continue", str(cid), "--json", *LOOP, question, env=WITH_PASS)
    assert data.returncode == 0, data.stderr
    result = json.loads(data.stdout)
    assert result["finish_reason"] == "repetition"
    assert result["timings"]["tokens"] < 400
    shown = run_cli("ask", "--continue", str(cid), *LOOP, question, env=WITH_PASS)
    assert shown.returncode == 0, shown.stderr
    assert NOTE in shown.stderr
    # An ordinary answer gets no such note.
    plain = run_cli("ask", "--no-rag", "--no-history", "--max-tokens", "8", "What is a deed?")
    assert plain.returncode == 0 and NOTE not in plain.stderr
