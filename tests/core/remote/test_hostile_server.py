"""Every reply path of the model server client against a server that misbehaves on purpose: each
failure is a plain sentence saying what happened and what to do, within endpoint.timeout_s, and a
stream that breaks keeps the answer written so far (finish_reason "cut_off")."""
from __future__ import annotations

import ssl
import time

import pytest

from app.core.engine.endpoint_engine import EndpointEngine, endpoint_model, estimate_tokens
from app.core.engine.interface import CUT_OFF, EngineError
from app.core.engine.repetition import FINISH_REASON as REPETITION
from app.core.engine.sampling import SamplingParams
from app.core.foundation.settings import Settings
from tests.helpers.certs import make_pki
from tests.helpers.hostile_server import HostileServer, models, piece, silent
from tests.helpers.keychain import no_keychain  # noqa: F401 (fixture)

MODEL = "firm-model"
pytestmark = pytest.mark.usefixtures("no_keychain")  # the key comes from STRONGROOM_API_KEY or nowhere


@pytest.fixture(scope="module")
def server():
    s = HostileServer()
    yield s
    s.stop()


@pytest.fixture
def hostile(server):
    server.routes = {("GET", "/v1/models"): models(MODEL)}
    server.seen.clear()
    return server


def settings_for(url: str, **endpoint) -> Settings:
    settings = Settings()
    settings.set("model.backend", "endpoint")
    for key, value in {"url": url, "model": MODEL, "timeout_s": 2.0, "max_context": 2048, **endpoint}.items():
        settings.set(f"endpoint.{key}", value)
    return settings


def load(url: str, **endpoint) -> EndpointEngine:
    engine = EndpointEngine()
    try:
        engine.load(endpoint_model(MODEL, url), settings=settings_for(url, **endpoint)).result(30)
    except BaseException:
        engine.close()
        raise
    return engine


def load_error(url: str, **endpoint) -> str:
    with pytest.raises(EngineError) as failure:
        load(url, **endpoint)
    return str(failure.value)


def ask(hostile, route) -> tuple[list[str], object]:
    hostile.routes[("POST", "/v1/chat/completions")] = route
    engine = load(hostile.url)
    try:
        seen: list[str] = []
        gen = engine.chat("c", [{"role": "user", "content": "Hi"}], SamplingParams(max_tokens=32), seen.append)
        try:
            return seen, gen.result(30)
        except EngineError as exc:
            return seen, exc
    finally:
        engine.close()


# -- loading ------------------------------------------------------------------------------------------
def test_a_reply_that_is_not_json(hostile):
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(200, b"<html>Welcome to nginx!</html>", "text/html")
    assert "/v1/models did not send JSON" in load_error(hostile.url)


@pytest.mark.parametrize("doc", [{"data": "everything"}, [1, 2], {"data": [{"name": "x"}]}, {"data": [{"id": 5}]}])
def test_a_model_list_of_the_wrong_shape(hostile, doc):
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(200, doc)
    assert "did not list models as OpenAI's API does" in load_error(hostile.url)


def test_an_oversized_reply_is_refused_not_read_whole(hostile):
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(200, b"[" + b"0," * (5 * 1024 * 1024) + b"0]")
    assert "sent more than 8 MB" in load_error(hostile.url)


def test_a_server_error_quotes_the_servers_reason_without_control_characters(hostile):
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(503, {"error": {"message": "loading\x1b[31m model"}})
    message = load_error(hostile.url)
    assert "answered HTTP 503 (loading [31m model)" in message and "\x1b" not in message


def test_a_redirect_is_not_followed(hostile):
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(302, b"", headers={"Location": "https://elsewhere/v1"})
    assert "a redirect to https://elsewhere/v1" in load_error(hostile.url)
    assert len(hostile.seen) == 1


