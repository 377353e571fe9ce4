"""The endpoint backend against a real llama_cpp.server on loopback (the demo GGUF under an alias,
with an API key): what loads, streams, cancels, counts and fits, and the plain errors."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from app.core.engine.context_budget import compose_user_message
from app.core.engine.endpoint_engine import EndpointEngine, endpoint_model, estimate_tokens
from app.core.engine.interface import EngineError
from app.core.engine.sampling import SamplingParams
from app.core.foundation.settings import Settings
from tests.helpers.keychain import no_keychain  # noqa: F401 (fixture)
from tests.helpers.llama_server import N_CTX, endpoint_policy, free_port, llama_server  # noqa: F401 (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_keychain")]


def settings_for(home, server, **endpoint) -> Settings:
    policy = home / "system" / "policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(endpoint_policy(server, **endpoint), encoding="utf-8")
    return Settings()


@pytest.fixture
def engine(llama_server, strongroom_home, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", llama_server.key)
    settings = settings_for(strongroom_home, llama_server)
    engine = EndpointEngine()
    engine.load(endpoint_model(llama_server.alias, llama_server.url), settings=settings).result(60)
    yield engine
    engine.close()


def test_load_checks_the_model_is_served_and_takes_the_context_from_settings(engine, llama_server):
    loaded = engine.loaded
    assert loaded.info.id == llama_server.alias and loaded.info.origin == "endpoint"
    # llama_cpp.server does not say its context: endpoint.max_context is used, and that is said
    assert loaded.n_ctx == N_CTX and any("endpoint.max_context" in w for w in loaded.warnings)


def test_token_counts_come_from_the_servers_tokenizer(engine, llama_server):
    text = "The lease of the warehouse begins on 1 March 2024."
    reply = httpx.post(f"http://127.0.0.1:{llama_server.port}/extras/tokenize", json={"input": text},
                       headers={"Authorization": f"Bearer {llama_server.key}"}, timeout=20)
    assert engine.count_tokens(text) == len(reply.json()["tokens"]) != estimate_tokens(text)


def test_streams_through_on_token_and_iteration_alike(engine):
    seen = []
    sampling = SamplingParams(max_tokens=12, temperature=0.0, seed=3)
    gen = engine.chat("c1", [{"role": "user", "content": "Name three colours."}], sampling, on_token=seen.append)
    pieces = list(gen)
    done = gen.result(30)
    assert pieces == seen and "".join(pieces) == done.text and done.text
    assert done.finish_reason in ("stop", "length")
    t = done.timings
    assert t.ttft_ms > 0 and 0 < t.tokens <= 12 and t.prompt_tokens > 0
    # regenerate: another chat call on the same engine, the same settings, the same answer
    again = engine.chat("c1", [{"role": "user", "content": "Name three colours."}], sampling).result(30)
    assert again.text == done.text


def test_cancel_closes_the_stream_and_keeps_the_partial_answer(engine):
    first = threading.Event()
    gen = engine.chat("c2", [{"role": "user", "content": "Write a very long story about a lighthouse."}],
                      SamplingParams(max_tokens=1500, temperature=0.8, seed=1), on_token=lambda _p: first.set())
    assert first.wait(30)
    started = time.perf_counter()
    gen.cancel()
    done = gen.result(10)
    assert time.perf_counter() - started < 2  # measured in tests/bench/bench_endpoint.py: well under 100 ms
    assert done.finish_reason == "cancelled" and done.text and done.timings.tokens < 1500


def test_fit_drops_the_lowest_ranked_passages_to_fit_the_servers_context(engine):
    passages = [f"Passage {i}: " + "the tenant shall keep the premises in good repair. " * 40 for i in range(12)]
    fitted = engine.fit("You answer from excerpts.", [], passages, "Who repairs?", 64, compose_user_message)
    assert 0 < len(fitted.kept_passages) < len(passages)
    assert fitted.prompt_tokens + fitted.max_tokens <= N_CTX


def test_a_model_that_is_not_served_is_named_with_what_is(llama_server, strongroom_home, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", llama_server.key)
    settings = settings_for(strongroom_home, llama_server, model="mistral-small")
    engine = EndpointEngine()
    with pytest.raises(EngineError, match=f"does not serve 'mistral-small'.*serves: {llama_server.alias}"):
        engine.load(endpoint_model("mistral-small", llama_server.url), settings=settings).result(30)
    engine.close()


@pytest.mark.parametrize("key", ["wrong-key", None])
def test_a_refused_key_names_the_key_and_how_to_set_it(llama_server, strongroom_home, monkeypatch, no_keychain, key):
    if key:
        monkeypatch.setenv("STRONGROOM_API_KEY", key)
    else:
        monkeypatch.delenv("STRONGROOM_API_KEY", raising=False)
    settings = settings_for(strongroom_home, llama_server)
    engine = EndpointEngine()
    with pytest.raises(EngineError, match=r"API key \(HTTP 401\).*strongroom endpoint set-key.*STRONGROOM_API_KEY"):
        engine.load(endpoint_model(llama_server.alias, llama_server.url), settings=settings).result(30)
    engine.close()


def test_a_stopped_server_names_the_url(llama_server, strongroom_home, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", llama_server.key)
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = settings_for(strongroom_home, llama_server, url=url)
    engine = EndpointEngine()
    with pytest.raises(EngineError, match=f"model server at {url} cannot be reached"):
        engine.load(endpoint_model(llama_server.alias, url), settings=settings).result(30)
    engine.close()
