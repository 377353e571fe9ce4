"""Starts the window, or says in one line why it cannot."""
from __future__ import annotations

import logging
import os
import sys
import traceback

log = logging.getLogger(__name__)


def display_available() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # the caller chose a platform (offscreen for tests, xcb, wayland...)
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True  # Windows and macOS always have a window system


def ask_passphrase(new: bool, problem: str = "", parent=None) -> str | None:
    """The history passphrase, asked in a dialog over the window (only on computers without a keychain):
    twice when it is chosen; again, saying so, when it was not right; None to continue without history."""
    from .passphrase_dialog import ask_passphrase as ask

    return ask(new, problem, parent)


def _excepthook(exc_type, exc, tb) -> None:
    """Anything not caught elsewhere becomes a plain dialog, never a traceback on screen."""
    from .services import error_kind

    log.error("unexpected error: %s", error_kind(exc))  # the message and locals may name documents
    try:
        from .errors import show_error

        show_error(None, exc, "Strongroom", "Something unexpected happened. Your work is saved.")
    except Exception:  # noqa: BLE001
        traceback.print_exception(exc_type, exc, tb)


def launch(argv: list[str] | None = None) -> int:
    if not display_available():
        print(
            "strongroom: no display found (DISPLAY is not set), so the window cannot open. "
            "Use the command line instead: `strongroom --help`.",
            file=sys.stderr,
        )
        return 2
    from . import xcb_check

    missing = xcb_check.check()  # Qt's own message would blame the wrong package
    if missing:
        text = xcb_check.message(missing)
        print(f"strongroom: {text}", file=sys.stderr)
        xcb_check.show_dialog(text)
        return 2
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    # Fractional scaling (125%, 150%) as the system asks, not rounded: crisp text on high-DPI screens.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Strongroom")
    app.setOrganizationName("Strongroom")
    app.setApplicationDisplayName("Strongroom")

    from . import tasks, theme, ui_thread_gc
    from .single_instance import InstanceServer, notify_running

    ui_thread_gc.install(app)

    if notify_running():
        print("strongroom: already running; the open window was brought forward.", file=sys.stderr)
        return 0
    from .main_window import MainWindow, fatal_dialog
    from .services import Services

    try:
        services = Services()
        theme.apply(services.settings.get("ui.theme"), services.settings.get("ui.font_size"), app)
        window = MainWindow(services, open_history=True, passphrase=ask_passphrase)
    except Exception as exc:  # noqa: BLE001 - the user gets words and details, not a traceback
        log.error("start-up failed: %s", error_kind(exc))
        fatal_dialog(f"Strongroom could not start: {exc}", traceback.format_exc())
        return 1
    server = InstanceServer(window)
    server.activated.connect(lambda: bring_forward(window))
    if not server.listen():
        log.warning("single-instance server unavailable: %s", server.server.errorString())
    sys.excepthook = _excepthook
    window.show()
    code = app.exec()
    tasks.wait_all(30000)
    services.close()
    return code


def bring_forward(window) -> None:
    from PySide6.QtCore import Qt

    window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()
