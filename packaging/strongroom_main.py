"""Entry point of the bundled Strongroom: no arguments opens the window, a command runs the CLI.

STRONGROOM_STARTUP_PROBE=1 makes the window print how long its first paint took from process start
(bootloader, imports and all) and exit at once, so startup time is measured on the real bundle
rather than estimated. STRONGROOM_STARTUP_PROBE=ready also waits until the window can answer (the
chat model and the embedding model loaded, start-up work done) and prints that time before leaving.
"""
from __future__ import annotations

import multiprocessing
import os
import sys


def _install_startup_probe(until_ready: bool) -> None:
    import time

    import psutil
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from app.ui import main_window

    started = psutil.Process().create_time()

    class FirstPaint(QObject):
        def __init__(self, window: QWidget):
            super().__init__(window)
            self.window = window
            self.done = False

        def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
            if (not self.done and event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                    and obj.window() is self.window):
                self.done = True
                print(f"startup-probe: first paint {time.time() - started:.3f} s after process start", flush=True)
                if until_ready:
                    self.poll = QTimer(self, interval=20, timeout=self.check_ready)
                    self.poll.start()
                else:  # leave at once: this measures start-up, not the wait for background warm-up
                    QTimer.singleShot(0, lambda: os._exit(0))
            return False

        def check_ready(self) -> None:
            window = self.window
            if window.ready and window.services.loaded_model() is not None:
                self.poll.stop()
                print(f"startup-probe: ready to answer {time.time() - started:.3f} s after process start", flush=True)
                QTimer.singleShot(0, lambda: os._exit(0))

    # Hooked on the main window's first show, so the app creates its QApplication itself, as usual.
    original_show_event = main_window.MainWindow.showEvent

    def show_event(self, event):
        original_show_event(self, event)
        if not hasattr(self, "_startup_probe"):
            self._startup_probe = FirstPaint(self)
            QApplication.instance().installEventFilter(self._startup_probe)

    main_window.MainWindow.showEvent = show_event


def main() -> int:
    multiprocessing.freeze_support()  # a frozen child process must not start a second window
    probe = os.environ.get("STRONGROOM_STARTUP_PROBE")
    if len(sys.argv) == 1 and probe in ("1", "ready"):
        _install_startup_probe(until_ready=probe == "ready")
    from app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
