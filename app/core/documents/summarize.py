"""Summarize one document: map over parts that fit the model's context, then reduce.

The document is cut into numbered passages (a page or a stretch of one, so each has a page). Each part
is a run of passages; the model summarizes it citing passages as [n]. The part summaries are then
combined (in rounds, if they do not fit together) into one. Every statement ends up citing the
passages it came from: the model's own markers when they point at a passage it was shown, otherwise
the code maps the statement to the passage that shares the most of its words. Given an embedding
model, each statement is then checked against the document's passages as an answer is
(answers/claims.py: similar meaning and every number, month and defined term present), so a summary
that changes "ninety days" to "three months" is marked, however close its wording; without one, a
statement that shares no words with any passage is marked. Sources have the same shape as an
answer's, so the history, the sources pane and export treat a summary as an answer. Cancel keeps the
parts already read.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from app.core.answers.citations import MARKER_RE, clean_markers, cited_numbers, excerpt
from app.core.answers.claims import check_claims, content_words, split_claims
from app.core.answers.rag import Cancel
from app.core.documents.document_text import DocumentText, Piece, chars_per_token, read_document, split_parts
from app.core.engine.sampling import SamplingParams
from app.core.foundation import logs

log = logging.getLogger(__name__)

PASSAGE_CHARS = 700
MIN_SHARED_WORDS = 2  # a statement maps to a passage only on this much shared wording
MAP_RULES = ("You summarize part of a document for a lawyer. Write at most five short sentences with its key "
             "facts: parties, dates, amounts, duties and deadlines. End each sentence with the number of the "
             "excerpt it comes from in square brackets, like [3].")
REDUCE_RULES = ("These are summaries of consecutive parts of one document. Combine them into one summary of at "
                "most eight sentences, in the document's order. Keep the bracketed numbers of every statement.")
NOT_SUPPORTED = "no passage of the document shares this statement's words"


@dataclass
class Summary:
    file: str
    text: str = ""
    sources: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    parts: int = 0
    parts_done: int = 0
    finish_reason: str = "stop"  # "stop", "cancelled"
    timings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"file": self.file, "summary": self.text, "sources": self.sources, "claims": self.claims,
                "parts": self.parts, "parts_done": self.parts_done, "finish_reason": self.finish_reason,
                "timings": self.timings}


def _numbered(passages: Sequence[tuple[int, Piece]]) -> str:
    return "\n\n".join(f"[{n}] {p.text}" for n, p in passages)


def attribute(text: str, passages: dict[int, Piece]) -> tuple[str, list[dict]]:
    """Every statement cites at least one passage: the model's valid markers, else the passage sharing
    the most words. Returns the text (with markers added) and the claims."""
    text = clean_markers(text, set(passages)).strip()
    words = {n: content_words(p.text) for n, p in passages.items()}
    out, claims = [], []
    for sentence in split_claims(text):
        if not sentence.strip():
            out.append(sentence)
            continue
        cited = [n for n in cited_numbers(sentence) if n in passages]
        supported, reason = True, ""
        if not cited:
            mine = content_words(MARKER_RE.sub("", sentence))
            best = max(passages, key=lambda n: (len(mine & words[n]), -n), default=None)
            if best is not None and len(mine & words[best]) >= MIN_SHARED_WORDS:
                cited = [best]
                stripped = sentence.rstrip()
                sentence = f"{stripped} [{best}]" + sentence[len(stripped):]
            else:
                supported, reason = False, NOT_SUPPORTED
        out.append(sentence)
        claims.append({"text": sentence, "sources": cited, "supported": supported, "reason": reason})
    return "".join(out), claims


def check_statements(text: str, passages: dict[int, Piece], embed: Callable[[list[str]], np.ndarray]) -> list[dict]:
    """Each statement of `text` checked against the document's passages (numbered 1..n) as an answer's
    are: a claim dict per statement, its supporting passage first."""
    return [c.to_json() for c in check_claims(text, [passages[n].text for n in range(1, len(passages) + 1)], embed)]


class Summarizer:
    """Summarizes with any loaded ChatEngine; a larger context means fewer parts. Blocking."""

    def __init__(self, engine, sampling: SamplingParams | None = None, max_tokens: int = 300,
                 embed: Callable[[list[str]], np.ndarray] | None = None):
        """`embed`: passages -> vectors (Embedder.embed_passages), for the claim check."""
        self.engine = engine
        self.embed = embed
        self.sampling = sampling or SamplingParams(temperature=0.0, seed=0, max_tokens=max_tokens)
        self.sampling.max_tokens = max_tokens

    def _budget_chars(self, doc: DocumentText, rules: str) -> int:
        frame = self.engine.prompt_tokens([{"role": "system", "content": rules}, {"role": "user", "content": ""}])
        tokens = self.engine.loaded.n_ctx - frame - self.sampling.max_tokens - 32
        if tokens < 64:
            raise ValueError("the model's context is too small to summarize with")
        return int(tokens * chars_per_token(doc.text, self.engine.count_tokens) * 0.85)

    def _ask(self, rules: str, content: str, cancel: Cancel, stats: dict) -> tuple[str, str]:
        messages = [{"role": "system", "content": rules}, {"role": "user", "content": content}]
        generation = self.engine.chat("summary", messages, self.sampling)
        cancel.bind(generation)
        done = generation.result()
        stats["requests"] += 1
        stats["prompt_tokens"] += done.timings.prompt_tokens
        stats["tokens"] += done.timings.tokens
        return done.text, done.finish_reason

    def summarize(self, path: Path, *, cancel: Cancel | None = None,
                  on_progress: Callable[[str], None] | None = None) -> Summary:
        """Raises ParseError when the document cannot be read."""
        started = time.perf_counter()
        cancel = cancel or Cancel()
        report = on_progress or (lambda _text: None)
        doc = read_document(path, cancel=cancel)
        budget = self._budget_chars(doc, MAP_RULES)
        pieces = doc.pieces(min(PASSAGE_CHARS, budget))
        numbered = {n: p for n, p in enumerate(pieces, 1)}
        parts = split_parts(pieces, budget)
        summary = Summary(str(path), parts=len(parts))
        stats = {"requests": 0, "prompt_tokens": 0, "tokens": 0}
        partials: list[str] = []
        first = 1
        for i, part in enumerate(parts, 1):
            if cancel.is_set():
                break
            report(f"reading part {i} of {len(parts)}")
            here = {n: numbered[n] for n in range(first, first + len(part))}
            first += len(part)
            text, finish = self._ask(MAP_RULES, _numbered(list(here.items())) + "\n\nSummarize these excerpts.",
                                     cancel, stats)
            if finish == "cancelled":
                break
            partials.append(attribute(text, here)[0])
            summary.parts_done = i
        text = "\n".join(partials)
        if len(partials) > 1 and not cancel.is_set():
            text = self._reduce(partials, budget, cancel, stats, report) or text
        summary.text, summary.claims = attribute(text, numbered)
        cited = set(cited_numbers(summary.text))
        if self.embed is not None and summary.text.strip():
            report("checking the summary against the document")
            try:
                summary.claims = check_statements(summary.text, numbered, self.embed)
                cited |= {n for c in summary.claims for n in c["sources"]}  # a supporting passage it did not cite
            except Exception as exc:  # noqa: BLE001 - the summary stands; its statements keep the shared-word check
                log.warning("summary not checked by the embedding model: %s", logs.error_kind(exc))
        summary.sources = [{"n": n, "library": "", "file": str(path), "page": numbered[n].page, "heading": None,
                            "excerpt": excerpt(numbered[n].text), "score": 0.0, "cited": True}
                           for n in sorted(cited)]
        summary.finish_reason = "cancelled" if cancel.is_set() or summary.parts_done < len(parts) else "stop"
        summary.timings = {**stats, "seconds": round(time.perf_counter() - started, 2)}
        log.info("summary of %s: %d of %d parts, %d requests, %.1f s", logs.ref(path), summary.parts_done,
                 len(parts), stats["requests"], summary.timings["seconds"])
        return summary

    def _reduce(self, partials: list[str], budget: int, cancel: Cancel, stats: dict, report) -> str | None:
        """Combines part summaries, in rounds while they do not fit together; None when cancelled."""
        round_no = 0
        while len(partials) > 1:
            round_no += 1
            groups, size = [[]], 0
            for p in partials:
                if groups[-1] and size + len(p) > budget:
                    groups.append([])
                    size = 0
                groups[-1].append(p)
                size += len(p) + 2
            merged = []
            for j, group in enumerate(groups, 1):
                if cancel.is_set():
                    return None
                report(f"combining the parts ({j} of {len(groups)})")
                if len(group) == 1:
                    merged.append(group[0])
                    continue
                content = "\n\n".join(f"Part {k}:\n{p}" for k, p in enumerate(group, 1))
                text, finish = self._ask(REDUCE_RULES, content, cancel, stats)
                if finish == "cancelled":
                    return None
                merged.append(text)
            if len(merged) == len(partials):  # nothing could be combined further
                return "\n".join(merged)
            partials = merged
        return partials[0]


def save_summary(history, summary: Summary, model_id: str, libraries: Sequence[str] = ()) -> int:
    """Stores the summary as a conversation (sealed like any other): follow-ups can be asked in it, and it
    exports with its sources and marks. Returns the conversation id."""
    name = Path(summary.file).name
    cid = history.create_conversation(f"Summary of {name}", list(libraries))
    history.add_message(cid, "user", f"Summarize {name}")
    history.add_message(cid, "assistant", summary.text, sources=summary.sources, model=model_id,
                        timings=summary.timings, claims=summary.claims)
    return cid
