"""The engine on the real SmolLM2 GGUF: streaming, cancel, KV reuse, conversation switches, budget."""
from __future__ import annotations

import dataclasses
import logging
import threading

import llama_cpp
import pytest

from app.core.engine.local_engine import ContextTooSmall, Engine, EngineError, SamplingParams
from app.core.models.registry import Registry

N_CTX = 1024
N_BATCH = 64  # small batches: a ~250-token prompt takes several decodes, so cancel can land inside one
THREADS = 1  # these tests share two cores with the rest of the suite
GREEDY = SamplingParams(temperature=0.0, max_tokens=8, seed=7)
SEEDED = SamplingParams(temperature=0.8, max_tokens=8, seed=1234)
SYSTEM = {"role": "system", "content": "You are a careful assistant for a law firm."}


def demo_info():
    info = Registry().find("smollm2-135m-instruct")
    assert info is not None and info.loadable
    return info


@pytest.fixture(scope="module")
def engine():
    eng = Engine()
    eng.load(demo_info(), n_ctx=N_CTX, n_threads=THREADS, gpu_offload=True, n_batch=N_BATCH).result()
    yield eng
    eng.close()


def ask(engine, conversation, messages, sampling=GREEDY, **kw):
    return engine.chat(conversation, messages, sampling, **kw).result(timeout=120)


def kv_positions(engine) -> int:
    mem = llama_cpp.llama_get_memory(engine._runtime.ctx.ctx)
    return llama_cpp.llama_memory_seq_pos_max(mem, 0) + 1


def test_streams_pieces_through_callback_and_iterator(engine):
    seen: list[str] = []
    threads: set[str] = set()

    def on_token(piece):
        seen.append(piece)
        threads.add(threading.current_thread().name)

    gen = engine.chat("stream", [SYSTEM, {"role": "user", "content": "Name three colours."}], GREEDY, on_token=on_token)
    pieces = list(gen)
    done = gen.result()
    assert pieces and pieces == seen and "".join(pieces) == done.text
    assert threads == {"engine"}  # callbacks run on the engine thread, never the caller's
    assert done.finish_reason in ("stop", "length") and 0 < done.timings.tokens <= GREEDY.max_tokens
    assert done.timings.ttft_ms > 0 and done.timings.prompt_tokens > 10


def test_cancel_during_generation_stops_within_a_token_and_engine_stays_usable(engine):
    messages = [SYSTEM, {"role": "user", "content": "Write a long story about a judge."}]
    holder = {}

    def on_token(_piece):
        if len(holder.setdefault("pieces", [])) == 2:
            holder["gen"].cancel()
        holder["pieces"].append(_piece)

    gen = engine.chat("cancel-gen", messages, SamplingParams(temperature=0, max_tokens=200), on_token=on_token)
    holder["gen"] = gen
    done = gen.result(timeout=120)
    assert done.finish_reason == "cancelled"
    assert done.timings.tokens <= 4  # cancelled at the third piece: at most one more token
    assert kv_positions(engine) == len(engine._runtime.cached)  # cache and bookkeeping agree
    again = ask(engine, "cancel-gen", messages)
    assert again.finish_reason in ("stop", "length") and again.text


def test_cancel_inside_prompt_processing_uses_the_abort_callback(engine, monkeypatch):
    runtime = engine._runtime
    long_text = " ".join(f"Clause {i} binds." for i in range(40))  # ~250 tokens: 4 batches of 64
    messages = [SYSTEM, {"role": "user", "content": long_text + " Summarise."}]
    batches: list[int] = []  # the cache size at the start of each prompt batch of this request
    armed = threading.Event()
    real_decode = runtime._decode

    def decode(tokens, abortable):
        if abortable and armed.is_set():
            batches.append(len(runtime.cached))
            if len(batches) == 2:
                # The first batch is in the cache and the loop has let the second one start: the
                # cancel (the request's own cancel event, as Generation.cancel sets it) arrives while
                # llama.cpp decodes it, so only its abort callback can stop it.
                runtime._cancel.set()
        return real_decode(tokens, abortable)

    monkeypatch.setattr(runtime, "_decode", decode)
    armed.set()
    gen = engine.chat("cancel-prompt", messages, SamplingParams(temperature=0, max_tokens=8))
    done = gen.result(timeout=120)
    assert done.finish_reason == "cancelled" and done.text == ""
    assert len(batches) == 2  # no batch was decoded after the cancelled one
    assert runtime.stats.abort_hits >= 1  # llama.cpp itself stopped the decode
    assert len(runtime.cached) == batches[1] < runtime.stats.prompt_tokens  # the second batch was not kept
    assert kv_positions(engine) == len(runtime.cached)
    armed.clear()
    after = ask(engine, "cancel-prompt", [SYSTEM, {"role": "user", "content": "Say hello."}])
    assert after.finish_reason in ("stop", "length") and after.text


