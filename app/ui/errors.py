"""Plain-language error dialogs: a message the user can act on, the technical text behind "Details"."""
from __future__ import annotations

import traceback

from PySide6.QtWidgets import QMessageBox, QWidget


_OPEN: set[QMessageBox] = set()


def plain_message(exc: BaseException) -> str:
    """One readable sentence for an exception; never a traceback."""
    if isinstance(exc, FileNotFoundError):
        return f"The file {exc.filename or ''} could not be found.".replace("  ", " ")
    if isinstance(exc, PermissionError):
        return f"Strongroom is not allowed to open {exc.filename or 'this file'}. {exc.strerror or ''}".strip()
    if isinstance(exc, MemoryError):
        return "The computer ran out of memory. Close other programs or choose a smaller model."
    if isinstance(exc, OSError) and exc.strerror:
        return f"A file operation failed: {exc.strerror}" + (f" ({exc.filename})" if exc.filename else "") + "."
    text = str(exc).strip()
    if not text:
        return "Something went wrong. The details below can help your IT department."
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def details_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def error_dialog(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message)
    if details:
        box.setDetailedText(details)  # QMessageBox adds the "Show Details..." expander
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName(title)
    return box


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Strongroom", context: str = "") -> QMessageBox:
    """Shows a non-blocking error dialog (open(), not exec(): the UI keeps running)."""
    message = plain_message(exc)
    if context:
        message = f"{context}\n\n{message}"
    box = error_dialog(parent, title, message, details_text(exc))
    box.setModal(True)
    if parent is None:
        # Nothing owns a parentless dialog: keep it alive until it is closed.
        _OPEN.add(box)
        box.finished.connect(lambda _r: _OPEN.discard(box))
    box.open()
    return box
