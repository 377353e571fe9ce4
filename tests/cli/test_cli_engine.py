"""`strongroom ask` and `strongroom chat` in a child process, on the real demo model."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

SETTINGS = """schema_version = 1
[model]
n_ctx = 1024
n_threads = 1
[sampling]
max_tokens = 8
temperature = 0.0
seed = 5
"""


@pytest.fixture
def small_settings(strongroom_home):
    config = strongroom_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    return config


def test_ask_json_shape(small_settings):
    result = run_cli("ask", "--no-rag", "--no-history", "--json", "What is a deed?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == "smollm2-135m-instruct" and isinstance(data["answer"], str) and data["answer"]
    t = data["timings"]
    assert set(t) >= {"load_s", "ttft_ms", "tokens", "tokens_per_s"}
    assert 0 < t["tokens"] <= 8 and t["load_s"] > 0 and t["ttft_ms"] > 0
    # Same seed, same settings: the same answer, streamed as plain text without --json.
    plain = run_cli("ask", "--no-rag", "--no-history", "What is a deed?")
    assert plain.returncode == 0 and plain.stdout.strip() == data["answer"].strip()
    assert "llama_model_loader" not in plain.stderr + result.stderr  # llama.cpp logs go to the log file


def test_ask_unknown_model_says_so(small_settings):
    result = run_cli("ask", "--no-rag", "--no-history", "--model", "no-such-model", "Hi")
    assert result.returncode == 1 and "no model with id 'no-such-model'" in result.stderr


def test_chat_keeps_the_conversation_and_quits(small_settings):
    result = run_cli("chat", input="Hello\nWhat did I just say?\n/quit\n")
    assert result.returncode == 0, result.stderr
    answers = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(answers) >= 2
    assert "SmolLM2" in result.stderr and "/quit" in result.stderr
