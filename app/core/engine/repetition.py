"""Runaway repetition: a small model at low temperature can fall into a loop, writing the same few
words or the same line again and again until max_tokens. The engine checks the tail of what it has
generated after every token and stops such a loop with finish_reason "repetition".

Two signs, both pure functions of what was generated so far:
- the same window of 1-40 tokens repeated back to back at the very end, at least MIN_REPEATS times
  and over at least MIN_SPAN tokens (so a markdown table rule "|---|---|---|" or "..." is not a loop);
- the same non-trivial line (MIN_LINE_CHARS or more) written MIN_REPEATS times in a row, blank lines
  between them ignored (a loop of long sentences spans more than 40 tokens per turn).
"""
from __future__ import annotations

from typing import Sequence

MAX_PERIOD = 40  # tokens in the repeated window, at most
MIN_REPEATS = 4  # back-to-back copies, at least
MIN_SPAN = 48  # tokens the copies cover together, at least
MIN_LINE_CHARS = 8  # a repeated line shorter than this ("---", "- N/A") is not taken for a loop

NOTE = "Stopped: the model was repeating itself."
FINISH_REASON = "repetition"


def repeating_tokens(tokens: Sequence[int], max_period: int = MAX_PERIOD, min_repeats: int = MIN_REPEATS,
                     min_span: int = MIN_SPAN) -> int:
    """The period (1..max_period) of a loop the token sequence ends in, or 0 when it ends in none."""
    tokens = list(tokens[-max(max_period * min_repeats, min_span + max_period):]) if tokens else []
    n = len(tokens)
    for period in range(1, max_period + 1):
        repeats = max(min_repeats, -(-min_span // period))  # ceil(min_span / period)
        span = period * repeats
        if span > n:
            continue
        tail = tokens[n - span:]
        if tail[period:] == tail[:-period]:
            return period
    return 0


def repeating_lines(text: str, min_repeats: int = MIN_REPEATS, min_chars: int = MIN_LINE_CHARS) -> bool:
    """True when the last min_repeats complete non-blank lines of text are one and the same line."""
    if not isinstance(text, str) or text.count("\n") < min_repeats:
        return False
    complete = text[: text.rfind("\n")]
    lines: list[str] = []
    for line in reversed(complete.split("\n")):
        line = line.strip()
        if line:
            lines.append(line)
            if len(lines) == min_repeats:
                break
    return (len(lines) == min_repeats and len(lines[0]) >= min_chars
            and all(line == lines[0] for line in lines))


def is_looping(tokens: Sequence[int], text: str) -> bool:
    """Either sign of a loop at the end of a generation (tokens so far, and their text)."""
    return bool(repeating_tokens(tokens)) or repeating_lines(text)
