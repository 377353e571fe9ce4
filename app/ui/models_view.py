"""Every model found on this machine, its status and origin; verify, load, unload, add a file.

Scanning, verifying and judging whether a model may load happen on workers (Services.scan_models,
verify_model): the view shows ModelEntry records and never calls into the registry itself."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from . import tasks
from .errors import show_error
from .services import (
    CORRUPT, INCOMPLETE, MISMATCH, UNVERIFIED, VERIFIED, ModelEntry, Services, import_model_file, paths,
)

ORIGINS = {
    "user": "your models folder",
    "system": "installed by IT",
    "env": "STRONGROOM_MODELS_PATH",
    "demo": "built-in demo",
    "endpoint": "the firm's model server",
}
STATUS_WORDS = {
    VERIFIED: "Verified",
    UNVERIFIED: "Unverified",
    MISMATCH: "Checksum mismatch",
    CORRUPT: "Damaged",
    INCOMPLETE: "Incomplete",
    "served": "Served",
}


def gigabytes(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 100 * 1024**2 else f"{n / 1024**2:.0f} MB"


def empty_state_text() -> str:
    env = "STRONGROOM_MODELS_PATH"
    return (
        "<h3>No model found</h3>"
        "<p>Strongroom needs a chat model file (.gguf) to answer questions. Put one in any of these folders, "
        "or use <b>Add model file\u2026</b>:</p><ul>"
        f"<li>Your models folder: <code>{html.escape(str(paths.user_models_dir()))}</code></li>"
        f"<li>For IT, for every user of this computer: <code>{html.escape(str(paths.system_models_dir()))}</code></li>"
        f"<li>Any folder listed in the <code>{env}</code> environment variable</li></ul>"
    )


class ModelRow(QFrame):
    verify_requested = Signal(object)
    load_requested = Signal(object)
    unload_requested = Signal(object)

    def __init__(self, entry: ModelEntry, loaded: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.entry = entry
        self.info = info = entry.info
        refusal = entry.refusal
        self.setObjectName("card")
        self.setAccessibleName(f"Model {info.name}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(12)
        text = QVBoxLayout()
        text.setSpacing(3)
        self.title = QLabel(f"<b>{html.escape(info.name)}</b>" + ("  \u2014 loaded" if loaded else ""))
        self.title.setObjectName("cardTitle")
        text.addWidget(self.title)
        fit = "fits in memory" if info.fits_ram else f"needs {gigabytes(info.ram_required_bytes)} of memory"
        self.status = QLabel()
        self.status.setObjectName("cardMeta")
        self.set_status(STATUS_WORDS.get(info.status, info.status))
        self._meta = f"{ORIGINS.get(info.origin, info.origin)} \u00b7 {gigabytes(info.size_bytes)} \u00b7 {fit}"
        if info.origin == "endpoint":  # no file here: the server holds the model
            self._meta = ORIGINS["endpoint"]
        self.status.setText(f"{STATUS_WORDS.get(info.status, info.status)} \u00b7 {self._meta}")
        text.addWidget(self.status)
        detail = info.reason if info.status != VERIFIED else ""
        if refusal:
            detail = refusal
        self.detail = QLabel(html.escape(detail))
        self.detail.setObjectName("cardDetail")
        self.detail.setWordWrap(True)
        self.detail.setVisible(bool(detail))
        text.addWidget(self.detail)
        where = QLabel(html.escape(entry.path))
        where.setObjectName("cardPath")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        text.addWidget(where)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName(f"Verifying {info.name}")
        self.progress.hide()
        text.addWidget(self.progress)
        layout.addLayout(text, 1)

        self.verify_button = QPushButton("Verify")
        self.verify_button.setAccessibleName(f"Verify {info.name}")
        self.verify_button.setToolTip("Check the file's sha256 against the catalog")
        self.verify_button.setEnabled(info.status in (UNVERIFIED, MISMATCH) and not info.sha256)
        self.verify_button.clicked.connect(lambda: self.verify_requested.emit(self.entry))
        layout.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignTop)
        self.load_button = QPushButton("Unload" if loaded else "Load")
        self.load_button.setObjectName("" if loaded else "primary")
        self.load_button.setAccessibleName(("Unload " if loaded else "Load ") + info.name)
        self.load_button.setEnabled(loaded or refusal is None)
        self.load_button.clicked.connect(
            lambda: (self.unload_requested if loaded else self.load_requested).emit(self.entry))
        layout.addWidget(self.load_button, 0, Qt.AlignmentFlag.AlignTop)

    def set_status(self, word: str) -> None:
        meta = getattr(self, "_meta", "")
        self.status.setText(f"{word} \u00b7 {meta}" if meta else word)

    def show_progress(self, done: int, total: int) -> None:
        self.progress.show()
        self.progress.setValue(int(1000 * done / max(total, 1)))
        self.set_status(f"Verifying\u2026 {100 * done // max(total, 1)}%")


class ModelsView(QWidget):
    load_requested = Signal(object)
    unload_requested = Signal(object)
    models_changed = Signal(list)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.models: list[ModelEntry] = []
        self.rows: dict[str, ModelRow] = {}
        self.loaded_id: str | None = None
        self.scanning = False
        self.copy_task: tasks.Task | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        head = QHBoxLayout()
        title = QLabel("Models")
        title.setObjectName("pageTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setAccessibleName("Look for models again")
        self.refresh_button.clicked.connect(self.refresh)
        head.addWidget(self.refresh_button)
        self.add_button = QPushButton("Add model file\u2026")
        self.add_button.setObjectName("primary")
        self.add_button.setAccessibleName("Add a model file")
        self.add_button.clicked.connect(lambda: self.add_model_file())
        head.addWidget(self.add_button)
        layout.addLayout(head)

        self.copy_progress = QProgressBar()
        self.copy_progress.setRange(0, 1000)
        self.copy_progress.setAccessibleName("Copying the model file")
        self.copy_progress.hide()
        layout.addWidget(self.copy_progress)
        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.list_layout = QVBoxLayout(body)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(10)
        self.empty = QLabel(empty_state_text())
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty.hide()
        self.list_layout.addWidget(self.empty)
        self.list_layout.addStretch(1)
        self.scroll.setWidget(body)
        layout.addWidget(self.scroll, 1)

    # -- scanning ----------------------------------------------------------------------
    def refresh(self) -> tasks.Task:
        self.scanning = True
        self.refresh_button.setEnabled(False)
        return tasks.run_in_background(self.services.scan_models, on_success=self.show_models,
                                       on_finished=self._scan_done, error_parent=self,
                                       error_title="Looking for models")

    def _scan_done(self) -> None:
        self.scanning = False
        self.refresh_button.setEnabled(True)

    def set_loaded(self, model_path: str | None) -> None:
        self.loaded_id = model_path
        self.show_models(self.models)

    def show_models(self, models: list[ModelEntry]) -> None:
        self.models = list(models)
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows = {}
        for entry in self.models:
            row = ModelRow(entry, entry.path == self.loaded_id, self)
            row.verify_requested.connect(self.verify)
            row.load_requested.connect(self.load_requested)
            row.unload_requested.connect(self.unload_requested)
            self.list_layout.insertWidget(self.list_layout.count() - 1, row)
            self.rows[entry.path] = row  # two copies of one catalog model share an id
        self.empty.setVisible(not self.models)
        self.models_changed.emit(self.models)

    # -- verification ------------------------------------------------------------------
    def verify(self, entry: ModelEntry) -> tasks.Task:
        row = self.rows.get(entry.path)
        if row:
            row.verify_button.setEnabled(False)
            row.show_progress(0, entry.info.size_bytes)

        def work(task):
            return self.services.verify_model(entry, progress=lambda d, t: task.report((d, t)),
                                              cancel=task.cancel_event)

        def progress(value):
            r = self.rows.get(entry.path)
            if r:
                r.show_progress(*value)

        def verified(checked: ModelEntry) -> None:
            self.show_models([checked if m.path == checked.path else m for m in self.models])

        return tasks.run_in_background(work, pass_task=True, on_progress=progress, on_success=verified,
                                       error_parent=self, error_title="Verifying a model")

    # -- adding a file -----------------------------------------------------------------
    def add_model_file(self, path: Path | str | None = None) -> tasks.Task | None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Add model file", str(Path.home()),
                                                    "GGUF model files (*.gguf)")
            if not chosen:
                return None
            path = chosen
        src = Path(path)
        self.add_button.setEnabled(False)
        self.copy_progress.setValue(0)
        self.copy_progress.show()
        self._notify(f"Copying {src.name} into {paths.user_models_dir()}\u2026")

        def work(task):
            return import_model_file(src, progress=lambda d, t: task.report((d, t)), cancel=task.cancel_event)

        def copied(dest: Path) -> None:
            self._notify(f"{dest.name} was added. Checking it\u2026")
            self.refresh().succeeded.connect(lambda models: self._verify_added(dest, models))

        def failed(exc: BaseException) -> None:
            self._notify("")
            show_error(self, exc, "Adding a model file", f"{src.name} was not added.")

        self.copy_task = tasks.run_in_background(
            work, pass_task=True,
            on_progress=lambda v: self.copy_progress.setValue(int(1000 * v[0] / max(v[1], 1))),
            on_success=copied, on_failure=failed,
            on_finished=lambda: (self.add_button.setEnabled(True), self.copy_progress.hide()))
        return self.copy_task

    def _verify_added(self, dest: Path, models: list[ModelEntry]) -> None:
        match = next((m for m in models if Path(m.path) == dest), None)
        if match is None:
            self._notify(f"{dest.name} was copied but is not listed; check the file.")
            return
        info = match.info
        if info.status in (UNVERIFIED, MISMATCH) and not info.sha256:
            self.verify(match).succeeded.connect(
                lambda e: self._notify(f"{e.name}: {STATUS_WORDS.get(e.info.status, e.info.status).lower()}"
                                       f" ({e.info.reason})."))
        else:
            self._notify(f"{match.name}: {STATUS_WORDS.get(info.status, info.status).lower()}.")

    def _notify(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
