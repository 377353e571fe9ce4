"""The endpoint backend through nginx, as a firm deploys a model server (the Ollama recipe of the IT
guide): TLS from the firm's own CA (trusted through endpoint.ca_file), HTTP basic auth
(endpoint.basic_auth_user, the key as password), proxy_buffering off; streaming and cancel pass through."""
from __future__ import annotations

import threading
import time

import pytest

from app.core.engine.endpoint_engine import EndpointEngine, endpoint_model
from app.core.engine.interface import EngineError
from app.core.engine.sampling import SamplingParams
from app.core.foundation.settings import Settings
from tests.helpers.keychain import no_keychain  # noqa: F401 (fixture)
from tests.helpers.llama_server import llama_server  # noqa: F401 (fixture)
from tests.helpers.nginx import PASSWORD, USER, nginx_or_skip, start_nginx

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_keychain")]


@pytest.fixture(scope="module")
def proxy(llama_server, tmp_path_factory):
    server = start_nginx(nginx_or_skip(), tmp_path_factory.mktemp("nginx"), llama_server.port, llama_server.key)
    yield server
    server.stop()


def settings_for(proxy, llama_server, **endpoint) -> Settings:
    settings = Settings()
    values = {"url": proxy.url, "model": llama_server.alias, "ca_file": str(proxy.pki.ca_file),
              "basic_auth_user": USER, "max_context": 2048, "timeout_s": 20.0, **endpoint}
    for key, value in values.items():
        settings.set(f"endpoint.{key}", value)
    return settings


def open_engine(proxy, llama_server, **endpoint) -> EndpointEngine:
    engine = EndpointEngine()
    try:
        engine.load(endpoint_model(llama_server.alias, proxy.url),
                    settings=settings_for(proxy, llama_server, **endpoint)).result(60)
    except BaseException:
        engine.close()
        raise
    return engine


def test_answers_stream_and_cancel_through_the_proxy(proxy, llama_server, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", PASSWORD)
    engine = open_engine(proxy, llama_server)
    try:
        assert engine.count_tokens("ninety days written notice") > 0  # the tokenizer, through the proxy too
        pieces = []
        done = engine.chat("n1", [{"role": "user", "content": "Name two rivers."}],
                           SamplingParams(max_tokens=12, temperature=0.0, seed=2), pieces.append).result(60)
        assert done.text and "".join(pieces) == done.text and done.timings.tokens > 1  # streamed, not buffered

        first = threading.Event()
        gen = engine.chat("n2", [{"role": "user", "content": "Write a very long story about a harbour."}],
                          SamplingParams(max_tokens=1500, temperature=0.8, seed=1), lambda _p: first.set())
        assert first.wait(30)
        started = time.perf_counter()
        gen.cancel()
        stopped = gen.result(10)
        assert time.perf_counter() - started < 2  # bench_endpoint.py measures it: tens of milliseconds
        assert stopped.finish_reason == "cancelled" and stopped.text
    finally:
        engine.close()
    log = (proxy.folder / "access.log").read_text()
    assert "/v1/chat/completions" in log and "/v1/models" in log  # it really went through nginx


def test_without_the_firms_ca_the_certificate_is_not_trusted(proxy, llama_server, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", PASSWORD)
    with pytest.raises(EngineError, match=r"certificate of the model server at https://127\.0\.0\.1:\d+/v1 is not "
                                          r"trusted.*endpoint\.ca_file"):
        open_engine(proxy, llama_server, ca_file="")


def test_a_wrong_password_names_the_user_and_the_key(proxy, llama_server, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", "not-the-password")
    with pytest.raises(EngineError, match="refused the user 'alice'.*strongroom endpoint set-key"):
        open_engine(proxy, llama_server)
