"""An OpenAI-compatible model server (vLLM, Ollama, llama.cpp server, llama-cpp-python's server):
which models it serves, their context, its tokenizer, and a streamed chat answer that another
thread can cut short at once.

Every reply is checked before use: a field of the wrong type, a body that is not JSON or one that
is too large is a BadResponse in plain words, never a KeyError or a hang."""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import httpx

from app.core.remote import errors
from app.core.remote.client import check_status, open_client, read_limited, request_json, translate
from app.core.remote.endpoint_config import EndpointConfig
from app.core.remote.sse import EventTooLarge, events

log = logging.getLogger(__name__)

MAX_CONTEXT = 10_000_000  # a context length above this is not believed


@dataclass(frozen=True)
class ServedModel:
    id: str
    context: int | None = None  # when /v1/models says it (vLLM's max_model_len)


def _context(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_CONTEXT else None


@dataclass
class Probe:
    """What `strongroom endpoint test` reports."""
    url: str
    models: list[str]
    latency_ms: float
    tls: str  # "TLS 1.3" or "none (http)"


class ModelServer:
    def __init__(self, config: EndpointConfig):
        self.config = config.check()
        self._client = open_client(config)
        self._tokenize: Callable[[str], int] | None = None

    def close(self) -> None:
        self._client.close()

    # -- what it serves ---------------------------------------------------------
    def models(self) -> list[ServedModel]:
        doc = request_json(self._client, self.config, "GET", f"{self.config.v1}/models")
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, list) or not all(isinstance(m, dict) and isinstance(m.get("id"), str) for m in data):
            raise errors.bad_response(self.config.v1, "/models did not list models as OpenAI's API does")
        return [ServedModel(m["id"][:500], _context(m.get("max_model_len"))) for m in data]

    def find(self, model: str) -> ServedModel:
        """The served model of this name; NotServed listing what is served otherwise."""
        served = self.models()
        match = next((m for m in served if m.id == model), None)
        if match is None:
            raise errors.not_served(model, [m.id for m in served])
        return match

    def context_length(self, model: ServedModel) -> int | None:
        """The context the server runs the model with: vLLM says it in /v1/models, llama.cpp's server
        in /props (default_generation_settings.n_ctx), Ollama in /api/show when the model's Modelfile
        sets num_ctx; None when the server does not say."""
        if model.context:
            return model.context
        props = request_json(self._client, self.config, "GET", f"{self.config.root}/props", missing_ok=True)
        settings = props.get("default_generation_settings") if isinstance(props, dict) else None
        context = _context(settings.get("n_ctx")) if isinstance(settings, dict) else None
        return context or self._ollama_num_ctx(model.id)

    def _ollama_num_ctx(self, model: str) -> int | None:
        """`num_ctx` from Ollama's /api/show `parameters` ("num_ctx    8192" lines). Its model_info
        context_length is what the model was trained for, not what Ollama runs it with: not used."""
        try:
            doc = request_json(self._client, self.config, "POST", f"{self.config.root}/api/show", {"model": model},
                               missing_ok=True)
        except errors.KeyRefused:
            raise
        except errors.RemoteError:
            return None  # not Ollama, or it cannot say: endpoint.max_context applies
        parameters = doc.get("parameters") if isinstance(doc, dict) else None
        if not isinstance(parameters, str):
            return None
        for line in parameters.splitlines()[:1000]:
            name, _, value = line.strip().partition(" ")
            if name == "num_ctx":
                value = value.strip()
                return _context(int(value)) if value.isascii() and value.isdigit() and len(value) < 9 else None
        return None

    # -- tokens -----------------------------------------------------------------
    def tokenizer(self, model: str) -> Callable[[str], int] | None:
        """A token counter by the server's own tokenizer, or None when it offers none. Tried in
        turn: llama.cpp's POST /tokenize {"content"}, vLLM's POST /tokenize {"model", "prompt"},
        llama-cpp-python's POST /extras/tokenize {"input"}."""
        root = self.config.root
        candidates = [
            (f"{root}/tokenize", lambda text: {"content": text}, "tokens"),
            (f"{root}/tokenize", lambda text: {"model": model, "prompt": text}, "tokens"),
            (f"{root}/extras/tokenize", lambda text: {"input": text, "model": model}, "tokens"),
        ]
        for url, body, key in candidates:
            try:
                doc = request_json(self._client, self.config, "POST", url, body("probe"), missing_ok=True)
            except errors.KeyRefused:
                raise
            except errors.RemoteError:
                continue  # 400 or 422: the other flavour's body
            if isinstance(doc, dict) and isinstance(doc.get(key), list):
                return self._counter(url, body, key)
        return None

    def _counter(self, url: str, body: Callable[[str], dict], key: str) -> Callable[[str], int]:
        def count(text: str) -> int:
            doc = request_json(self._client, self.config, "POST", url, body(text))
            tokens = doc.get(key) if isinstance(doc, dict) else None
            if not isinstance(tokens, list):
                raise errors.bad_response(self.config.v1, "the tokenizer's reply holds no token list")
            return len(tokens)

        return count

    # -- answers ----------------------------------------------------------------
    def chat_stream(self, body: dict) -> "ChatStream":
        return ChatStream(self.config, body)

    def probe(self) -> Probe:
        """One timed GET /v1/models on a fresh connection, with the TLS version it used."""
        tls = "none (http)"
        with open_client(self.config, keep_alive=False) as client:
            started = time.perf_counter()
            try:
                with client.stream("GET", f"{self.config.v1}/models") as response:
                    data = read_limited(response, self.config)
                    check_status(response, self.config, data)
                    stream = response.extensions.get("network_stream")
                    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
                    if ssl_object is not None:
                        tls = ssl_object.version() or "TLS"
            except Exception as exc:  # noqa: BLE001 - one plain RemoteError
                raise translate(exc, self.config) from None
            latency = (time.perf_counter() - started) * 1000
        try:
            listed = json.loads(data).get("data", [])
            names = [m["id"] for m in listed if isinstance(m, dict) and isinstance(m.get("id"), str)]
        except (ValueError, AttributeError, TypeError):
            raise errors.bad_response(self.config.v1, "/models did not send JSON") from None
        return Probe(self.config.v1, names, latency, tls)


