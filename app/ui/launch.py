"""Starts the window, or says in one line why it cannot."""
from __future__ import annotations

import os
import sys


def display_available() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # the caller chose a platform (offscreen for tests, xcb, wayland...)
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True  # Windows and macOS always have a window system


def launch(argv: list[str] | None = None) -> int:
    if not display_available():
        print(
            "strongroom: no display found (DISPLAY is not set), so the window cannot open. "
            "Use the command line instead: `strongroom --help`.",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Strongroom")
    app.setOrganizationName("Strongroom")
    window = MainWindow()
    window.show()
    return app.exec()
