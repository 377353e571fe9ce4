"""Entry point of the bundled Strongroom: no arguments opens the window, a command runs the CLI.

STRONGROOM_STARTUP_PROBE=1 makes the window quit right after its first paint and print how long
that took from process start (bootloader, imports and all), so startup time is measured on the
real bundle rather than estimated.
"""
from __future__ import annotations

import multiprocessing
import os
import sys


def _install_startup_probe() -> None:
    import time

    import psutil
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    started = psutil.Process().create_time()
    app = QApplication.instance() or QApplication(sys.argv[:1])

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
            if (event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow)
                    and obj.isVisible() and not hasattr(self, "seen")):
                self.seen = time.time() - started
                print(f"startup-probe: first paint {self.seen:.3f} s after process start", flush=True)
                QTimer.singleShot(0, app.quit)
            return False

    # Kept on the application object: the filter must live as long as the event loop.
    app._startup_probe = FirstPaint()
    app.installEventFilter(app._startup_probe)


def main() -> int:
    multiprocessing.freeze_support()  # a frozen child process must not start a second window
    if len(sys.argv) == 1 and os.environ.get("STRONGROOM_STARTUP_PROBE") == "1":
        _install_startup_probe()
    from app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
