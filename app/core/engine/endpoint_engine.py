"""The endpoint backend: answers come from the firm's OpenAI-compatible model server (vLLM, Ollama,
llama.cpp's server), with the same interface as the local engine (app.core.engine.interface).

Loading asks the server what it serves and how long its context is; each answer is one streamed
POST /v1/chat/completions on its own connection, read on its own thread, so cancel() can shut that
connection down at once. Everything that touches the network is in app.core.remote."""
from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterator, Sequence

from app.core.engine.chat_template import ChatTurn
from app.core.engine.context_budget import FittedPrompt, compose_user_message, fit_prompt, trim_messages
from app.core.engine.interface import CUT_OFF, Completion, EngineError, Generation, LoadedModel, Timings
from app.core.engine.repetition import FINISH_REASON as REPETITION, repeating_lines
from app.core.engine.sampling import SamplingParams
from app.core.models.registry import ModelInfo
from app.core.remote.endpoint_config import EndpointConfig
from app.core.remote.errors import HttpStatus, RemoteError
from app.core.remote.openai_api import ModelServer, StreamCut

log = logging.getLogger(__name__)

# Without the server's tokenizer, a count is estimated: one token per 3 characters plus a 10 % margin.
# English runs near 4 characters a token and code or other scripts nearer 2-3: the estimate errs long,
# so a prompt fitted with it leaves room to spare rather than overflowing the server's context.
CHARS_PER_TOKEN = 3
ESTIMATE_MARGIN = 1.10
# The chat template's own tokens around each message (role markers, end of turn), which a rendering
# without the template cannot count: ChatML spends 5, Llama 3 about 5, Mistral 2-4. Counted generously.
TOKENS_PER_MESSAGE = 6
# How a JSON schema is sent (request_body): OpenAI's response format, or the older json_object form.
JSON_SCHEMA, JSON_OBJECT = "json_schema", "json_object"
# How a server refuses a response format it lacks: 400 or 422, and 500 from llama-cpp-python's server.
FORM_REFUSED = (400, 422, 500)


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN * ESTIMATE_MARGIN)


def endpoint_model(name: str, url: str, context: int = 0) -> ModelInfo:
    """A model the server serves, as the registry describes models (origin "endpoint", no files)."""
    return ModelInfo(id=name, name=name, files=[], origin="endpoint", size_bytes=0, status="served",
                     side_loaded=False, context_length=context, description=f"served by {url}")


