"""Bundle figures: size, its biggest parts, and time from process start to the window's first paint.

    python3 tests/bench/bench_bundle.py [dist/strongroom] [--runs 5]

Startup is measured on the built bundle with STRONGROOM_STARTUP_PROBE=1 (the window quits right
after its first paint and prints the time since its process started); the same probe through the
dev venv's Python is run alongside, so the ratio bundle/source is comparable across machines.
Run with QT_QPA_PLATFORM=offscreen, or under xvfb-run for a real X server.
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


def tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            p = Path(root) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def biggest_parts(bundle: Path, count: int = 10) -> list[tuple[str, int]]:
    internal = bundle / "_internal" if (bundle / "_internal").is_dir() else bundle
    parts = []
    for child in internal.iterdir():
        size = tree_size(child) if child.is_dir() else (0 if child.is_symlink() else child.stat().st_size)
        parts.append((child.name, size))
    return sorted(parts, key=lambda item: -item[1])[:count]


def first_paint(command: list[str]) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, STRONGROOM_STARTUP_PROBE="1", STRONGROOM_HOME=home,
                   STRONGROOM_PASSPHRASE="bench-passphrase")  # no keychain: no passphrase dialog
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300).stdout
    match = re.search(r"first paint ([0-9.]+) s", out)
    if not match:
        raise SystemExit(f"no first paint reported by {command}:\n{out}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", nargs="?", default=str(ROOT / "dist" / "strongroom"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bundle = Path(args.bundle)
    exe = bundle / ("strongroom.exe" if sys.platform == "win32" else "strongroom")

    print(f"bundle {bundle}: {tree_size(bundle) / 1e6:.0f} MB on disk")
    for tgz in sorted(bundle.parent.glob("strongroom-*.tar.gz")):
        print(f"archive {tgz.name}: {tgz.stat().st_size / 1e6:.0f} MB")
    print("biggest parts:")
    for name, size in biggest_parts(bundle):
        print(f"  {size / 1e6:8.1f} MB  {name}")

    source = [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "packaging" / "strongroom_main.py")]
    first_paint([str(exe)])  # warm the page cache: the figure is a warm start, as users mostly see
    bundle_runs = [first_paint([str(exe)]) for _ in range(args.runs)]
    source_runs = [first_paint(source) for _ in range(args.runs)] if Path(source[0]).exists() else []
    b = statistics.median(bundle_runs)
    print(f"first paint, bundle: median {b:.2f} s over {args.runs} warm runs "
          f"(min {min(bundle_runs):.2f}, max {max(bundle_runs):.2f})")
    if source_runs:
        s = statistics.median(source_runs)
        print(f"first paint, source (.venv): median {s:.2f} s; bundle/source ratio {b / s:.2f}")


if __name__ == "__main__":
    main()
