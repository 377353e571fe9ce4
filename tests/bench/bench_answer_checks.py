"""What reading follow-ups and checking answers add to an answer's time, on the evaluation corpus.

    .venv/bin/python tests/bench/bench_answer_checks.py [--json]

1. Retrieval for turn 2 of the two-turn evaluation conversations: `Retriever.retrieve_turn` (a
   question that may lean back is searched alone and joined, then fused) against `retrieve` of the
   question alone, p50 over the 38 conversations, as a ratio.
2. The claim check of an answer of five sentences against six passages (the app's default top_k):
   p50 over 40 answers built from the corpus's own sentences. Reported in milliseconds next to the
   demo model's time per generated token on this machine, the work it follows.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ["STRONGROOM_HOME"] = tempfile.mkdtemp(prefix="strongroom-bench-")
    from app.core.answers import rag
    from app.core.answers.claims import check_claims
    from app.core.index.embedder import Embedder, resolve_model
    from tests.eval.evalset import CORPUS, load_multiturn
    from tests.eval.run_claims_eval import corpus_windows, fact_sentences
    from tests.eval.run_conversation_eval import index_folder

    embedder = Embedder(resolve_model("all-minilm-l6-v2"))
    store, lib = index_folder(embedder, "Bench", CORPUS)
    retriever = rag.Retriever(embedder, lambda _lib: nullcontext(store))
    retriever.retrieve([lib], "warm-up", 6)
    alone, turn = [], []
    for c in load_multiturn():
        alone.append(timed(lambda: retriever.retrieve([lib], c.turn2, 6)))
        turn.append(timed(lambda: retriever.retrieve_turn([lib], c.turn2, [c.turn1], 6)))

    rng = random.Random(3)
    windows = [w for ws in corpus_windows().values() for w in ws]
    checks = []
    for _ in range(40):
        passages = rng.sample(windows, 6)
        sentences = [s for w in passages for s in fact_sentences(w)] or ["The licence is granted."]
        answer = " ".join(f"{s} [{rng.randint(1, 6)}]" for s in rng.sample(sentences, min(5, len(sentences))))
        checks.append(timed(lambda: check_claims(answer, passages, embedder.embed_passages)))
    store.close()

    result = {"retrieve_ms_p50": statistics.median(alone), "retrieve_turn_ms_p50": statistics.median(turn),
              "turn_vs_alone": statistics.median(turn) / statistics.median(alone),
              "claim_check_ms_p50": statistics.median(checks), "claim_check_ms_p95": sorted(checks)[int(0.95 * 39)]}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"turn-2 retrieval p50: {result['retrieve_turn_ms_p50']:.1f} ms vs the question alone "
              f"{result['retrieve_ms_p50']:.1f} ms ({result['turn_vs_alone']:.2f} x)")
        print(f"claim check, 5 sentences x 6 passages: p50 {result['claim_check_ms_p50']:.1f} ms, "
              f"p95 {result['claim_check_ms_p95']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
