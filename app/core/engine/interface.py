"""What every engine backend offers and returns: the local llama.cpp engine (local_engine) and the
firm's model server (endpoint_engine). Callers type against ChatEngine and never ask which one runs."""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol, Sequence

from app.core.engine.chat_template import ChatTurn
from app.core.engine.context_budget import FittedPrompt, compose_user_message
from app.core.engine.sampling import SamplingParams
from app.core.models.registry import ModelInfo

log = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """Something the user can act on, in plain words (no model loaded, not enough memory, the server
    refused the key...)."""


@dataclass
class Timings:
    ttft_ms: float = 0.0  # request start -> first token
    tokens: int = 0  # generated tokens
    tokens_per_s: float = 0.0  # generation speed, first token to last (prompt processing excluded)
    prompt_tokens: int = 0
    prompt_evaluated: int = 0  # prompt tokens actually decoded; the rest were reused from the KV cache
    prompt_ms: float = 0.0


# "cut_off": the model server's stream broke before the answer ended; the text so far is kept.
CUT_OFF = "cut_off"
CUT_OFF_NOTE = "Cut off \u2014 the connection to the model server broke; this answer is incomplete."


@dataclass
class Completion:
    text: str
    # "stop" (end of answer), "length" (max_tokens), "cancelled", "repetition" (a loop, stopped),
    # "cut_off" (the server's stream broke midway)
    finish_reason: str
    timings: Timings
    max_tokens: int = 0  # after clipping to the context
    dropped_turns: int = 0  # oldest turns left out to fit the context


@dataclass
class LoadedModel:
    info: ModelInfo
    n_ctx: int
    n_ctx_train: int
    n_threads: int = 0
    gpu_layers: int = 0
    template_is_default: bool = False
    warnings: list[str] = field(default_factory=list)
    load_s: float = 0.0


_DONE = object()


class Generation:
    """Handle on one chat request: iterate for text pieces, cancel(), result()."""

    def __init__(self, conversation_id: str, on_token: Callable[[str], None] | None):
        self.conversation_id = conversation_id
        self._on_token = on_token
        self._cancel = threading.Event()
        self._on_cancel: Callable[[], None] | None = None  # a backend's way to stop at once (close a stream)
        self._pieces: queue.SimpleQueue = queue.SimpleQueue()
        self._future: Future = Future()

    def cancel(self) -> None:
        """Stops the request within one token (or inside prompt processing); result() then says "cancelled"."""
        self._cancel.set()
        hook = self._on_cancel
        if hook is not None:
            hook()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def done(self) -> bool:
        return self._future.done()

    def result(self, timeout: float | None = None) -> Completion:
        return self._future.result(timeout)

    def add_done_callback(self, fn: Callable[["Generation"], None]) -> None:
        self._future.add_done_callback(lambda _f: fn(self))

    def __iter__(self) -> Iterator[str]:
        while True:
            item = self._pieces.get()
            if item is _DONE:
                break
            yield item
        self._future.result()  # re-raises the request's error, if any

    # engine side
    def _emit(self, piece: str) -> None:
        self._pieces.put(piece)
        if self._on_token is not None:
            try:
                self._on_token(piece)
            except Exception:
                log.exception("on_token callback failed")

    def _finish(self, completion: Completion | None = None, error: BaseException | None = None) -> None:
        self._pieces.put(_DONE)
        if error is not None:
            self._future.set_exception(error)
        else:
            self._future.set_result(completion)


class ChatEngine(Protocol):
    """One backend that answers: load a model, count its tokens, fit a prompt, stream a chat."""

    @property
    def loaded(self) -> LoadedModel | None: ...

    @property
    def loaded_model(self) -> ModelInfo | None: ...

    @property
    def warnings(self) -> list[str]: ...

    def load(self, info: ModelInfo, *, settings=None, on_progress: Callable[[float], None] | None = None) -> Future: ...

    def unload(self) -> Future: ...

    def close(self, timeout: float | None = 30) -> None: ...

    def count_tokens(self, text: str) -> int: ...

    def prompt_tokens(self, messages: Sequence[ChatTurn]) -> int: ...

    def fit(self, system: str, history: Sequence[ChatTurn], passages: Sequence[str], question: str,
            max_tokens: int, compose: Callable[[str, Sequence[str]], str] = compose_user_message) -> FittedPrompt: ...

    def chat(self, conversation_id: str, messages: Sequence[ChatTurn], sampling: SamplingParams | None = None,
             on_token: Callable[[str], None] | None = None) -> Generation: ...
