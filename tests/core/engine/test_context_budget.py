"""The context budget: oldest turns go first, then the last-ranked passages; it never overflows."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from app.core.engine.context_budget import ContextTooSmall, fit_prompt, trim_messages


def words(messages) -> int:
    # A stand-in token counter with the same shape as the engine's (rendered prompt -> count).
    return sum(len(m["content"].split()) + 4 for m in messages) + 2


def turns(n: int, size: int) -> list[dict]:
    out = []
    for i in range(n):
        out += [{"role": "user", "content": f"q{i} " + "w " * size}, {"role": "assistant", "content": f"a{i} " + "w " * size}]
    return out


@settings(max_examples=60, deadline=None)
@given(n_turns=st.integers(0, 12), turn_size=st.integers(0, 80), n_passages=st.integers(0, 8),
       passage_size=st.integers(1, 120), n_ctx=st.integers(300, 1200), max_tokens=st.integers(16, 256))
def test_fit_never_exceeds_the_context(n_turns, turn_size, n_passages, passage_size, n_ctx, max_tokens):
    history = turns(n_turns, turn_size)
    passages = [f"p{i} " + "x " * passage_size for i in range(n_passages)]
    try:
        fitted = fit_prompt(words, n_ctx, "system prompt", history, passages, "the question?", max_tokens)
    except ContextTooSmall:
        return
    assert fitted.prompt_tokens == words(fitted.messages)
    assert fitted.prompt_tokens + fitted.max_tokens <= n_ctx
    assert fitted.kept_passages == passages[: len(fitted.kept_passages)]  # best-ranked kept
    assert fitted.messages[0]["role"] == "system" and "the question?" in fitted.messages[-1]["content"]
    kept_history = fitted.messages[1:-1]
    assert kept_history == history[len(history) - len(kept_history):]  # the newest turns survive
    if fitted.dropped_passages:
        assert not kept_history  # passages go only once every old turn is gone
    roles = [m["role"] for m in fitted.messages[1:]]
    assert all(a != b for a, b in zip(roles, roles[1:]))  # still alternating


def test_turns_go_before_passages():
    history = turns(6, 50)
    passages = ["p " * 40 for _ in range(4)]
    fitted = fit_prompt(words, 700, "S", history, passages, "Q", 100)
    assert fitted.dropped_turns > 0 and fitted.kept_passages == passages


def test_trim_messages_keeps_system_and_question():
    msgs = [{"role": "system", "content": "S"}] + turns(10, 60) + [{"role": "user", "content": "last"}]
    fitted = trim_messages(words, 500, msgs, 64)
    assert fitted.messages[0]["content"] == "S" and fitted.messages[-1]["content"] == "last"
    assert fitted.dropped_turns > 0 and fitted.prompt_tokens + fitted.max_tokens <= 500


def test_answer_room_shrinks_before_giving_up_and_then_says_so_plainly():
    fitted = fit_prompt(words, 300, "", [], [], "w " * 200, 256)
    assert fitted.max_tokens == 300 - fitted.prompt_tokens
    with pytest.raises(ContextTooSmall, match="too long for this model's context"):
        fit_prompt(words, 300, "", [], [], "w " * 290, 256)
