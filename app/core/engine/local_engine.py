"""The in-process inference engine: one worker thread owns the llama.cpp model and context.

Every request (load, unload, chat) goes through a queue to that thread; llama.cpp objects are not
thread-safe. Tokens stream back through a callback (called on the engine thread: the UI marshals it
into Qt signals) and through the Generation handle, which is also an iterator of text pieces.

Cancel stops generation within one token, and stops a long prompt decode from inside llama.cpp
through its abort callback. The KV cache is reused across turns by token-prefix matching: only tokens
that are literally identical at identical positions are reused, so one conversation can never be
answered from another conversation's cache (a shared system prompt is the only thing they share).
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Callable, Sequence

import psutil

from app.core.engine.chat_template import ChatTemplate, ChatTemplateError, ChatTurn
from app.core.engine.interface import Completion, EngineError, Generation, LoadedModel, Timings
from app.core.engine.context_budget import ContextTooSmall, FittedPrompt, compose_user_message, fit_prompt, trim_messages
from app.core.engine.sampling import SamplingParams
from app.core.engine.llama_runtime import N_BATCH, Aborted, LoadCancelled, Runtime, supports_gpu_offload
from app.core.engine.repetition import FINISH_REASON as REPETITION, repeating_lines, repeating_tokens
from app.core.models.registry import LoadPolicy, ModelInfo, Registry

log = logging.getLogger(__name__)

__all__ = [
    "Engine", "EngineError", "Generation", "Completion", "Timings", "SamplingParams", "FittedPrompt",
    "LoadedModel", "ContextTooSmall", "ChatTemplateError", "physical_cores",
]


def physical_cores() -> int:
    return psutil.cpu_count(logical=False) or psutil.cpu_count() or 1


class Engine:
    """Owns the model on its own thread. Start cheap: the thread starts on first use."""

    def __init__(self, registry: Registry | None = None):
        self._registry = registry
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # Guards the runtime pointer for tokenizing from other threads (the vocab is read-only,
        # but must not be freed underneath a caller).
        self._model_lock = threading.RLock()
        self._runtime: Runtime | None = None
        self._template: ChatTemplate | None = None
        self._loaded: LoadedModel | None = None
        self._load_cancel = threading.Event()
        self._closed = False

    # -- worker thread -------------------------------------------------------------
    def _submit(self, fn: Callable, *args) -> Future:
        if self._closed:
            raise EngineError("the engine has been shut down")
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="engine", daemon=True)
                self._thread.start()
        fut: Future = Future()
        self._jobs.put((fut, fn, args))
        return fut

    def _run(self) -> None:
        while True:
            fut, fn, args = self._jobs.get()
            if fn is None:
                fut.set_result(None)
                return
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:  # the thread must survive any request
                fut.set_exception(exc)

    def close(self, timeout: float | None = 30) -> None:
        """Unloads the model and stops the thread."""
        if self._closed:
            return
        if self._thread is not None:
            self._load_cancel.set()
            self._submit(self._unload).result(timeout)
            self._closed = True
            fut: Future = Future()
            self._jobs.put((fut, None, ()))
            fut.result(timeout)
        self._closed = True

    # -- models --------------------------------------------------------------------
    @property
    def loaded_model(self) -> ModelInfo | None:
        return self._loaded.info if self._loaded else None

    @property
    def loaded(self) -> LoadedModel | None:
        return self._loaded

    @property
    def warnings(self) -> list[str]:
        return list(self._loaded.warnings) if self._loaded else []

    def load(self, info: ModelInfo, n_ctx: int | None = None, n_threads: int | None = None,
             gpu_offload: bool | None = None, on_progress: Callable[[float], None] | None = None,
             settings=None, n_batch: int = N_BATCH) -> Future:
        """Loads (or switches to) a model in the background; the Future gives a LoadedModel.

        None values come from settings (model.n_ctx, model.n_threads, model.gpu_offload). What may be
        loaded is always judged here, by the settings' model policy (IT's allowed_models,
        allow_unverified, allow_mismatch): every window, command and backend loads through this. A
        model that is refused fails the Future with EngineError, in plain words.
        n_batch is how many prompt tokens one decode takes (llama.cpp's n_batch = n_ubatch).
        """
        if settings is None:
            from app.core.foundation.settings import Settings

            settings = Settings()
        policy = LoadPolicy.from_settings(settings)
        n_ctx = n_ctx if n_ctx is not None else settings.get("model.n_ctx")
        n_threads = n_threads if n_threads is not None else settings.get("model.n_threads")
        gpu_offload = gpu_offload if gpu_offload is not None else settings.get("model.gpu_offload")
        n_threads = n_threads if n_threads and n_threads > 0 else physical_cores()
        self._load_cancel = threading.Event()
        return self._submit(self._load, info, int(n_ctx), int(n_threads), bool(gpu_offload),
                            on_progress, policy, self._load_cancel, int(n_batch))

    def unload(self) -> Future:
        return self._submit(self._unload)

    def _load(self, info, n_ctx, n_threads, gpu_offload, on_progress, policy, cancel, n_batch) -> LoadedModel:
        if not info.loadable and info.status != "mismatch":
            raise EngineError(f"{info.name} cannot be used: {info.reason}.")
        requested = n_ctx
        n_ctx = min(n_ctx, info.context_length or n_ctx)
        reason = (self._registry or Registry()).check_before_load(info, policy, n_ctx, cancel=cancel)
        if reason:
            raise EngineError(reason)
        self._unload()
        gpu_layers = 0x7FFFFFFF if gpu_offload and supports_gpu_offload() else 0  # INT32_MAX: every layer
        started = time.perf_counter()
        try:
            runtime = Runtime.load(info.path, n_ctx, n_threads, gpu_layers, on_progress, cancel, n_batch)
        except LoadCancelled:
            raise
        except (ValueError, RuntimeError) as exc:
            raise EngineError(f"{info.name} could not be loaded ({exc}).") from None
        try:
            template, warnings = ChatTemplate.for_model(
                runtime.metadata_template(), runtime.token_text(runtime.bos), runtime.token_text(runtime.eos), info.name)
        except ChatTemplateError as exc:
            runtime.close()
            raise EngineError(f"{info.name} was not loaded: {exc}") from None
        if runtime.n_ctx < requested:
            warnings.append(f"{info.name} was trained for {runtime.n_ctx_train} tokens of context: "
                            f"the context is {runtime.n_ctx} tokens, not the {requested} asked for")
        with self._model_lock:
            self._runtime, self._template = runtime, template
            self._loaded = LoadedModel(info, runtime.n_ctx, runtime.n_ctx_train, n_threads, gpu_layers,
                                       template.is_default, warnings, time.perf_counter() - started)
        log.info("loaded %s: n_ctx=%d threads=%d gpu_layers=%d in %.2fs", info.id, runtime.n_ctx, n_threads,
                 gpu_layers, self._loaded.load_s)
        return self._loaded

    def _unload(self) -> None:
        with self._model_lock:
            runtime, self._runtime, self._template, self._loaded = self._runtime, None, None, None
        if runtime is not None:
            runtime.close()
            log.info("model unloaded")

    # -- tokens and budget (any thread) ----------------------------------------------
    def _require(self) -> tuple[Runtime, ChatTemplate]:
        runtime, template = self._runtime, self._template
        if runtime is None or template is None:
            raise EngineError("no model is loaded")
        return runtime, template

    def count_tokens(self, text: str) -> int:
        with self._model_lock:
            runtime, _ = self._require()
            return runtime.count(text)

    def render(self, messages: Sequence[ChatTurn]) -> str:
        """The exact prompt text the model would see for these messages."""
        with self._model_lock:
            _, template = self._require()
            return template.render(messages)

    def prompt_tokens(self, messages: Sequence[ChatTurn]) -> int:
        with self._model_lock:
            runtime, template = self._require()
            return len(runtime.tokenize(template.render(messages)))

    def fit(self, system: str, history: Sequence[ChatTurn], passages: Sequence[str], question: str,
            max_tokens: int, compose: Callable[[str, Sequence[str]], str] = compose_user_message) -> FittedPrompt:
        """Messages that fit the context with room for max_tokens: oldest turns go first, then the
        lowest-ranked passages (the end of `passages`). See context_budget.fit_prompt."""
        with self._model_lock:
            self._require()
            n_ctx = self._runtime.n_ctx
            return fit_prompt(self.prompt_tokens, n_ctx, system, history, passages, question, max_tokens, compose)

    # -- chat ----------------------------------------------------------------------
    def chat(self, conversation_id: str, messages: Sequence[ChatTurn], sampling: SamplingParams | None = None,
             on_token: Callable[[str], None] | None = None) -> Generation:
        """Starts answering the last user message; returns at once. Pieces arrive through on_token
        (engine thread) and by iterating the returned Generation."""
        gen = Generation(conversation_id, on_token)
        fut = self._submit(self._chat, gen, [dict(m) for m in messages], sampling or SamplingParams())

        def failed(f: Future) -> None:
            if f.exception() is not None and not gen.done():
                gen._finish(error=f.exception())

        fut.add_done_callback(failed)
        return gen

    def _chat(self, gen: Generation, messages: list[ChatTurn], sampling: SamplingParams) -> None:
        started = time.perf_counter()
        timings = Timings()
        if gen.cancelled:
            gen._finish(Completion("", "cancelled", timings))
            return
        runtime, template = self._require()
        fitted = trim_messages(self.prompt_tokens, runtime.n_ctx, messages, sampling.max_tokens)
        prompt = runtime.tokenize(template.render(fitted.messages))
        pieces: list[str] = []
        finish = "length"
        first_at = last_at = 0.0
        try:
            stats = runtime.prefill(prompt, gen._cancel)
            timings.prompt_tokens, timings.prompt_evaluated, timings.prompt_ms = (
                stats.prompt_tokens, stats.prompt_evaluated, stats.prompt_ms)
            log.info("prompt: %d tokens, %d reused from the KV cache", stats.prompt_tokens,
                     stats.prompt_tokens - stats.prompt_evaluated)
            sampler = runtime.make_sampler(sampling)
            try:
                tokens: list[int] = []
                finish = ""
                for token, text in runtime.generate(sampler, fitted.max_tokens, gen._cancel):
                    timings.tokens += 1
                    last_at = time.perf_counter()
                    if timings.tokens == 1:
                        first_at = last_at
                    if text:
                        pieces.append(text)
                        gen._emit(text)
                    tokens.append(token)
                    # A runaway loop is stopped here, not left to run until max_tokens (see repetition).
                    # Not under a JSON schema: its grammar bounds the answer, and rows of a JSON answer
                    # look alike ("quote": "", "value": null) without being a loop.
                    if sampling.json_schema is None and (
                            repeating_tokens(tokens) or ("\n" in text and repeating_lines("".join(pieces)))):
                        finish = REPETITION
                        log.info("generation stopped: repetition after %d tokens", timings.tokens)
                        break
                finish = finish or runtime.finish
                if runtime.first_token_at:  # also when the first token ends the answer
                    timings.ttft_ms = (runtime.first_token_at - started) * 1000
            finally:
                sampler.close()
        except Aborted:
            finish = "cancelled"
        except BaseException as exc:
            gen._finish(error=exc)
            return
        if timings.tokens > 1 and last_at > first_at:
            timings.tokens_per_s = (timings.tokens - 1) / (last_at - first_at)
        gen._finish(Completion("".join(pieces), finish, timings, fitted.max_tokens, fitted.dropped_turns))
