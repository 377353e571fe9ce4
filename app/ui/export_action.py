"""File › Export conversation…: the conversation on screen, saved in the history or kept for this
session only, written to Word or Markdown with its sources, model, dates, claim marks and caveats.
(PDF is not offered: no library in the project writes it from this content.)"""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from . import tasks
from .errors import show_error
from .services import FORMATS, WINDOW_FORMATS, export_job

_last_folder: str = ""  # the folder of the last export, for the next one in this session


def suggested_name(title: str, suffix: str = ".docx") -> str:
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", title).strip(" .") or "Conversation"
    return " ".join(name.split())[:80] + suffix


def start(window) -> QFileDialog | None:
    """Asks where to save (a non-blocking dialog, kept as window.export_dialog), then exports there."""
    conv = window.controller.conversation
    if conv is None or not conv.messages:
        window.statusBar().showMessage("There is nothing to export yet: ask a question first.", 6000)
        return None
    folder = _last_folder or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    dialog = QFileDialog(window, "Export conversation", str(Path(folder) / suggested_name(conv.title)))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilters(list(WINDOW_FORMATS))
    dialog.setDefaultSuffix("docx")
    dialog.filterSelected.connect(lambda f: dialog.setDefaultSuffix(WINDOW_FORMATS.get(f, ".docx")[1:]))
    dialog.fileSelected.connect(lambda path: export_to(window, path, dialog.selectedNameFilter()))
    window.export_dialog = dialog
    dialog.open()
    return dialog


def export_to(window, path: str | Path, name_filter: str = "") -> tasks.Task | None:
    """Writes the conversation on screen to `path` off the UI thread; says where in the status bar."""
    global _last_folder
    conv = window.controller.conversation
    if conv is None:
        return None
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        path = path.with_name(path.name + WINDOW_FORMATS.get(name_filter, ".docx"))
    _last_folder = str(path.parent)
    if window.controller.busy:
        window.statusBar().showMessage("The answer being written is exported as far as it has come.", 6000)

    def done(written: Path) -> None:
        window.statusBar().showMessage(f"Exported to {written} (not encrypted: keep it with the matter's files).",
                                       15000)

    return tasks.run_in_background(export_job(path, conv), on_success=done,
                                   on_failure=lambda exc: show_error(window, exc, "Export conversation",
                                                                     "The conversation could not be exported."))