def test_a_forbidden_reply_names_the_key(hostile, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", "k")
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(403, {"error": "forbidden"})
    assert "refused the API key (HTTP 403); set it with `strongroom endpoint set-key`" in load_error(hostile.url)
    assert hostile.seen[0][2]["Authorization"] == "Bearer k"


def test_basic_auth_sends_the_key_as_the_users_password(hostile, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", "s3cret")
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(401, {})
    assert "refused the user 'alice'" in load_error(hostile.url, basic_auth_user="alice")
    assert hostile.seen[0][2]["Authorization"] == "Basic YWxpY2U6czNjcmV0"  # alice:s3cret


def test_a_silent_server_fails_within_the_timeout(hostile):
    hostile.routes[("GET", "/v1/models")] = silent(6)
    started = time.monotonic()
    message = load_error(hostile.url, timeout_s=1.0)
    assert time.monotonic() - started < 5
    assert "did not answer within 1 s" in message or "stopped answering" in message
    assert "endpoint.timeout_s" in message


def test_context_from_props_and_nonsense_context_ignored(hostile):
    hostile.routes[("GET", "/props")] = lambda h: h.reply(200, {"default_generation_settings": {"n_ctx": 1536}})
    engine = load(hostile.url)
    assert engine.loaded.n_ctx == 1536 and engine.loaded.warnings == []
    engine.close()
    hostile.routes[("GET", "/props")] = lambda h: h.reply(200, {"default_generation_settings": {"n_ctx": -5}})
    engine = load(hostile.url)
    assert engine.loaded.n_ctx == 2048  # endpoint.max_context
    engine.close()


def test_ollamas_num_ctx_is_the_context_and_its_trained_length_is_not(hostile):
    show = {"parameters": "stop                           \"[INST]\"\nnum_ctx                        12288",
            "model_info": {"llama.context_length": 131072}}
    hostile.routes[("POST", "/api/show")] = lambda h: h.reply(200, show)
    engine = load(hostile.url)
    assert engine.loaded.n_ctx == 12288 and engine.loaded.warnings == []
    engine.close()
    assert any(path == "/api/show" for _, path, *_ in hostile.seen)


@pytest.mark.parametrize("show", [
    {"model_info": {"llama.context_length": 131072}},  # no num_ctx: Ollama's own default applies, unknown here
    {"parameters": "num_ctx 99999999999999"}, {"parameters": "num_ctx -4"}, {"parameters": "num_ctx ８１９２"},
    {"parameters": ["num_ctx", 8192]}, [1, 2], b"not json"])
def test_an_ollama_show_reply_without_a_believable_num_ctx_leaves_max_context(hostile, show):
    hostile.routes[("POST", "/api/show")] = lambda h: h.reply(200, show)
    engine = load(hostile.url)
    assert engine.loaded.n_ctx == 2048 and "endpoint.max_context" in " ".join(engine.loaded.warnings)
    engine.close()


def test_an_ollama_show_that_fails_leaves_max_context(hostile):
    hostile.routes[("POST", "/api/show")] = lambda h: h.reply(500, {"error": "model not loaded"})
    engine = load(hostile.url)
    assert engine.loaded.n_ctx == 2048
    engine.close()


def _json_answer(h):
    h.start_stream()
    h.event(piece('{"colour": "red"}', "stop"))
    h.event("[DONE]")


def _structured(hostile) -> list[str]:
    engine = load(hostile.url)
    try:
        for _ in range(2):
            done = engine.chat("c", [{"role": "user", "content": "Colour?"}],
                               SamplingParams(max_tokens=16, json_schema={"type": "object"})).result(30)
            assert done.text == '{"colour": "red"}'
    finally:
        engine.close()
    return [body["response_format"]["type"] for method, path, _, body in hostile.seen
            if path == "/v1/chat/completions"]


def test_a_server_that_takes_openais_json_schema_form_gets_it_every_time(hostile):
    hostile.routes[("POST", "/v1/chat/completions")] = _json_answer
    assert _structured(hostile) == ["json_schema", "json_schema"]


def test_a_server_that_refuses_it_is_asked_in_the_older_form_once_and_from_then_on(hostile):
    def picky(h):
        if h.body["response_format"]["type"] != "json_object":
            h.reply(422, {"detail": [{"msg": "Input should be 'text' or 'json_object'"}]})
        else:
            _json_answer(h)

    hostile.routes[("POST", "/v1/chat/completions")] = picky
    assert _structured(hostile) == ["json_schema", "json_object", "json_object"]


@pytest.mark.parametrize("status, forms", [(400, ["json_schema", "json_object"] * 2), (503, ["json_schema"] * 2)])
def test_a_refusal_of_both_forms_is_said_plainly_and_teaches_nothing(hostile, status, forms):
    hostile.routes[("POST", "/v1/chat/completions")] = lambda h: h.reply(status, {"error": {"message": "no grammar"}})
    engine = load(hostile.url)
    try:
        for _ in range(2):
            with pytest.raises(EngineError, match=rf"HTTP {status} \(no grammar\)"):
                engine.chat("c", [{"role": "user", "content": "x"}],
                            SamplingParams(max_tokens=8, json_schema={"type": "object"})).result(30)
    finally:
        engine.close()
    # a format refusal is retried once in the older form (no loop); an overloaded server is not retried
    assert [b["response_format"]["type"] for _, p, _, b in hostile.seen if p == "/v1/chat/completions"] == forms


def test_vllm_max_model_len_is_the_context(hostile):
    hostile.routes[("GET", "/v1/models")] = lambda h: h.reply(200, {"data": [{"id": MODEL, "max_model_len": 32768}]})
    engine = load(hostile.url)
    assert engine.loaded.n_ctx == 32768
    engine.close()


@pytest.mark.parametrize("reply", [None, b"garbage", {"tokens": "many"}])
def test_without_a_usable_tokenizer_counts_are_estimated(hostile, reply):
    if reply is not None:
        hostile.routes[("POST", "/tokenize")] = lambda h: h.reply(200, reply)
    engine = load(hostile.url)
    text = "Either party may terminate this lease with ninety days written notice."
    assert engine.count_tokens(text) == estimate_tokens(text) == int(-(-len(text) / 3 * 1.1 // 1))
    engine.close()


def test_vllm_style_tokenizer_is_used(hostile):
    hostile.routes[("POST", "/tokenize")] = lambda h: (
        h.reply(400, {"error": "content?"}) if "prompt" not in h.body else
        h.reply(200, {"tokens": list(range(len(h.body["prompt"].split())))}))
    engine = load(hostile.url)
    assert engine.count_tokens("one two three four") == 4
    engine.close()


# -- answering ----------------------------------------------------------------------------------------
def test_a_stream_cut_midway_keeps_the_partial_answer(hostile):
    def route(h):
        h.start_stream()
        for text in ("The notice ", "period is "):
            h.event(piece(text))
        h.cut()

    seen, done = ask(hostile, route)
    assert done.finish_reason == CUT_OFF and done.text == "The notice period is " == "".join(seen)


def test_a_server_model_repeating_itself_is_stopped_and_its_stream_closed(hostile):
    closed = []

    def route(h):
        h.start_stream()
        try:
            for _ in range(2000):  # a loop the server would go on with until max_tokens
                h.event(piece("The lease ends in May.\n"))
                time.sleep(0.005)
        except OSError:
            closed.append(True)  # the client shut the connection: the server stops generating

    seen, done = ask(hostile, route)
    assert done.finish_reason == REPETITION and done.text.count("The lease ends in May.") == len(seen) < 10
    deadline = time.monotonic() + 5
    while not closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert closed


def test_a_stream_that_goes_silent_is_cut_off_within_the_timeout(hostile):
    def route(h):
        h.start_stream()
        h.event(piece("Ninety"))
        time.sleep(6)

    started = time.monotonic()
    _, done = ask(hostile, route)
    assert done.finish_reason == CUT_OFF and done.text == "Ninety" and time.monotonic() - started < 5.5


def test_garbage_after_some_text_cuts_the_answer_off(hostile):
    def route(h):
        h.start_stream()
        h.event(piece("Ninety days"))
        h.event("{not json")

    _, done = ask(hostile, route)
    assert done.finish_reason == CUT_OFF and done.text == "Ninety days"


@pytest.mark.parametrize("first, said", [
    ("{not json", "a part of the answer was not JSON"),
    ("[1, 2]", "was not a JSON object"),
    ({"error": {"message": "out of memory"}}, "stopped with an error: out of memory"),
])
def test_garbage_before_any_text_is_a_plain_error(hostile, first, said):
    def route(h):
        h.start_stream()
        h.event(first)

    _, error = ask(hostile, route)
    assert isinstance(error, EngineError) and said in str(error)


def test_an_endless_line_is_refused(hostile):
    def route(h):
        h.start_stream()
        h.wfile.write(b"data: " + b"x" * (2 * 1024 * 1024))
        h.cut()

    _, error = ask(hostile, route)
    assert isinstance(error, EngineError) and "a line of more than 1024 KB" in str(error)


def test_a_reply_that_is_not_a_stream(hostile):
    _, error = ask(hostile, lambda h: h.reply(200, {"choices": [{"message": {"content": "hi"}}]}))
    assert isinstance(error, EngineError) and "not a stream of server-sent events" in str(error)


def test_chunks_of_the_wrong_shape_are_skipped_not_fatal(hostile):
    def route(h):
        h.start_stream()
        for odd in ({"choices": "x"}, {"choices": [{"delta": {"content": 7}}]}, {"choices": [5]}, {"usage": "x"}):
            h.event(odd)
        h.event(piece("Yes.", "stop"))
        h.event("[DONE]")

    _, done = ask(hostile, route)
    assert done.text == "Yes." and done.finish_reason == "stop"


def test_a_key_refused_when_answering(hostile):
    _, error = ask(hostile, lambda h: h.reply(401, {"error": {"message": "bad key"}}))
    assert isinstance(error, EngineError) and "API key (HTTP 401)" in str(error)


def test_the_request_carries_the_model_the_messages_and_the_sampling(hostile):
    def route(h):
        h.start_stream()
        h.event(piece("ok", "stop"))
        h.event("[DONE]")

    ask(hostile, route)
    [body] = [b for m, p, h, b in hostile.seen if p == "/v1/chat/completions"]
    assert body["model"] == MODEL and body["stream"] is True and body["max_tokens"] == 32
    assert body["messages"] == [{"role": "user", "content": "Hi"}]


# -- TLS ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    s = HostileServer(tls=context)
    s.routes = {("GET", "/v1/models"): models(MODEL)}
    yield s, pki
    s.stop()


def test_a_certificate_from_an_unknown_ca_names_endpoint_ca_file(tls_server):
    server, pki = tls_server
    message = load_error(server.url)
    assert "is not trusted" in message and "endpoint.ca_file" in message


def test_the_firms_ca_file_makes_it_trusted(tls_server):
    server, pki = tls_server
    engine = load(server.url, ca_file=str(pki.ca_file))
    assert engine.loaded.info.id == MODEL
    engine.close()


def test_an_unreadable_ca_file_is_named(tls_server, tmp_path):
    server, _ = tls_server
    bad = tmp_path / "firm-ca.pem"
    bad.write_text("not a certificate")
    message = load_error(server.url, ca_file=str(bad))
    assert "endpoint.ca_file" in message and "firm-ca.pem" in message
