"""Window start, from source: process start to the first paint, and to "ready to answer" (the chat
model and the embedding model loaded, start-up work done), median of several runs.

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_window_start.py [--runs 5]

Each run is a new process on a new STRONGROOM_HOME (first start: no history, no libraries), through
packaging/strongroom_main.py's start-up probe (STRONGROOM_STARTUP_PROBE=ready). One warm-up run first,
so the figures are for a warm disk cache, as users mostly see.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "packaging" / "strongroom_main.py"


def start_once() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, STRONGROOM_STARTUP_PROBE="ready", STRONGROOM_HOME=home,
                   STRONGROOM_PASSPHRASE="bench-passphrase")  # no keychain here: no passphrase dialog
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        out = subprocess.run([sys.executable, str(ENTRY)], env=env, capture_output=True, text=True,
                             timeout=300).stdout
    paint = re.search(r"first paint ([0-9.]+) s", out)
    ready = re.search(r"ready to answer ([0-9.]+) s", out)
    if not (paint and ready):
        raise SystemExit(f"the start-up probe did not report both times:\n{out}")
    return float(paint.group(1)), float(ready.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    start_once()
    runs = [start_once() for _ in range(args.runs)]
    paints, readies = [r[0] for r in runs], [r[1] for r in runs]
    print(f"first paint: median {statistics.median(paints):.2f} s (min {min(paints):.2f}, max {max(paints):.2f})")
    print(f"ready to answer: median {statistics.median(readies):.2f} s "
          f"(min {min(readies):.2f}, max {max(readies):.2f}), {args.runs} runs")


if __name__ == "__main__":
    main()
