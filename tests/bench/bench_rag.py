"""Answering from a library: retrieval latency at 10k chunks, and time to first token with retrieval.

    .venv/bin/python tests/bench/bench_rag.py [--chunks 10000] [--questions 20] [--json]

1. The evaluation corpus (tests/eval/corpus, real public documents) is indexed by the app's own sync,
   then the shard is filled up to --chunks with extra chunks (random unit vectors, BM25 over real
   words), so the search works at that scale. Retrieval = query embedding + hybrid search (RRF
   inside Qdrant Edge) + neighbour merging, as `rag.Retriever.retrieve` does it for every question.
   Target: p50 < 50 ms at 10k chunks.
2. With the demo chat model: time to first token for the evaluation questions answered from the
   library (retrieval and a prompt of numbered passages included) against the same questions asked
   with no library (plain chat), same process, same model, same threads.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import uuid
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

import numpy as np  # noqa: E402


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def fill(store, target: int, dims: int) -> int:
    rng = np.random.default_rng(7)
    words = ("agreement tenant landlord invoice warranty indemnity liability termination notice payment court "
             "appeal evidence witness contract clause party breach remedy damages statute").split()
    from app.core.index.store import ChunkPoint, folder_chain

    added = 0
    while (have := store.count()) < target:
        n = min(2000, target - have)
        vecs = rng.normal(size=(n, dims)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        pts = []
        for j, v in enumerate(vecs):
            i = added + j
            f = f"/filler/f{i // 40:04}/doc{i // 8}.pdf"
            text = " ".join(words[(i * k) % len(words)] for k in (1, 3, 7, 11, 13, 17, 19)) + f" item{i}"
            pts.append(ChunkPoint(str(uuid.UUID(int=10**9 + i)), v, text,
                                  {"file": f, "dirs": folder_chain(f), "kind": "pdf", "page": i % 30 + 1,
                                   "chunk": i % 8, "content_hash": f"filler{i // 8}", "text": text}))
        store.upsert(pts)
        added += n
    store.flush()
    store.optimize()
    return added


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=10_000)
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="strongroom-rag-") as tmp:
        os.environ["STRONGROOM_HOME"] = str(Path(tmp) / "home")
        from app.core.answers import rag
        from app.core.index.embedder import Embedder
        from app.core.engine.local_engine import Engine, SamplingParams
        from app.core.library.libraries import LibraryManager
        from app.core.models.registry import Registry
        from app.core.foundation.settings import Settings
        from app.core.library.sync import open_library_store, sync_library
        from tests.eval.evalset import CORPUS, load_questions

        embedder = Embedder.from_settings()
        manager = LibraryManager()
        lib = manager.create("Evaluation", folders=[CORPUS], exclude=["SOURCES.md"])
        store = open_library_store(lib, embedder.dimensions)
        sync_library(lib, embedder, store=store, manager=manager)
        real = store.count()
        fill(store, args.chunks, embedder.dimensions)
        lib = manager.get("Evaluation")
        retriever = rag.Retriever(embedder, lambda _lib: nullcontext(store))
        questions = [q.question for q in load_questions()][: args.questions]
        retriever.retrieve([lib], "warm-up question", 6)
        retrieval_ms = [retriever.retrieve([lib], q, 6).retrieval_ms for q in questions]

        registry = Registry()
        info = registry.find("smollm2-135m-instruct")
        engine = Engine(registry)
        engine.load(info, n_ctx=4096, gpu_offload=False).result()
        sampling = SamplingParams(max_tokens=1, seed=1)
        plain_ttft, rag_ttft, prompt_tokens = [], [], []
        for i, q in enumerate(questions):
            gen = engine.chat(f"plain-{i}", [{"role": "user", "content": q}], sampling)
            plain_ttft.append(gen.result().timings.ttft_ms)
            r = rag.answer(engine, retriever, f"rag-{i}", [], q, [lib], sampling, top_k=6,
                           passage_tokens=Settings().get("retrieval.passage_tokens"))
            if r.finish_reason != "nothing-found":
                rag_ttft.append(r.ttft_ms)
                prompt_tokens.append(r.prompt_tokens)
        engine.close()
        total = store.count()
        store.close()
    out = {
        "chunks": total, "real_chunks": real,
        "retrieval_p50_ms": round(pct(retrieval_ms, 50), 1), "retrieval_p95_ms": round(pct(retrieval_ms, 95), 1),
        "ttft_plain_p50_ms": round(statistics.median(plain_ttft), 1),
        "ttft_with_retrieval_p50_ms": round(statistics.median(rag_ttft), 1),
        "prompt_tokens_p50": int(statistics.median(prompt_tokens)), "answered": len(rag_ttft), "questions": len(questions),
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:28} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
