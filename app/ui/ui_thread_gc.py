"""Python's cycle collector, run on the UI thread only.

The collector runs in whichever thread happens to cross an allocation threshold. A reference cycle
holding a Qt object (a widget and a lambda connected to one of its signals, a Task and its relay)
collected on a worker thread destroys that object off its own thread, and Qt crashes with a
segmentation fault. So while the window runs, automatic collection is off and a timer on the UI
thread collects with the interpreter's own generation thresholds.

With torch and the model loaded the heap holds over 400,000 objects, and a full collection of them
takes ~170 ms: a visible stall. What exists once start-up has finished (modules, the embedder, the
model) lives as long as the process, so `freeze()` moves it out of the collector's sight
(`gc.freeze`, as servers do before forking) and later full collections scan only what came after.
"""
from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer

log = logging.getLogger(__name__)

# Short: a collection's cost follows the objects made since the last one (start-up imports make
# ~100,000 a second), so frequent small collections keep each pause short.
INTERVAL_MS = 100
SLOW_MS = 40  # a collection this long is worth a line in the log: it is a UI stall


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.was_enabled = gc.isenabled()
        self.frozen = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect_due)
        gc.disable()
        self.timer.start(interval_ms)

    def collect_due(self) -> int:
        """Collects the oldest generation whose count is over its threshold, as the interpreter would."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return 0
        generation = 2 if counts[2] > self.thresholds[2] else 1 if counts[1] > self.thresholds[1] else 0
        if generation == 2 and not self.frozen:
            # Start-up is still importing: what it made lives for good, and scanning the whole heap
            # (~170 ms with torch) would find next to nothing. freeze() ends start-up.
            generation = 1
        start = time.perf_counter()
        found = gc.collect(generation)
        took = (time.perf_counter() - start) * 1000
        if took > SLOW_MS:
            log.info("collecting generation %d took %.0f ms", generation, took)
        return found

    def freeze(self) -> None:
        """Everything alive now is treated as permanent by later collections."""
        gc.freeze()
        self.frozen = True
        log.info("%d start-up objects moved out of the collector's scans", gc.get_freeze_count())

    def stop(self) -> None:
        """Hands collection back to the interpreter after one last full collection here."""
        self.timer.stop()
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
        gc.collect()
        if self.was_enabled:
            gc.enable()
        self.setParent(None)  # off the application: a later install() starts a fresh collector


def install(app: QCoreApplication) -> UiThreadCollector:
    """One collector per application (idempotent)."""
    existing = app.findChild(UiThreadCollector)
    return existing if existing is not None else UiThreadCollector(app)
