"""Answers from the user's libraries: retrieve, assemble a grounded prompt, answer, cite.

question (alone, or joined to the one it follows: followup) -> hybrid search of each chosen library (dense + BM25
fused by RRF inside Qdrant) -> neighbouring chunks merged -> numbered passages that fit the
context (engine.fit) -> the model's answer -> markers that point at no passage removed, each
source marked cited or not. With nothing relevant found, the model is not asked at all: the
answer says so, because a small model handed weak passages invents an answer from them.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from app.core.answers.citations import MarkerFilter, clean_markers, cited_numbers, excerpt
from app.core.answers.claims import Claim, check_claims, content_words
from app.core.answers.followup import NONE, dependence, joined_query
from app.core.index.store import RRF_K, Hit, SearchFilter, VectorStore

log = logging.getLogger(__name__)

FETCH_FACTOR = 2  # hits fetched per passage wanted: merging neighbours consumes some
MAX_MERGED = 3  # chunks in one passage at most: a long run of hits must not crowd out other files
# Lexical evidence that admits a hit the dense floor would drop: the share of the question's content
# words the chunk contains, and how many at least (client wording rarely matches the embedding's scale).
MIN_WORD_COVERAGE = 0.5
MIN_WORDS_MATCHED = 2

RULES = (
    "Answer the question using only the numbered excerpts from the user's documents. "
    "Cite the excerpt each statement comes from with its number in square brackets, like [1] or [2][3]. "
    "If the excerpts do not contain the answer, say that the documents do not answer it. "
    "Answer in the language of the question."
)


def nothing_found(library_names: Sequence[str]) -> str:
    where = ", ".join(library_names) if library_names else "the selected libraries"
    return (f"I found nothing about this in {where}. Try other words, choose another library, "
            "or check in Libraries that the documents are indexed.")


@dataclass
class Passage:
    """One or more neighbouring chunks of one file (and page), as the model and the user see them."""

    library: str
    file: str
    page: int | None
    heading: str | None
    text: str
    score: float
    similarity: float | None
    chunks: list[int] = field(default_factory=list)  # chunk indexes merged here, ascending
    # Where the text starts and ends (block, character offset in it): to join a neighbour without
    # repeating the overlap the chunker gave the two.
    first_block: int = 0
    char_start: int = 0
    last_block: int = 0
    char_end: int = 0

    @property
    def label(self) -> str:
        where = Path(self.file).name
        if self.page:
            where += f", page {self.page}"
        elif self.heading:
            where += f", {self.heading}"
        return where

    def source(self, n: int, cited: bool) -> dict:
        return {"n": n, "library": self.library, "file": self.file, "page": self.page, "heading": self.heading,
                "excerpt": excerpt(self.text), "score": round(self.score, 6), "cited": cited}


def _payload_int(payload: dict, key: str, default: int = 0) -> int:
    try:
        return int(payload.get(key, default) or default)
    except (TypeError, ValueError):
        return default


def _joins(p: Passage, payload: dict, library: str) -> bool:
    """Whether a hit is the chunk just before or after a passage of the same file and page."""
    if p.library != library or p.file != payload.get("file") or p.page != payload.get("page"):
        return False
    index = _payload_int(payload, "chunk", -10)
    return len(p.chunks) < MAX_MERGED and (index == p.chunks[0] - 1 or index == p.chunks[-1] + 1)


def _merge(p: Passage, hit: Hit) -> None:
    """Joins a neighbouring chunk into the passage in document order, without repeating the overlap."""
    payload = hit.payload
    index = _payload_int(payload, "chunk")
    text = str(payload.get("text", ""))
    block, start, end = (_payload_int(payload, k) for k in ("block_index", "char_start", "char_end"))
    if index > p.chunks[-1]:
        if block == p.last_block and start < p.char_end:
            p.text += text[p.char_end - start:]
        else:
            p.text += "\n\n" + text
        p.chunks.append(index)
        p.last_block, p.char_end = block, end
    else:
        if block == p.first_block and end > p.char_start:
            p.text = text[: max(0, p.char_start - start)] + p.text
        else:
            p.text = text + "\n\n" + p.text
        p.chunks.insert(0, index)
        p.first_block, p.char_start = block, start
    p.score = max(p.score, hit.score)
    if hit.similarity is not None:
        p.similarity = max(p.similarity or 0.0, hit.similarity)


def merge_neighbours(hits: Sequence[tuple[str, Hit]], limit: int) -> list[Passage]:
    """Ranked (library, hit) pairs -> at most `limit` passages; adjacent chunks of one file join the
    better-ranked one instead of appearing twice."""
    passages: list[Passage] = []
    for library, hit in hits:
        payload = hit.payload
        target = next((p for p in passages if _joins(p, payload, library)), None)
        if target is not None:
            _merge(target, hit)
            continue
        if len(passages) >= limit:
            continue
        passages.append(Passage(
            library=library, file=str(payload.get("file", "")), page=payload.get("page"),
            heading=payload.get("heading"), text=str(payload.get("text", "")), score=hit.score,
            similarity=hit.similarity, chunks=[_payload_int(payload, "chunk")],
            first_block=_payload_int(payload, "block_index"), char_start=_payload_int(payload, "char_start"),
            last_block=_payload_int(payload, "block_index"), char_end=_payload_int(payload, "char_end")))
    return passages


@dataclass
class Retrieval:
    query: str  # what was searched: the question, or its form joined to the question before (with it)
    passages: list[Passage]
    retrieval_ms: float
    notes: list[str] = field(default_factory=list)  # libraries that could not be searched, and why


StoreOpener = Callable[[object], AbstractContextManager[VectorStore]]  # Library -> open store


class Retriever:
    """Hybrid search over the libraries of a conversation."""

    def __init__(self, embedder, open_store: StoreOpener, min_similarity: float | None = None):
        self.embedder = embedder
        self.open_store = open_store
        # A hybrid hit counts as relevant when its cosine similarity to the query reaches the embedding
        # model's calibrated floor (models.toml): RRF ranks even a lot of weak hits.
        self.min_similarity = embedder.model.min_similarity if min_similarity is None else min_similarity

    def retrieve(self, libraries: Sequence, query: str, top_k: int = 6,
                 filter: SearchFilter | None = None) -> Retrieval:
        started = time.perf_counter()
        vector = self.embedder.embed_query(query)
        ranked: list[tuple[str, Hit]] = []
        notes: list[str] = []
        for lib in libraries:
            if lib.embedding_model and lib.embedding_model != self.embedder.id:
                notes.append(f"{lib.name} was indexed with another embedding model and must be re-indexed.")
                continue
            if not lib.may_have_index:
                notes.append(f"{lib.name} has not been indexed yet.")
                continue
            with self.open_store(lib) as store:
                hits = store.search_hybrid(vector, query, limit=top_k * FETCH_FACTOR, filter=filter)
            ranked += [(lib.name, h) for h in hits]
        # RRF scores of different shards share one scale (1/(k + rank)), so one sort interleaves them.
        ranked.sort(key=lambda pair: pair[1].score, reverse=True)
        query_words = content_words(query)
        relevant = [(name, h) for name, h in ranked if self.relevant(h, query_words)]
        passages = merge_neighbours(relevant, top_k)
        return Retrieval(query, passages, (time.perf_counter() - started) * 1000, notes)


    def retrieve_turn(self, libraries: Sequence, question: str, previous_questions: Sequence[str], top_k: int = 6,
                      filter: SearchFilter | None = None) -> Retrieval:
        """Retrieval for one turn of a conversation. A question whose wording may lean on the one
        before is searched both alone and joined to it, and the two rankings are fused by reciprocal
        rank: a real follow-up finds its subject through the joined search, a new topic that merely
        looks like one keeps its own best passages (tests/eval/run_conversation_eval.py compares this
        with choosing one reading). `query` is then the joined form."""
        alone = self.retrieve(libraries, question, top_k, filter)
        if not previous_questions or dependence(question) == NONE:
            return alone
        joined = self.retrieve(libraries, joined_query(question, list(previous_questions)), top_k, filter)
        return Retrieval(joined.query, fuse_rankings([alone.passages, joined.passages], top_k),
                         alone.retrieval_ms + joined.retrieval_ms, list(dict.fromkeys(alone.notes + joined.notes)))

    def relevant(self, hit: Hit, query_words: set[str]) -> bool:
        """Dense similarity at the model's calibrated floor, or enough of the question's own words."""
        if hit.similarity is None or hit.similarity >= self.min_similarity:
            return True
        if not query_words:
            return False
        matched = len(query_words & content_words(str(hit.payload.get("text", ""))))
        return matched >= MIN_WORDS_MATCHED and matched / len(query_words) >= MIN_WORD_COVERAGE


def fuse_rankings(rankings: Sequence[Sequence[Passage]], limit: int) -> list[Passage]:
    """Passages of several rankings in reciprocal-rank order (the same k as the store's hybrid fusion);
    a passage found by more than one counts once, with the sum of its scores."""
    score: dict[tuple, float] = {}
    kept: dict[tuple, Passage] = {}
    for ranking in rankings:
        for rank, p in enumerate(ranking, start=1):
            key = (p.library, p.file, p.page, tuple(p.chunks))
            kept.setdefault(key, p)
            score[key] = score.get(key, 0.0) + 1.0 / (RRF_K + rank)
    return [kept[key] for key in sorted(score, key=lambda key: -score[key])][:limit]


def within_budget(passages: Sequence[Passage], count: Callable[[str], int], budget: int) -> list[Passage]:
    """The best-ranked passages whose text fits `budget` tokens together; the first always stays (the
    context budget trims it further if it must)."""
    kept, used = [], 0
    for p in passages:
        cost = count(passage_block(p))
        if kept and used + cost > budget:
            break
        kept.append(p)
        used += cost
    return kept


def system_prompt(base: str) -> str:
    return f"{base.strip()}\n\n{RULES}" if base.strip() else RULES


def compose(question: str, blocks: Sequence[str]) -> str:
    """The user turn: numbered, labelled excerpts, then the question (engine.fit drops from the end)."""
    if not blocks:
        return question
    numbered = "\n\n".join(f"[{i}] {b}" for i, b in enumerate(blocks, 1))
    return f"Excerpts from the user's documents:\n\n{numbered}\n\nQuestion: {question}"


def passage_block(p: Passage) -> str:
    return f"({p.label})\n{p.text.strip()}"


class Cancel:
    """A stop request that reaches the model's generation once it has started."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._generation = None

    def set(self) -> None:
        with self._lock:
            self._event.set()
            if self._generation is not None:
                self._generation.cancel()

    def is_set(self) -> bool:
        return self._event.is_set()

    def bind(self, generation) -> None:
        with self._lock:
            self._generation = generation
            if self._event.is_set():
                generation.cancel()


@dataclass
class RagAnswer:
    text: str
    sources: list[dict]
    finish_reason: str  # "stop", "length", "cancelled", "nothing-found"
    query: str
    retrieval_ms: float = 0.0
    prompt_tokens: int = 0
    ttft_ms: float = 0.0  # question -> first token, retrieval included
    tokens: int = 0
    tokens_per_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # the answer sentence by sentence, checked

    def timings(self) -> dict:
        return {"retrieval_ms": round(self.retrieval_ms, 1), "prompt_tokens": self.prompt_tokens,
                "ttft_ms": round(self.ttft_ms, 1), "tokens": self.tokens, "tokens_per_s": round(self.tokens_per_s, 2)}


def finish_answer(raw: str, passages: Sequence[Passage]) -> tuple[str, list[dict]]:
    """Removes markers that point at no passage; marks each source cited or not."""
    text = clean_markers(raw, range(1, len(passages) + 1)).strip()
    cited = set(cited_numbers(text))
    return text, [p.source(n, n in cited) for n, p in enumerate(passages, 1)]


def answer(engine, retriever: Retriever, conversation_id: str, history: Sequence[dict], question: str,
           libraries: Sequence, sampling, *, base_prompt: str = "", top_k: int = 6,
           filter: SearchFilter | None = None, on_token: Callable[[str], None] | None = None,
           cancel: Cancel | None = None, passage_tokens: int | None = None) -> RagAnswer:
    """Answers `question` from `libraries`, given the conversation so far (user/assistant turns).

    Blocking: call from a worker. The model's answer streams to on_token (on the engine thread) with
    markers that point at no passage held back; the returned text is the cleaned, final form (also
    the "nothing found" answer, which no model wrote and nothing streamed).
    """
    started = time.perf_counter()
    cancel = cancel or Cancel()
    previous = [m["content"] for m in history if m.get("role") == "user"]
    retrieval = retriever.retrieve_turn(libraries, question, previous, top_k, filter)
    base = RagAnswer("", [], "nothing-found", retrieval.query, retrieval.retrieval_ms, notes=retrieval.notes)
    log.info("retrieval: %d passages from %d libraries in %.1f ms", len(retrieval.passages), len(libraries),
             retrieval.retrieval_ms)
    if cancel.is_set():
        base.finish_reason = "cancelled"
        return base
    if not retrieval.passages:
        base.text = " ".join([nothing_found([lib.name for lib in libraries]), *retrieval.notes])
        return base
    ranked = retrieval.passages
    if passage_tokens:
        ranked = within_budget(ranked, engine.count_tokens, passage_tokens)
    fitted = engine.fit(system_prompt(base_prompt), history, [passage_block(p) for p in ranked],
                        question, sampling.max_tokens, compose)
    passages = ranked[: len(fitted.kept_passages)]
    markers = MarkerFilter(len(passages))

    def stream(piece: str) -> None:
        clean = markers.feed(piece)
        if clean:
            on_token(clean)

    submitted = time.perf_counter()
    generation = engine.chat(conversation_id, fitted.messages, sampling,
                             on_token=stream if on_token is not None else None)
    cancel.bind(generation)
    completion = generation.result()
    if on_token is not None and (rest := markers.flush()):
        on_token(rest)
    text, sources = finish_answer(completion.text, passages)
    if text and completion.finish_reason != "cancelled":
        base.claims = check_claims(text, [p.text for p in passages], retriever.embedder.embed_passages)
    t = completion.timings
    base.text, base.sources, base.finish_reason = text, sources, completion.finish_reason
    base.prompt_tokens, base.tokens, base.tokens_per_s = t.prompt_tokens, t.tokens, t.tokens_per_s
    # The engine times its first token from the request it was handed; retrieval and prompt
    # assembly came before that, and the user waited for them too.
    base.ttft_ms = (submitted - started) * 1000 + t.ttft_ms
    return base
