"""Measures how long the UI thread goes without running its event loop."""
from __future__ import annotations

import sys
import threading
import time
import traceback

from PySide6.QtCore import QTimer


SCHEDSTAT = "/proc/thread-self/schedstat"  # Linux: ns on CPU, ns waiting for a CPU, time slices


def _runqueue_wait_ns() -> int | None:
    try:
        with open(SCHEDSTAT, "rb") as handle:
            return int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None


class Heartbeat:
    """A 10 ms QTimer; `worst_gap_ms` is the longest time between two ticks (the worst UI stall).

    `worst_stall_ms` is the same gap minus the time the UI thread was ready to run but the operating
    system gave the CPU to another process (Linux schedstat): on a machine busy with other work that
    is not the application's doing. Time spent waiting for the interpreter lock held by one of our
    own threads, or computing on the UI thread, is counted in full.

    With `explain_ms`, a watchdog thread records what every thread was doing whenever the UI thread
    has been silent that long (`stalls`): the way to find out who holds it up.
    """

    def __init__(self, interval_ms: int = 10, explain_ms: float | None = None):
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.last_wait = None
        self.worst_gap_ms = 0.0
        self.worst_stall_ms = 0.0
        self.ticks = 0
        self.explain_ms = explain_ms
        self.stalls: list[str] = []
        self._stop = threading.Event()

    def _tick(self) -> None:
        now = time.perf_counter()
        wait = _runqueue_wait_ns()
        if self.last:
            gap = (now - self.last) * 1000
            self.worst_gap_ms = max(self.worst_gap_ms, gap)
            preempted = (wait - self.last_wait) / 1e6 if wait is not None and self.last_wait is not None else 0.0
            self.worst_stall_ms = max(self.worst_stall_ms, gap - preempted)
        self.last = now
        self.last_wait = wait
        self.ticks += 1

    def _watch(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(0.005):
            if self.last and (time.perf_counter() - self.last) * 1000 > self.explain_ms:
                lines = []
                for tid, frame in sys._current_frames().items():
                    if tid != me:
                        stack = "".join(traceback.format_stack(frame, limit=5))
                        lines.append(f"thread {tid}:\n{stack}")
                self.stalls.append("\n".join(lines))
                time.sleep(self.explain_ms / 1000)

    def __enter__(self) -> "Heartbeat":
        self.last = 0.0
        self.timer.start()
        if self.explain_ms:
            threading.Thread(target=self._watch, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()
        self._stop.set()
