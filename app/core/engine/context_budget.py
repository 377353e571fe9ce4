"""Fitting a prompt into the model's context with room for the answer.

Order of sacrifice: the oldest conversation turns first, then the lowest-ranked passages, then the
answer's length (never below MIN_ANSWER tokens). Only when the question alone cannot fit does the
caller get ContextTooSmall, in plain words: llama.cpp's "Requested tokens exceed context window"
never reaches the user.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from app.core.engine.chat_template import ChatTurn

CountTokens = Callable[[Sequence[ChatTurn]], int]  # rendered-prompt tokens for these messages

MIN_ANSWER = 64


class ContextTooSmall(ValueError):
    pass


@dataclass
class FittedPrompt:
    messages: list[ChatTurn]
    kept_passages: list[str] = field(default_factory=list)
    dropped_turns: int = 0  # messages of the oldest history left out
    prompt_tokens: int = 0
    max_tokens: int = 0  # the answer's room: the request's max_tokens unless the context forced less
    dropped_passages: int = 0


def compose_user_message(question: str, passages: Sequence[str]) -> str:
    """The default way passages reach the model: numbered excerpts, then the question."""
    if not passages:
        return question
    blocks = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, 1))
    return f"Excerpts:\n\n{blocks}\n\nQuestion: {question}"


def _drop_oldest_turn(history: list[ChatTurn]) -> int:
    """Removes the oldest user message and the replies to it; returns how many messages went."""
    n = 1
    del history[0]
    while history and history[0]["role"] != "user":
        del history[0]
        n += 1
    return n


def _finish(count: CountTokens, n_ctx: int, messages: list[ChatTurn], max_tokens: int, **kw) -> FittedPrompt:
    used = count(messages)
    room = n_ctx - used
    if room < min(MIN_ANSWER, max_tokens):
        raise ContextTooSmall(
            f"The question is too long for this model's context: it takes {used} of {n_ctx} tokens and leaves "
            f"no room for an answer. Shorten it, or choose a longer context in Settings."
        )
    return FittedPrompt(messages, prompt_tokens=used, max_tokens=max(1, min(max_tokens, room)), **kw)


def fit_prompt(count: CountTokens, n_ctx: int, system: str, history: Sequence[ChatTurn], passages: Sequence[str],
               question: str, max_tokens: int,
               compose: Callable[[str, Sequence[str]], str] = compose_user_message) -> FittedPrompt:
    history = [dict(m) for m in history if m.get("role") != "system"]
    kept = list(passages)
    limit = n_ctx - max_tokens

    def build() -> list[ChatTurn]:
        head = [{"role": "system", "content": system}] if system else []
        return head + history + [{"role": "user", "content": compose(question, kept)}]

    dropped = 0
    while history and count(build()) > limit:
        dropped += _drop_oldest_turn(history)
    dropped_passages = 0
    while kept and count(build()) > limit:
        kept.pop()
        dropped_passages += 1
    return _finish(count, n_ctx, build(), max_tokens, kept_passages=kept, dropped_turns=dropped,
                   dropped_passages=dropped_passages)


def trim_messages(count: CountTokens, n_ctx: int, messages: Sequence[ChatTurn], max_tokens: int) -> FittedPrompt:
    """For a ready conversation (system?, turns..., last user message): drops the oldest turns only."""
    messages = [dict(m) for m in messages]
    head = messages[:1] if messages and messages[0]["role"] == "system" else []
    last = messages[-1:] if len(messages) > len(head) else []
    history = messages[len(head): len(messages) - len(last)]
    limit = n_ctx - max_tokens
    dropped = 0
    while history and count(head + history + last) > limit:
        dropped += _drop_oldest_turn(history)
    return _finish(count, n_ctx, head + history + last, max_tokens, dropped_turns=dropped)
