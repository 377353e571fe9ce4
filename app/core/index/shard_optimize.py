"""Builds a closed shard's HNSW index in a child process.

qdrant-edge-py holds Python's interpreter lock for the whole of `optimize()` (seconds for a large
shard) and of `flush()`: in the window's process that would freeze every thread, the UI included.
`EdgeStore.optimize` therefore closes its shard, keeps its owner lock, and runs this module's `main`
as a child (`strongroom _optimize-shard PATH`, dispatched before the CLI's parser), then reopens it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

COMMAND = "_optimize-shard"


def command(path: Path) -> list[str]:
    if getattr(sys, "frozen", False):  # the bundle's executable is the CLI itself
        return [sys.executable, COMMAND, str(path)]
    return [sys.executable, "-m", "app", COMMAND, str(path)]


def run_child(path: Path) -> None:
    """Optimizes the shard at `path` in a child; RuntimeError with the child's reason if it fails."""
    done = subprocess.run(command(path), capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"optimizing the index at {path} failed: {reason}")


def main(argv: list[str]) -> int:
    """In the child: load, optimize, flush, close. Only the parent's owner lock guards the shard."""
    import qdrant_edge as qe

    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print(f"usage: strongroom {COMMAND} SHARD_FOLDER", file=sys.stderr)
        return 2
    shard = qe.EdgeShard.load(argv[0])
    try:
        shard.optimize()
        shard.flush()
    finally:
        shard.close()
    return 0
