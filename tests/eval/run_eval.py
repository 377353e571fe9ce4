"""Retrieval quality on the evaluation set: hit@1, hit@5 and MRR for dense, BM25 and hybrid.

Indexes tests/eval/corpus/ into a temporary Strongroom home, asks every question in
questions.toml with each retrieval mode, and prints a Markdown table. A hit is a returned
chunk from the expected file (and, for PDFs, the expected page). MRR counts the first hit
in the top 10.

    .venv/bin/python tests/eval/run_eval.py                  # the app's own ingest + sync
    .venv/bin/python tests/eval/run_eval.py --chunker reference
    .venv/bin/python tests/eval/run_eval.py --misses         # list the questions hybrid misses
    .venv/bin/python tests/eval/run_eval.py --json out.json

`--chunker reference` skips the app's parsers and chunker: it splits the text read by
tests/eval/evalset.py into fixed windows, so store + embedder can be measured on their own.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

from tests.eval.evalset import CORPUS, Question, load_questions, load_unanswerable, page_texts  # noqa: E402

MODES = ("dense", "bm25", "hybrid")
DEPTH = 10  # how deep MRR looks
WINDOW, OVERLAP = 900, 150  # reference chunker, in characters (about 200 MiniLM tokens)


@dataclass
class ModeResult:
    ranks: list[int | None] = field(default_factory=list)  # 1-based rank of the first hit, None if none
    seconds: list[float] = field(default_factory=list)

    def hit_at(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks)

    @property
    def mrr(self) -> float:
        return sum(1.0 / r for r in self.ranks if r is not None) / len(self.ranks)

    def ms(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- indexing ------------------------------------------------------------------------------------


def reference_chunks(text: str) -> list[str]:
    """Fixed windows cut at whitespace, overlapping so no sentence is only ever split."""
    text = " ".join(text.split())
    chunks, start = [], 0
    while start < len(text):
        end = min(len(text), start + WINDOW)
        if end < len(text):
            cut = text.rfind(" ", start + WINDOW // 2, end)
            end = cut if cut > 0 else end
        chunks.append(text[start:end])
        if end >= len(text):
            break
        start = max(end - OVERLAP, start + 1)
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < end else start
    return chunks


def index_reference(workdir: Path, embedder):
    """Chunks with the evaluation reader, stores with the app's EdgeStore."""
    from app.core.index.edge_store import EdgeStore
    from app.core.index.store import ChunkPoint, folder_chain

    store = EdgeStore(workdir / "shard", embedder.dimensions, name="Evaluation")
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
        texts, payloads = [], []
        for page_no, page_text in enumerate(page_texts(path), start=1):
            for i, chunk in enumerate(reference_chunks(page_text)):
                texts.append(chunk)
                payloads.append({"file": str(path), "dirs": folder_chain(str(path)), "kind": path.suffix[1:],
                                 "content_hash": path.name, "page": page_no, "chunk": i})
        vectors = embedder.embed_passages(texts)
        store.upsert([
            ChunkPoint(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{p['file']}#{p['page']}#{p['chunk']}")),
                       vector=v, text=t, payload=p)
            for t, v, p in zip(texts, vectors, payloads)
        ])
    store.flush()
    store.optimize()
    return store


def index_with_app(embedder, with_library: bool = False):
    """A library over the corpus, synced by the app's own ingest (parsers, chunker, sync)."""
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import open_library_store, sync_library

    manager = LibraryManager()
    lib = manager.create("Evaluation", folders=[CORPUS], exclude=["SOURCES.md"])
    store = open_library_store(lib, embedder.dimensions)
    report = sync_library(lib, embedder, store=store, manager=manager)
    if report.failed:
        print(f"files the app could not index: {report.failed}", file=sys.stderr)
    return (store, manager.get(lib.name)) if with_library else store


# -- scoring ------------------------------------------------------------------------------------


def is_hit(payload: dict, q: Question) -> bool:
    try:
        relative = Path(payload.get("file", "")).resolve().relative_to(CORPUS).as_posix()
    except ValueError:
        return False
    if relative != q.file:
        return False
    return q.page is None or int(payload.get("page") or 0) == q.page