class EndpointEngine:
    """One model on one server at a time. Loading runs on a worker; each answer on its own thread."""

    def __init__(self):
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="endpoint")
        self._lock = threading.RLock()
        self._server: ModelServer | None = None
        self._count: Callable[[str], int] | None = None
        self._loaded: LoadedModel | None = None
        self._active: set[Generation] = set()
        self._last_count: tuple[str, int] | None = None
        self._closed = False
        self._json_form = JSON_SCHEMA  # how this server takes a JSON schema (request_body); learnt once

    # -- models --------------------------------------------------------------------
    @property
    def loaded(self) -> LoadedModel | None:
        return self._loaded

    @property
    def loaded_model(self) -> ModelInfo | None:
        return self._loaded.info if self._loaded else None

    @property
    def warnings(self) -> list[str]:
        return list(self._loaded.warnings) if self._loaded else []

    def load(self, info: ModelInfo, n_ctx: int | None = None, n_threads: int | None = None,
             gpu_offload: bool | None = None, on_progress: Callable[[float], None] | None = None,
             settings=None, **_ignored) -> Future:
        """Checks that the server serves info.id and reads its context; the Future gives a LoadedModel
        or fails with EngineError in plain words (unreachable, key refused, not served...). n_ctx,
        n_threads and gpu_offload belong to the local engine: the server decides those."""
        if self._closed:
            raise EngineError("the engine has been shut down")
        if settings is None:
            from app.core.foundation.settings import Settings

            settings = Settings()
        config = EndpointConfig.from_settings(settings)
        allowed = settings.get("model.allowed_models")
        return self._worker.submit(self._load, info, config, allowed, on_progress)

    def _load(self, info: ModelInfo, config: EndpointConfig, allowed: list[str], on_progress) -> LoadedModel:
        started = time.perf_counter()
        if allowed and info.id not in allowed:
            raise EngineError(f"Your IT policy allows only these models: {', '.join(allowed)}. "
                              f"{info.name} is not one of them.")
        try:
            server = ModelServer(config)
        except RemoteError as exc:
            raise EngineError(str(exc)) from None
        warnings: list[str] = []
        try:
            served = server.find(info.id)
            context = server.context_length(served)
            count = server.tokenizer(info.id)
        except RemoteError as exc:
            server.close()
            raise EngineError(str(exc)) from None
        if context is None:
            context = config.max_context
            warnings.append(f"the model server does not say how long {info.name}'s context is: "
                            f"endpoint.max_context ({context} tokens) is used")
        if count is None:
            log.info("the model server has no tokenizer endpoint: token counts are estimated")
        self._unload()
        loaded = LoadedModel(dataclasses.replace(info, context_length=context, description=f"served by {config.v1}"),
                             context, context, 0, 0, False, warnings, time.perf_counter() - started)
        with self._lock:
            self._server, self._count, self._loaded, self._last_count = server, count, loaded, None
        log.info("endpoint model ready: n_ctx=%d, server tokenizer=%s, in %.2fs", context, count is not None,
                 loaded.load_s)
        if on_progress is not None:
            on_progress(1.0)
        return loaded

    def unload(self) -> Future:
        return self._worker.submit(self._unload)

    def _unload(self) -> None:
        with self._lock:
            server, self._server, self._count, self._loaded = self._server, None, None, None
        if server is not None:
            server.close()

    def close(self, timeout: float | None = 30) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            active = list(self._active)
        for gen in active:
            gen.cancel()
        self._unload()
        self._worker.shutdown(wait=False)

    # -- tokens and budget (any thread) ----------------------------------------------
    def _require(self) -> tuple[ModelServer, LoadedModel]:
        with self._lock:
            if self._server is None or self._loaded is None:
                raise EngineError("no model is loaded")
            return self._server, self._loaded

    def count_tokens(self, text: str) -> int:
        self._require()
        count = self._count
        if count is None:
            return estimate_tokens(text)
        try:
            return count(text)
        except RemoteError as exc:
            raise EngineError(str(exc)) from None

    def render(self, messages: Sequence[ChatTurn]) -> str:
        """The messages as plain text. The server applies the model's chat template itself, so this is
        what is counted, not the exact prompt (prompt_tokens adds the template's share)."""
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages)

    def prompt_tokens(self, messages: Sequence[ChatTurn]) -> int:
        text = self.render(messages)
        last = self._last_count  # fit() counts the final prompt; chat() then asks for the same one
        if last is not None and last[0] == text:
            return last[1]
        count = self.count_tokens(text) + TOKENS_PER_MESSAGE * (len(messages) + 1)
        self._last_count = (text, count)
        return count

    def _fit_answer(self, messages: list[ChatTurn], max_tokens: int, n_ctx: int) -> FittedPrompt:
        """The conversation with room for the answer. No tokenizer makes more tokens than the text has
        UTF-8 bytes (byte-level BPE at worst one per byte), so a prompt whose bytes fit is sent without
        asking the server to count it: a round trip saved before the first word."""
        bound = len(self.render(messages).encode("utf-8")) + TOKENS_PER_MESSAGE * (len(messages) + 1)
        if bound + max_tokens <= n_ctx:
            return FittedPrompt(list(messages), prompt_tokens=0, max_tokens=max_tokens)
        return trim_messages(self.prompt_tokens, n_ctx, messages, max_tokens)

    def fit(self, system: str, history: Sequence[ChatTurn], passages: Sequence[str], question: str,
            max_tokens: int, compose: Callable[[str, Sequence[str]], str] = compose_user_message) -> FittedPrompt:
        """As the local engine's fit: oldest turns go first, then the lowest-ranked passages."""
        _, loaded = self._require()
        return fit_prompt(self.prompt_tokens, loaded.n_ctx, system, history, passages, question, max_tokens, compose)

    # -- chat ----------------------------------------------------------------------
    def chat(self, conversation_id: str, messages: Sequence[ChatTurn], sampling: SamplingParams | None = None,
             on_token: Callable[[str], None] | None = None) -> Generation:
        """Starts answering the last user message; returns at once. Pieces arrive through on_token (on
        this answer's thread) and by iterating the returned Generation."""
        gen = Generation(conversation_id, on_token)
        with self._lock:
            self._active.add(gen)
        thread = threading.Thread(target=self._chat, args=(gen, [dict(m) for m in messages],
                                  sampling or SamplingParams()), name="endpoint-answer", daemon=True)
        thread.start()
        return gen

    def _chat(self, gen: Generation, messages: list[ChatTurn], sampling: SamplingParams) -> None:
        try:
            gen._finish(self._answer(gen, messages, sampling))
        except BaseException as exc:  # noqa: BLE001 - the caller gets it from result()
            gen._finish(error=exc)
        finally:
            with self._lock:
                self._active.discard(gen)

    def _stream(self, gen: Generation, server: ModelServer, structured: bool,
                body: Callable[[str], dict]) -> Iterator[dict]:
        """The answer's chunks. A structured answer the server refuses in OpenAI's json_schema form
        (FORM_REFUSED, before any chunk) is asked once more in the JSON_OBJECT form; when that one
        streams, this engine keeps to it. When it fails too, the first refusal is what the user sees."""
        try:
            yield from self._open(gen, server, body(self._json_form))
            return
        except HttpStatus as refusal:
            if not structured or self._json_form != JSON_SCHEMA or refusal.status not in FORM_REFUSED \
                    or gen.cancelled:
                raise
            first = refusal
        log.info("the model server refused the json_schema response format: asking in the json_object form")
        try:
            chunks = self._open(gen, server, body(JSON_OBJECT))
            chunk = next(chunks, None)
        except RemoteError:
            raise first from None
        self._json_form = JSON_OBJECT
        if chunk is not None:
            yield chunk
            yield from chunks

    @staticmethod
    def _open(gen: Generation, server: ModelServer, body: dict) -> Iterator[dict]:
        stream = server.chat_stream(body)
        gen._on_cancel = stream.abort  # cancel() from another thread shuts the connection down at once
        if gen.cancelled:
            stream.abort()
        return stream.chunks()

    def _answer(self, gen: Generation, messages: list[ChatTurn], sampling: SamplingParams) -> Completion:
        started = time.perf_counter()
        timings = Timings()
        if gen.cancelled:
            return Completion("", "cancelled", timings)
        server, loaded = self._require()
        fitted = self._fit_answer(messages, sampling.max_tokens, loaded.n_ctx)
        # The server's own count when it reports usage (below), else ours, else the estimate.
        timings.prompt_tokens = fitted.prompt_tokens or (
            estimate_tokens(self.render(fitted.messages)) + TOKENS_PER_MESSAGE * (len(fitted.messages) + 1))
        chunks = self._stream(gen, server, sampling.json_schema is not None,
                              lambda form: request_body(loaded.info.id, fitted.messages, sampling, fitted.max_tokens,
                                                        form))
        pieces: list[str] = []
        finish = ""
        first_at = last_at = 0.0
        reported_tokens = 0
        try:
            for chunk in chunks:
                text, reason, usage = read_chunk(chunk)
                if usage:
                    reported_tokens = usage.get("completion_tokens", reported_tokens)
                    timings.prompt_tokens = usage.get("prompt_tokens", timings.prompt_tokens)
                finish = reason or finish
                if text:
                    last_at = time.perf_counter()
                    if not pieces:
                        first_at = last_at
                        timings.ttft_ms = (first_at - started) * 1000
                    timings.tokens += 1
                    pieces.append(text)
                    gen._emit(text)
                    if "\n" in text and repeating_lines("".join(pieces)):
                        finish = REPETITION  # a runaway loop is stopped here, as the local engine does
                        gen._on_cancel()  # the open stream's abort: the server stops generating
                        break
        except StreamCut as exc:
            if not finish:  # a stream that broke after the last word but before [DONE] lost nothing
                if not pieces:
                    raise EngineError(str(exc)) from None
                log.warning("the model server's stream broke after %d pieces", len(pieces))
                finish = CUT_OFF
        except RemoteError as exc:
            if not pieces:
                raise EngineError(str(exc)) from None
            log.warning("the model server sent something unreadable after %d pieces: %s", len(pieces),
                        type(exc).__name__)
            finish = CUT_OFF
        if gen.cancelled and finish != REPETITION:
            finish = "cancelled"
        timings.tokens = max(timings.tokens, reported_tokens if isinstance(reported_tokens, int) else 0)
        if timings.tokens > 1 and last_at > first_at:
            timings.tokens_per_s = (timings.tokens - 1) / (last_at - first_at)
        return Completion("".join(pieces), finish or "stop", timings, fitted.max_tokens, fitted.dropped_turns)


