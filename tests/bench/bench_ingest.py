"""Ingest figures: parse + chunk time and memory for a 2 MB and a 20 MB single-line text file.

    python3 tests/bench/bench_ingest.py [--small-mb 2] [--big-mb 20]

Each size runs in its own child process so peak memory (ru_maxrss) is that size's alone. The
figures to compare across machines are ratios in one run: time 20 MB / 2 MB (10 means linear),
and the chunker's time against a bare tokenizer pass over the same text (its own overhead).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from app.core.privacy import guard
from app.core.foundation import paths
guard.offline_environment()
from app.core.library.ingest import chunk_document, load_tokenizer, parse_file
path = Path(sys.argv[1])
tokenizer = load_tokenizer(paths.demo_embedding_dir())
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
doc = parse_file(path)
t1 = time.perf_counter()
chunks = chunk_document(doc, tokenizer)
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before the bare pass below, which holds more
text = doc.blocks[0].text
tokenizer.encode(text[: len(text) // 4], add_special_tokens=False)  # a bare quarter pass, scaled below
t3 = time.perf_counter()
print(json.dumps({"parse_s": t1 - t0, "chunk_s": t2 - t1, "tokenize_s": (t3 - t2) * 4, "chunks": len(chunks),
                  "peak_mb": peak / 1024, "extra_mb": (peak - base) / 1024}))
"""


def run(mb: int, folder: Path) -> dict:
    path = folder / f"single-line-{mb}mb.txt"
    sentence = "The parties agree that this clause is severable from the remainder of the agreement. "
    path.write_text(sentence * (mb * 1024**2 // len(sentence)))
    result = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small-mb", type=int, default=2)
    parser.add_argument("--big-mb", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        small, big = run(args.small_mb, Path(folder)), run(args.big_mb, Path(folder))
    for mb, r in ((args.small_mb, small), (args.big_mb, big)):
        print(f"{mb:>3} MB: parse {r['parse_s']:.2f} s, chunk {r['chunk_s']:.2f} s ({r['chunks']} chunks), "
              f"bare tokenizer pass {r['tokenize_s']:.2f} s, peak RSS {r['peak_mb']:.0f} MB (+{r['extra_mb']:.0f} MB over the loaded tokenizer)")
    small_total = small["parse_s"] + small["chunk_s"]
    big_total = big["parse_s"] + big["chunk_s"]
    print(f"scaling: time {big_total / small_total:.1f}x for {args.big_mb / args.small_mb:.0f}x the text (linear = "
          f"{args.big_mb / args.small_mb:.0f})")
    print(f"chunker / bare tokenizer pass: {big['chunk_s'] / big['tokenize_s']:.2f}")


if __name__ == "__main__":
    main()