class ChatStream:
    """POST /v1/chat/completions with stream: true, read as server-sent events. abort() from any
    thread shuts the socket down, which wakes the reading thread at once (closing the socket alone
    would leave it blocked until endpoint.timeout_s)."""

    def __init__(self, config: EndpointConfig, body: dict):
        self.config = config
        self.body = body
        self.aborted = threading.Event()
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def _trace(self, event: str, info: dict) -> None:
        # httpcore reports each new connection; the TLS one replaces the TCP one it wraps.
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            with self._lock:
                self._sock = sock
            if self.aborted.is_set():
                self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: no TLS close_notify
            except OSError:
                pass

    def abort(self) -> None:
        self.aborted.set()
        self._shutdown()

    def chunks(self) -> Iterator[dict]:
        """Each chunk of the answer as the server sent it (a dict). Raises RemoteError before the
        first chunk when the request fails; StreamCut when the stream breaks after it; returns
        quietly when aborted. Ends at "data: [DONE]" or when the server closes the stream."""
        with open_client(self.config, keep_alive=False) as client:
            request = client.build_request("POST", f"{self.config.v1}/chat/completions", json=self.body,
                                           extensions={"trace": self._trace})
            request.headers["Accept"] = "text/event-stream"
            started = False
            try:
                response = client.send(request, stream=True)
            except Exception as exc:  # noqa: BLE001 - one plain error
                if self.aborted.is_set():
                    return
                raise translate(exc, self.config) from None
            try:
                if response.status_code != 200:
                    check_status(response, self.config, read_limited(response, self.config, 64 * 1024))
                    raise errors.bad_response(self.config.v1, f"HTTP {response.status_code} instead of a stream")
                kind = response.headers.get("content-type", "")
                if not kind.startswith("text/event-stream"):
                    raise errors.bad_response(self.config.v1, "the answer was not a stream of server-sent events "
                                              f"(Content-Type {kind[:60]!r})")
                for data in events(response.iter_raw()):
                    if data.strip() == "[DONE]":
                        return
                    try:
                        chunk = json.loads(data)
                    except ValueError:
                        raise errors.bad_response(self.config.v1, "a part of the answer was not JSON") from None
                    if not isinstance(chunk, dict):
                        raise errors.bad_response(self.config.v1, "a part of the answer was not a JSON object")
                    if "error" in chunk:
                        raise errors.RemoteError("the model server stopped with an error: "
                                                 + _error_text(chunk["error"]))
                    started = True
                    yield chunk
            except errors.RemoteError:
                raise
            except EventTooLarge as exc:
                raise errors.bad_response(self.config.v1, str(exc)) from None
            except Exception as exc:  # noqa: BLE001 - a broken stream, unless we broke it
                if self.aborted.is_set():
                    return
                error = translate(exc, self.config)
                raise StreamCut(str(error), started) from None
            finally:
                response.close()
        if not self.aborted.is_set():
            raise StreamCut("the model server closed the stream before the end of the answer", True)


def _error_text(error: object) -> str:
    text = error.get("message", "") if isinstance(error, dict) else str(error)
    text = "".join(ch if ch.isprintable() else " " for ch in str(text)).strip()
    return text[:200] or "no reason given"


class StreamCut(errors.RemoteError):
    """The stream broke; `started`: some of the answer had arrived."""

    def __init__(self, message: str, started: bool):
        super().__init__(message)
        self.started = started
