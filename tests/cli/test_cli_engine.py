"""`strongroom ask` and `strongroom chat` in a child process, on the real demo model."""
from __future__ import annotations

import json
import re

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


PROMPT_LINE = re.compile(r"prompt: (\d+) tokens, (\d+) reused from the KV cache")


def _prompts_logged() -> list[tuple[int, int]]:
    """(prompt tokens, tokens reused from the KV cache) of every answer, from the engine's log lines."""
    from app.core.foundation import paths

    text = "".join(f.read_text(encoding="utf-8") for f in sorted(paths.log_dir().glob("strongroom.log*")))
    return [(int(a), int(b)) for a, b in PROMPT_LINE.findall(text)]


def test_chat_keeps_the_conversation_and_quits(small_settings):
    # Turn 2 follows turn 1; after /reset the same question starts a new conversation.
    result = run_cli("chat", input="Hello\nWhat did I just say?\n/reset\nWhat did I just say?\n/quit\nNever read\n")
    assert result.returncode == 0, result.stderr
    assert "SmolLM2" in result.stderr and "/quit" in result.stderr and "(new conversation)" in result.stderr
    assert len([line for line in result.stdout.splitlines() if line.strip()]) >= 3  # an answer per turn
    prompts = _prompts_logged()
    assert len(prompts) == 3, prompts  # three answers: nothing after /quit was answered
    (first, _), (second, reused), (alone, reused_alone) = prompts
    # Turn 2's prompt starts with the whole of turn 1's (all of it came from the KV cache, bar the last
    # token, which is decoded again for fresh logits) and carries more than the question alone does.
    assert reused >= first - 1
    assert second > alone
    # The control: the same question without turn 1 shares only the system prompt with what came before.
    assert reused_alone < first - 1



def _indexed_matter(tmp_path, first_page: str, termination: str):
    """Library "Okafor": a two-page lease PDF (its terms, then termination) and a memo, indexed by the CLI."""
    from tests.core.ingest_files import pdf_bytes

    docs = tmp_path / "matter"
    docs.mkdir()
    (docs / "lease.pdf").write_bytes(pdf_bytes([first_page, f"Termination.\n{termination}"]))
    (docs / "memo.txt").write_text("The caretaker saw water leaking from the kitchen ceiling on 4 June.",
                                   encoding="utf-8")
    assert run_cli("library", "add", "Okafor", str(docs)).returncode == 0
    assert run_cli("index", "Okafor").returncode == 0
    return docs


@pytest.mark.slow
def test_ask_library_json_gives_sources_with_file_and_page(small_settings, strongroom_home, tmp_path):
    docs = _indexed_matter(tmp_path, "The lease begins on 1 March 2024 and runs for five years.",
                           "Either party may terminate this lease with ninety days written notice.")

    out = run_cli("ask", "--library", "Okafor", "--no-history", "--json", "How much notice ends the lease?")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"answer", "sources", "timings"} and data["answer"]
    assert set(data["timings"]) >= {"retrieval_ms", "prompt_tokens", "ttft_ms", "tokens_per_s"}
    first = data["sources"][0]
    assert set(first) >= {"n", "library", "file", "page", "excerpt", "score", "cited"}
    assert first == {**first, "n": 1, "library": "Okafor", "file": str((docs / "lease.pdf").resolve()), "page": 2}
    assert "ninety days" in first["excerpt"]

    # --type narrows to one kind of file; an unknown kind is refused in plain words
    out = run_cli("ask", "--library", "Okafor", "--type", "txt", "--no-history", "--json", "water leaking kitchen")
    assert out.returncode == 0, out.stderr
    assert {s["file"] for s in json.loads(out.stdout)["sources"]} == {str((docs / "memo.txt").resolve())}
    out = run_cli("ask", "--library", "Okafor", "--type", "exe", "--no-history", "Hi")
    assert out.returncode == 1 and "not a kind of file" in out.stderr

    # without --json: the answer streams, then the numbered sources
    out = run_cli("ask", "--library", "Okafor", "--no-history", "How much notice ends the lease?")
    assert out.returncode == 0 and f"[1] {(docs / 'lease.pdf').resolve()}, page 2" in out.stdout

    # the terminal chat answers every turn from the library, follow-ups included
    out = run_cli("chat", "--library", "Okafor", input="How much notice ends the lease?\nAnd by what means?\n/quit\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("Sources:") == 2 and "Answers come from: Okafor" in out.stderr

    out = run_cli("ask", "--library", "Nobody", "--no-history", "Hi")
    assert out.returncode == 1 and "Nobody" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_ask_continue_adds_to_the_conversation_and_reads_a_follow_up_with_it(small_settings, tmp_path):
    from tests.cli.test_history_cli import WITH_PASS

    _indexed_matter(tmp_path, "The lease of the warehouse begins on 1 March 2024 and runs for five years.",
                    "Either party may terminate the lease with ninety days written notice.")

    first = run_cli("ask", "--library", "Okafor", "--json", "When does the warehouse lease begin?", env=WITH_PASS)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    claims = data["claims"]
    assert claims and "".join(c["text"] for c in claims) == data["answer"]
    assert all(set(c) == {"text", "sources", "supported", "reason"} and c["reason"] for c in claims)
    cid = data["conversation_id"]

    second = run_cli("ask", "--continue", str(cid), "--json", "And how can it be ended?", env=WITH_PASS)
    assert second.returncode == 0, second.stderr
    follow = json.loads(second.stdout)
    assert follow["conversation_id"] == cid
    assert follow["query"].startswith("When does the warehouse lease begin?")  # searched with what it follows
    assert follow["sources"] and follow["sources"][0]["library"] == "Okafor"  # the conversation's library
    shown = run_cli("history", "show", str(cid), "--json", env=WITH_PASS)
    assert shown.returncode == 0, shown.stderr
    messages = json.loads(shown.stdout)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[2]["content"] == "And how can it be ended?" and messages[3]["model"] == "smollm2-135m-instruct"
    assert messages[1]["claims"] == claims  # saved with the answer, as the window saves them

    missing = run_cli("ask", "--continue", "999", "Hello?", env=WITH_PASS)
    assert missing.returncode == 1 and "no saved conversation 999" in missing.stderr
    refused = run_cli("ask", "--continue", str(cid), "--no-history", "Hello?", env=WITH_PASS)
    assert refused.returncode == 1 and "--no-history" in refused.stderr