def test_second_turn_decodes_only_the_new_tokens(engine):
    turn1 = [SYSTEM, {"role": "user", "content": "What is an affidavit?"}]
    first = ask(engine, "kv", turn1)
    prompt1 = first.timings.prompt_tokens
    turn2 = turn1 + [{"role": "assistant", "content": first.text}, {"role": "user", "content": "Who signs it?"}]
    second = ask(engine, "kv", turn2)
    new_tokens = second.timings.prompt_tokens - prompt1
    assert second.timings.prompt_evaluated <= new_tokens + 1
    assert second.timings.prompt_evaluated < second.timings.prompt_tokens / 2


def test_switching_conversations_never_serves_another_conversations_cache(engine):
    conv_a = [SYSTEM, {"role": "user", "content": "Define negligence in one sentence."}]
    conv_b = [SYSTEM, {"role": "user", "content": "Define trespass in one sentence."}]
    ask(engine, "A", conv_a, SEEDED)
    ask(engine, "B", conv_b, SEEDED)
    switched = ask(engine, "A", conv_a, SEEDED)
    fresh_engine = Engine()
    try:
        fresh_engine.load(demo_info(), n_ctx=N_CTX, n_threads=THREADS, gpu_offload=True, n_batch=N_BATCH).result()
        fresh = ask(fresh_engine, "A", conv_a, SEEDED)
    finally:
        fresh_engine.close()
    assert switched.text == fresh.text
    # Only the shared system prompt was reused from B's cache.
    assert switched.timings.prompt_evaluated > 0


def test_long_history_is_trimmed_not_refused(engine):
    history = []
    for i in range(20):
        history += [{"role": "user", "content": f"Question {i}: " + "facts " * 30},
                    {"role": "assistant", "content": f"Answer {i}: " + "details " * 30}]
    messages = [SYSTEM, *history, {"role": "user", "content": "And finally?"}]
    # A long answer budget leaves room for only the newest messages; stop after one token.
    gen = engine.chat("long", messages, dataclasses.replace(GREEDY, max_tokens=N_CTX - 150),
                      on_token=lambda _p: holder[0].cancel())
    holder = [gen]
    done = gen.result(timeout=120)
    assert done.dropped_turns > 0 and done.timings.prompt_tokens <= 150
    assert done.timings.prompt_tokens + done.max_tokens <= N_CTX


def test_fit_keeps_the_prompt_inside_the_context(engine):
    history = [{"role": "user", "content": "old " * 100}, {"role": "assistant", "content": "reply " * 100}] * 3
    passages = [f"Passage {i}: " + "evidence " * 100 for i in range(12)]
    fitted = engine.fit(SYSTEM["content"], history, passages, "What does the evidence show?", 256)
    assert fitted.prompt_tokens == engine.prompt_tokens(fitted.messages)
    assert fitted.prompt_tokens + fitted.max_tokens <= N_CTX and fitted.max_tokens == 256
    assert fitted.dropped_turns == len(history) and 0 < len(fitted.kept_passages) < len(passages)
    with pytest.raises(ContextTooSmall):
        engine.fit("", [], [], "word " * 3000, 256)


def test_count_tokens(engine):
    assert engine.count_tokens("") == 0
    assert 0 < engine.count_tokens("The tenant shall pay rent.") < 12


def test_model_too_big_for_memory_is_refused_plainly(engine):
    huge = dataclasses.replace(demo_info(), size_bytes=10**14)
    with pytest.raises(EngineError, match="needs about .* GB of memory"):
        engine.load(huge, n_ctx=N_CTX, n_threads=THREADS, gpu_offload=False).result()
    assert engine.loaded_model is not None  # the loaded model is untouched


def test_truncated_model_file_is_refused_and_nothing_is_lost(engine, demo_gguf, models_dir):
    broken = models_dir / "broken.gguf"
    broken.write_bytes(demo_gguf.read_bytes()[: 5 * 1024 * 1024])
    info = next(m for m in Registry().scan() if m.path == broken)
    with pytest.raises(EngineError, match="cannot be used: .*truncated"):
        engine.load(info, n_ctx=N_CTX, n_threads=THREADS, gpu_offload=False).result()
    assert engine.loaded_model.id == "smollm2-135m-instruct"
    assert ask(engine, "after-broken", [{"role": "user", "content": "Hi"}]).text
