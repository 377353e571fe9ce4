"""Runaway repetition: the pure detector on hostile inputs, and the engine stopping a real loop of the
demo model (greedy SmolLM2 copies an earlier answer that repeats one sentence, and keeps going)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from app.core.engine.repetition import (
    MAX_PERIOD, MIN_REPEATS, MIN_SPAN, NOTE, is_looping, repeating_lines, repeating_tokens,
)


def test_a_window_repeated_back_to_back_at_the_end_is_a_loop_of_that_period():
    prefix = list(range(100, 130))
    for period in (1, 2, 3, 7, 12, 25, MAX_PERIOD):
        window = list(range(1000 + period * 50, 1000 + period * 50 + period))
        copies = max(MIN_REPEATS, -(-MIN_SPAN // period))
        assert repeating_tokens(prefix + window * copies) == period, period
        assert repeating_tokens(prefix + window * (copies - 1)) == 0, period  # one copy short: not yet


def test_what_is_not_a_loop():
    assert repeating_tokens([]) == 0
    assert repeating_tokens([5]) == 0
    assert repeating_tokens(list(range(5000))) == 0  # long and varied
    table_rule = [10, 11] * 6  # "|---|---|..." in a markdown table: short, legitimate
    assert repeating_tokens(list(range(200, 240)) + table_rule + [99]) == 0
    # A loop that ended earlier, followed by new text, is no longer running.
    assert repeating_tokens([1, 2] * 40 + list(range(300, 320))) == 0
    # A window longer than MAX_PERIOD tokens is left to the line check.
    window = list(range(500, 500 + MAX_PERIOD + 1))
    assert repeating_tokens(window * 5) == 0


def test_the_same_line_repeated():
    line = "The deposit is three months rent."
    assert repeating_lines("Answer:\n" + (line + "\n") * 4)
    assert repeating_lines("Answer:\n" + (line + "\n\n") * 4)  # blank lines between copies
    assert not repeating_lines("Answer:\n" + (line + "\n") * 3)
    assert not repeating_lines((line + "\n") * 3 + line)  # the fourth copy is not a complete line yet
    assert not repeating_lines("|---|\n" * 10)  # too short to be taken for a loop
    assert not repeating_lines("a\nb\nc\nd\ne\n")
    assert not repeating_lines("")
    assert not repeating_lines("\n" * 50)
    assert not repeating_lines(None)  # type: ignore[arg-type]
    assert is_looping([], (line + "\n") * 5) and not is_looping([1, 2, 3], "x")


@settings(max_examples=200, deadline=None)
@given(prefix=st.lists(st.integers(0, 50_000), max_size=60),
       window=st.lists(st.integers(0, 50_000), min_size=1, max_size=MAX_PERIOD))
def test_any_window_repeated_enough_is_found_and_the_period_divides_it(prefix, window):
    copies = max(MIN_REPEATS, -(-MIN_SPAN // len(window)))
    period = repeating_tokens(prefix + window * copies)
    assert period and len(window) % period == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50_000), unique=True, max_size=400))
def test_tokens_that_never_repeat_are_never_a_loop(tokens):
    assert repeating_tokens(tokens) == 0


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_is_judged_without_error(text):
    assert repeating_lines(text) in (True, False)


@pytest.mark.slow
def test_the_engine_stops_a_real_loop_of_the_demo_model_with_finish_reason_repetition():
    from app.core.engine.local_engine import Engine, SamplingParams
    from tests.core.engine.test_engine import demo_info

    engine = Engine()
    engine.load(demo_info(), n_ctx=2048, n_threads=2).result()
    try:
        sentence = "The deposit is three months rent. "
        messages = [{"role": "user", "content": "What is the deposit?"},
                    {"role": "assistant", "content": sentence * 12},
                    {"role": "user", "content": "What is the deposit? Answer the same way."}]
        sampling = SamplingParams(temperature=0.0, max_tokens=400, seed=1)
        done = engine.chat("loop", messages, sampling).result(timeout=300)
        assert done.finish_reason == "repetition"
        assert done.timings.tokens < sampling.max_tokens  # stopped long before max_tokens
        assert done.text.count(sentence.strip()) >= MIN_REPEATS
        # The tokens of what it wrote are a loop by the pure detector too.
        assert repeating_tokens(engine._runtime.tokenize(done.text)[1:]) or repeating_lines(done.text + "\n")
        # An ordinary answer is not cut short.
        plain = engine.chat("plain", [{"role": "user", "content": "Name three colours."}],
                            SamplingParams(temperature=0.0, max_tokens=60, seed=1)).result(timeout=300)
        assert plain.finish_reason in ("stop", "length")
    finally:
        engine.close()
    assert NOTE.startswith("Stopped: the model was repeating itself")
