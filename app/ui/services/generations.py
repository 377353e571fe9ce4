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


class Generation(Protocol):
    """One answer being produced: cancel() from the UI thread, result() (blocking) from a worker."""

    def cancel(self) -> None: ...
    def result(self) -> Answer: ...


class EngineGeneration:
    """Adapts app.core.engine.local_engine.Generation to an Answer."""

    def __init__(self, generation) -> None:
        self._generation = generation

    def cancel(self) -> None:
        self._generation.cancel()

    def result(self) -> Answer:
        completion = self._generation.result()
        return Answer(text=completion.text, stopped=completion.finish_reason == "cancelled",
                      tokens=completion.timings.tokens, tokens_per_second=completion.timings.tokens_per_s)


class RagGeneration:
    """An answer from libraries: retrieval and generation both run in result(), on a worker."""

    def __init__(self, run: Callable[[rag.Cancel], rag.RagAnswer]) -> None:
        self._run = run
        self._cancel = rag.Cancel()

    def cancel(self) -> None:
        self._cancel.set()

    def result(self) -> Answer:
        r = self._run(self._cancel)
        return Answer(text=r.text, sources=list(r.sources), stopped=r.finish_reason == "cancelled",
                      tokens=r.tokens, tokens_per_second=r.tokens_per_s)