def request_body(model: str, messages: Sequence[ChatTurn], sampling: SamplingParams, max_tokens: int,
                 json_form: str = JSON_SCHEMA) -> dict:
    """OpenAI's fields, plus top_k, min_p and repeat_penalty, which llama.cpp's and vLLM's servers
    read and others ignore. include_usage asks for the server's own token counts. A JSON schema goes
    as OpenAI's `json_schema` response format (vLLM, Ollama, llama.cpp's server, LM Studio), or in
    the older JSON_OBJECT form for a server that refuses that one (llama-cpp-python's)."""
    body = {"model": model, "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "stream": True, "stream_options": {"include_usage": True}, "max_tokens": max_tokens,
            "temperature": sampling.temperature, "top_p": sampling.top_p, "top_k": sampling.top_k,
            "min_p": sampling.min_p, "repeat_penalty": sampling.repeat_penalty}
    if sampling.seed is not None and sampling.seed >= 0:
        body["seed"] = sampling.seed
    if sampling.json_schema is not None and json_form == JSON_SCHEMA:
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "answer", "schema": sampling.json_schema, "strict": True}}
    elif sampling.json_schema is not None:
        # llama-cpp-python's server reads the schema beside json_object; older vLLM reads guided_json.
        body["response_format"] = {"type": "json_object", "schema": sampling.json_schema}
        body["guided_json"] = sampling.json_schema
    return body


def read_chunk(chunk: dict) -> tuple[str, str, dict]:
    """(text, finish_reason, usage) of one streamed chunk; anything of the wrong shape counts as absent."""
    text, reason = "", ""
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        delta = choices[0].get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("content"), str):
            text = delta["content"]
        if isinstance(choices[0].get("finish_reason"), str):  # "length" is kept; any other end is a stop
            reason = "length" if choices[0]["finish_reason"] == "length" else "stop"
    usage = chunk.get("usage")
    usage = {k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0} \
        if isinstance(usage, dict) else {}
    return text, reason, usage