def evaluate(store, embedder, questions: list[Question]) -> tuple[dict[str, ModeResult], list[float], dict]:
    results = {mode: ModeResult() for mode in MODES}
    embed_seconds: list[float] = []
    top: dict[str, list[dict]] = {}
    embedder.embed_query("warm-up")  # the first call pays for lazy set-up, not retrieval
    for q in questions:
        t0 = time.perf_counter()
        vector = embedder.embed_query(q.question)
        embed_seconds.append(time.perf_counter() - t0)
        searches = {
            "dense": lambda: store.search_dense(vector, DEPTH),
            "bm25": lambda: store.search_sparse(q.question, DEPTH),
            "hybrid": lambda: store.search_hybrid(vector, q.question, DEPTH),
        }
        for mode, search in searches.items():
            t0 = time.perf_counter()
            hits = search()
            results[mode].seconds.append(time.perf_counter() - t0)
            rank = next((i for i, h in enumerate(hits, start=1) if is_hit(h.payload, q)), None)
            results[mode].ranks.append(rank)
            if mode == "hybrid":
                top[q.id] = [{"file": h.payload.get("file"), "page": h.payload.get("page")} for h in hits[:3]]
    return results, embed_seconds, top


def evaluate_answer_path(store, embedder, questions: list[Question], unanswerable: list[str], lib) -> dict:
    """What a conversation's answer is built from (app.core.answers.rag.Retriever: hybrid search, neighbour
    merging, the relevance floor), at the app's default of top_k passages: does a passage come from
    the expected file/page, and is "nothing found" said exactly when the corpus has no answer?"""
    from contextlib import nullcontext

    from app.core.library import ingest

    from app.core.answers import rag
    from app.core.foundation.settings import Settings

    settings = Settings()
    top_k, budget = settings.get("retrieval.top_k"), settings.get("retrieval.passage_tokens")
    # The chat model's tokenizer decides the budget in the app; the embedding model's is close enough here.
    tokenizer = ingest.load_tokenizer(embedder.folder)
    retriever = rag.Retriever(embedder, lambda _lib: nullcontext(store))
    hits = refused = 0
    for q in questions:
        passages = retriever.retrieve([lib], q.question, top_k).passages
        passages = rag.within_budget(passages, lambda text: len(tokenizer.encode(text).ids), budget)
        refused += not passages
        hits += any(is_hit({"file": p.file, "page": p.page}, q) for p in passages)
    declined = sum(not retriever.retrieve([lib], q, top_k).passages for q in unanswerable)
    return {"top_k": top_k, "passage_tokens": budget, "answerable": len(questions), "hit": hits, "wrongly_refused": refused,
            "unanswerable": len(unanswerable), "declined": declined}


def answer_path_table(r: dict) -> str:
    return "\n".join([
        f"| Answer path (top_k = {r['top_k']}, at most {r['passage_tokens']} passage tokens, merged, relevance floor)"
        " | result |", "|---|---|",
        f"| answerable questions with a passage from the expected file/page | {r['hit']}/{r['answerable']} "
        f"({r['hit'] / r['answerable']:.2f}) |",
        f"| answerable questions refused as \"nothing found\" | {r['wrongly_refused']}/{r['answerable']} |",
        f"| questions the corpus does not answer, declined | {r['declined']}/{r['unanswerable']} |",
    ])


def subset(results: dict[str, ModeResult], keep: list[bool]) -> dict[str, ModeResult]:
    return {m: ModeResult(ranks=[r for r, k in zip(res.ranks, keep) if k],
                          seconds=[t for t, k in zip(res.seconds, keep) if k]) for m, res in results.items()}


def versions_table(results: dict[str, ModeResult]) -> str:
    """Questions that name one version of an agreement that exists in two (GPL 2/3, MPL 1.1/2.0...)."""
    rows = ["| Version-picking questions | hit@1 | hit@5 | MRR@10 |", "|---|---|---|---|"]
    for mode, label in (("dense", "Dense only"), ("bm25", "BM25 only"), ("hybrid", "Hybrid (RRF)")):
        r = results[mode]
        rows.append(f"| {label} | {r.hit_at(1):.2f} | {r.hit_at(5):.2f} | {r.mrr:.2f} |")
    return "\n".join(rows)


