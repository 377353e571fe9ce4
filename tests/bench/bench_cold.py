"""Cold one-shot commands (issue 15): wall time of a fresh `strongroom search --json` and `ask --json`.

    .venv/bin/python tests/bench/bench_cold.py [--runs 3]

The eval corpus (tests/eval/corpus) is indexed once into a temporary STRONGROOM_HOME; then each command
runs `--runs` times in a new process, with the llama.cpp embedder and, side by side, with the
sentence-transformers reference (STRONGROOM_EMBEDDING_BACKEND=sentence-transformers), the backend before
issue 15. Target: cold search <= 2.5 s. `ask` uses the demo chat model; its `retrieval_ms` is the time
from the question to the passages, the embedding model's load included.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "app"]
QUESTION = "How long is the notice period before termination?"


def run(args: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(CLI + args, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--backends", default="llama.cpp,sentence-transformers")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="strongroom-cold-"))
    results: dict = {}
    try:
        base = dict(os.environ, STRONGROOM_HOME=str(work / "home"))
        run(["library", "add", "Eval", str(ROOT / "tests" / "eval" / "corpus")], base)
        run(["index", "Eval", "--json"], base)
        for backend in [b for b in args.backends.split(",") if b]:
            env = dict(base, STRONGROOM_EMBEDDING_BACKEND=backend)
            search = [run(["search", "--library", "Eval", "--json", QUESTION], env)[0] for _ in range(args.runs)]
            asks = []
            for _ in range(args.runs):
                wall, out = run(["ask", "--library", "Eval", "--json", "--no-history", QUESTION], env)
                timings = json.loads(out)["timings"]
                asks.append((wall, timings.get("retrieval_ms", 0.0), timings.get("ttft_ms", 0.0)))
            results[backend] = {
                "search_s": [round(s, 2) for s in search], "search_median_s": round(statistics.median(search), 2),
                "ask_wall_median_s": round(statistics.median(a[0] for a in asks), 2),
                "ask_retrieval_ms_median": round(statistics.median(a[1] for a in asks)),
                "ask_ttft_ms_median": round(statistics.median(a[2] for a in asks)),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for backend, r in results.items():
        print(f"{backend:22} cold search {r['search_median_s']} s (runs {r['search_s']}), ask wall "
              f"{r['ask_wall_median_s']} s, retrieval {r['ask_retrieval_ms_median']} ms, "
              f"TTFT {r['ask_ttft_ms_median']} ms (medians)")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
