"""An answer being produced, from the model alone or from libraries, and the Answer it ends in."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from app.core.answers import rag


@dataclass
class Answer:
    text: str
    sources: list[dict] = field(default_factory=list)
    stopped: bool = False
    tokens: int = 0
    tokens_per_second: float = 0.0
    model: str = ""  # the id of the model that wrote it
    # Saved with the message, in the CLI's shape: ttft_ms, tokens, tokens_per_s, prompt_tokens, and
    # retrieval_ms for an answer from libraries.
    timings: dict = field(default_factory=dict)
    claims: list[dict] = field(default_factory=list)  # an answer from libraries, checked sentence by sentence
    finish_reason: str = ""  # the engine's: stop, length, cancelled, repetition (a loop it stopped), nothing-found
    from_documents: bool = False  # answered from libraries (False: plain chat with the model)


class Generation(Protocol):
    """One answer being produced: cancel() from the UI thread, result() (blocking) from a worker."""

    def cancel(self) -> None: ...
    def result(self) -> Answer: ...


class EngineGeneration:
    """Adapts app.core.engine.local_engine.Generation to an Answer."""

    def __init__(self, generation, model: str = "") -> None:
        self._generation = generation
        self._model = model

    def cancel(self) -> None:
        self._generation.cancel()

    def result(self) -> Answer:
        completion = self._generation.result()
        t = completion.timings
        timings = {"ttft_ms": round(t.ttft_ms, 1), "tokens": t.tokens, "tokens_per_s": round(t.tokens_per_s, 2),
                   "prompt_tokens": t.prompt_tokens}
        return Answer(text=completion.text, stopped=completion.finish_reason == "cancelled",
                      tokens=t.tokens, tokens_per_second=t.tokens_per_s, model=self._model, timings=timings,
                      finish_reason=completion.finish_reason)


class RagGeneration:
    """An answer from libraries: retrieval and generation both run in result(), on a worker."""

    def __init__(self, run: Callable[[rag.Cancel], rag.RagAnswer], model: str = "") -> None:
        self._run = run
        self._cancel = rag.Cancel()
        self._model = model

    def cancel(self) -> None:
        self._cancel.set()

    def result(self) -> Answer:
        r = self._run(self._cancel)
        return Answer(text=r.text, sources=list(r.sources), stopped=r.finish_reason == "cancelled",
                      tokens=r.tokens, tokens_per_second=r.tokens_per_s, model=self._model, timings=r.timings(),
                      claims=[c.to_json() for c in r.claims], finish_reason=r.finish_reason, from_documents=True)