def markdown_table(results: dict[str, ModeResult], embed_seconds: list[float]) -> str:
    embed_ms = 1000 * statistics.median(embed_seconds)
    rows = [
        "| Retrieval | hit@1 | hit@5 | MRR@10 | search p50 / p95 (ms) | + query embedding p50 (ms) |",
        "|---|---|---|---|---|---|",
    ]
    names = {"dense": "Dense only (all-MiniLM-L6-v2)", "bm25": "BM25 only", "hybrid": "Hybrid (RRF)"}
    for mode in MODES:
        r = results[mode]
        embed = f"{embed_ms:.1f}" if mode != "bm25" else "-"
        rows.append(f"| {names[mode]} | {r.hit_at(1):.2f} | {r.hit_at(5):.2f} | {r.mrr:.2f} | "
                    f"{r.ms(0.5):.1f} / {r.ms(0.95):.1f} | {embed} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunker", choices=("app", "reference"), default="app")
    parser.add_argument("--misses", action="store_true", help="list the questions hybrid retrieval misses at 5")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    questions = load_questions()
    with tempfile.TemporaryDirectory(prefix="strongroom-eval-") as tmp:
        os.environ["STRONGROOM_HOME"] = str(Path(tmp) / "home")
        from app.core.index.embedder import Embedder, resolve_model

        embedder = Embedder(resolve_model("all-minilm-l6-v2"))  # the catalog entry: prefixes, relevance floor
        t0 = time.perf_counter()
        lib = None
        if args.chunker == "app":
            store, lib = index_with_app(embedder, with_library=True)
        else:
            store = index_reference(Path(tmp), embedder)
        index_seconds = time.perf_counter() - t0
        chunks = store.count()
        try:
            results, embed_seconds, top = evaluate(store, embedder, questions)
            answer_path = evaluate_answer_path(store, embedder, questions, load_unanswerable(), lib) if lib else None
        finally:
            store.close()

    files = len({q.file for q in questions})
    print(f"{len(questions)} questions over {files} files; {chunks} chunks indexed in {index_seconds:.0f} s "
          f"(chunker: {args.chunker})\n")
    print(markdown_table(results, embed_seconds))
    versioned = [q.versioned for q in questions]
    print(f"\nOf which {sum(versioned)} must pick the named version among near-duplicate agreements:\n")
    print(versions_table(subset(results, versioned)))
    if answer_path:
        print()
        print(answer_path_table(answer_path))
    hybrid_misses = [q for q, r in zip(questions, results["hybrid"].ranks) if r is None or r > 5]
    if args.misses:
        print("\nHybrid misses at 5:")
        for q in hybrid_misses:
            print(f"- {q.id}: expected {q.file}" + (f" p.{q.page}" if q.page else "") + f"; got {top[q.id]}")
    if args.json:
        args.json.write_text(json.dumps({
            "questions": len(questions), "chunks": chunks, "chunker": args.chunker,
            "index_seconds": round(index_seconds, 1),
            "query_embedding_ms_p50": round(1000 * statistics.median(embed_seconds), 2),
            "modes": {m: {"hit@1": round(r.hit_at(1), 3), "hit@5": round(r.hit_at(5), 3), "mrr": round(r.mrr, 3),
                          "search_ms_p50": round(r.ms(0.5), 2), "search_ms_p95": round(r.ms(0.95), 2)}
                      for m, r in results.items()},
            "versioned": {m: {"n": len(r.ranks), "hit@1": round(r.hit_at(1), 3), "hit@5": round(r.hit_at(5), 3),
                              "mrr": round(r.mrr, 3)}
                          for m, r in subset(results, [q.versioned for q in questions]).items()},
            "hybrid_misses_at_5": [q.id for q in hybrid_misses],
            "answer_path": answer_path,
        }, indent=2))
    if guard.attempts():
        print(f"network attempts (must be none): {guard.attempts()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
