"""Measures how long the UI thread goes without running its event loop."""
from __future__ import annotations

import time

from PySide6.QtCore import QTimer


class Heartbeat:
    """A 10 ms QTimer; `worst_gap_ms` is the longest time between two ticks (the worst UI stall)."""

    def __init__(self, interval_ms: int = 10):
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst_gap_ms = 0.0
        self.ticks = 0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.worst_gap_ms = max(self.worst_gap_ms, (now - self.last) * 1000)
        self.last = now
        self.ticks += 1

    def __enter__(self) -> "Heartbeat":
        self.last = 0.0
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()
