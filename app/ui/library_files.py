"""A library's files with their state: indexed, needs OCR, too large, could not be read (with the
reason), being indexed. Read from the library's sync state off the UI thread."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QMenu

from . import tasks
from .services import page_label

MAX_PAGES_LISTED = 5
STATE_WORDS = {
    "indexed": "indexed",
    "needs_ocr": "indexed, but has scanned pages without text (needs OCR)",
    "too_large": "too large to index",
    "failed": "could not be read",
    "in_progress": "being indexed",
}


def file_words(status) -> str:
    words = STATE_WORDS.get(status.state, status.state)
    if status.state == "too_large" and status.reason:
        words = status.reason  # says how large, the limit and the setting that raises it
    elif status.state in ("failed", "needs_ocr") and status.reason:
        words += f": {status.reason}"
    for page in status.unreadable[:MAX_PAGES_LISTED]:  # scanned pages OCR could not read, with why
        words += f"; {page_label(page)}: {page['reason']}"
    if len(status.unreadable) > MAX_PAGES_LISTED:
        words += f"; {len(status.unreadable) - MAX_PAGES_LISTED} more pages unread"
    return f"{Path(status.path).name} \u2014 {words}"


class LibraryFiles(QListWidget):
    """The list under a library card; load() reads it on a worker."""

    def __init__(self, services, lib, parent=None):
        super().__init__(parent)
        self.services = services
        self.lib = lib
        self.statuses: list = []
        self.loaded = False
        self.setObjectName("fileList")
        self.setAccessibleName(f"Files of {lib.name}")
        self.setWordWrap(True)
        self.setMaximumHeight(220)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def load(self) -> None:
        self.clear()
        self.addItem("Reading the list of files\u2026")
        tasks.run_in_background(lambda: self.services.library_files(self.lib), on_success=self._show,
                                error_parent=self)

    def _show(self, statuses: list) -> None:
        self.statuses = statuses
        self.clear()
        if not statuses:
            self.addItem("No files indexed yet.")
        for status in statuses:
            item = QListWidgetItem(file_words(status))
            item.setToolTip(status.path)
            self.addItem(item)
        self.loaded = True

    def _menu(self, pos) -> None:
        item = self.itemAt(pos)
        if item is None or not item.toolTip():
            return
        menu = QMenu(self)
        menu.addAction("Summarize", lambda: self.summarize(item.toolTip()))
        menu.exec(self.mapToGlobal(pos))

    def summarize(self, path: str):
        """Summarize: the document read part by part, the summary saved as a conversation (summary_dialog.py)."""
        window = self.window()
        if hasattr(window, "summarize_document"):  # the main window: it lists the saved summary at once
            return window.summarize_document(path, self.lib.name)
        from .services.whole_documents import WholeDocuments
        from .summary_dialog import SummaryDialog

        dialog = SummaryDialog(WholeDocuments(self.services), path, self.lib.name, self.window())
        dialog.show()
        return dialog
