"""Libraries: add folders (button or drag-and-drop), index with progress, pause, cancel, re-index,
remove, and the files that could not be read, in plain words with their path."""
from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QListWidget, QMessageBox, QProgressBar, QPushButton,
    QScrollArea, QVBoxLayout, QWidget,
)

from . import tasks
from .errors import show_error
from .library_files import LibraryFiles
from .services import Services, error_kind, page_label, start_folder_watcher

log = logging.getLogger(__name__)


def eta_words(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''} left" if minutes < 90 else \
        f"about {minutes / 60:.1f} hours left"


def progress_words(p) -> str:
    if p.phase == "scanning":
        return f"Looking for documents\u2026 {p.files_scanned} found"
    if p.phase == "indexing":
        eta = eta_words(p.eta_seconds)
        words = f"Indexing {p.files_embedded} of {p.files_to_index} files \u00b7 {p.chunks_embedded} passages"
        under_way = p.file_under_way()
        if under_way:
            name, done, total = under_way
            words += f" \u00b7 {Path(name).name}: {done:,} of {total:,} passages"
        elif p.reading_file:
            words += f" \u00b7 reading {Path(p.reading_file).name}\u2026"
        return words + (f" \u00b7 {eta}" if eta else "")
    if p.phase == "ocr":
        words = p.ocr_words().capitalize()
        return words + (f" \u00b7 {Path(p.ocr_file).name}" if p.ocr_file else "")
    if p.phase == "removing":
        return "Removing deleted files from the index\u2026"
    if p.phase == "optimizing":
        return "Finishing the index\u2026"
    return p.phase.capitalize()


class LibraryCard(QFrame):
    def __init__(self, view: "LibrariesView", lib, parent: QWidget | None = None):
        super().__init__(parent)
        self.lib = lib
        self.setObjectName("card")
        self.setAccessibleName(f"Library {lib.name}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(4)
        # The name on a line of its own, wrapped: a long matter name never pushes the buttons out of view.
        title = QLabel(f"<b>{html.escape(lib.name)}</b>")
        title.setObjectName("cardTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        head = QHBoxLayout()
        self.reindex = self._button("Re-index", f"Re-index {lib.name}", lambda: view.start_sync(lib.name))
        self.pause = self._button("Pause", f"Pause indexing {lib.name}", lambda: view.pause(lib.name))
        self.cancel = self._button("Cancel", f"Cancel indexing {lib.name}", lambda: view.cancel(lib.name))
        self.remove = self._button("Remove", f"Remove the library {lib.name}", lambda: view.confirm_remove(lib.name))
        self.ask = self._button("Start asking", f"Start a conversation about {lib.name}",
                                lambda: view.ask_requested.emit(lib.name))
        self.ask.setObjectName("primary")
        self.files_button = self._button("Files", f"Show the files of {lib.name}", self.toggle_files)
        self.files_button.setCheckable(True)
        self.extract = self._button("Extract table…", f"Extract a table from the documents of {lib.name}",
                                    lambda: view.open_extraction(lib.name))
        for b in (self.ask, self.files_button, self.extract, self.reindex, self.pause, self.cancel, self.remove):
            head.addWidget(b)
        head.addStretch(1)
        layout.addLayout(head)
        folders = QLabel(html.escape(", ".join(lib.folders) or "no folder"))
        folders.setObjectName("cardPath")
        folders.setWordWrap(True)
        folders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(folders)
        self.summary = QLabel("")
        self.summary.setObjectName("cardMeta")
        layout.addWidget(self.summary)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setAccessibleName(f"Indexing progress of {lib.name}")
        self.bar.hide()
        layout.addWidget(self.bar)
        self.files = LibraryFiles(view.services, lib)
        self.files.hide()
        layout.addWidget(self.files)
        self.set_running(False)

    def toggle_files(self, shown: bool) -> None:
        self.files.setVisible(shown)
        if shown:
            self.files.load()

    def _button(self, text: str, accessible: str, slot) -> QPushButton:
        b = QPushButton(text)
        b.setAccessibleName(accessible)
        b.clicked.connect(slot)
        return b

    def set_running(self, running: bool, paused: bool = False) -> None:
        self.reindex.setVisible(not running and not paused)
        self.pause.setVisible(running or paused)
        self.pause.setText("Resume" if paused else "Pause")
        self.pause.setAccessibleName(("Resume" if paused else "Pause") + f" indexing {self.lib.name}")
        self.cancel.setVisible(running)
        self.bar.setVisible(running)
        self.ask.setVisible(not running)

    def show_progress(self, p) -> None:
        self.summary.setText(progress_words(p))
        if (p.phase == "indexing" and p.files_to_index) or (p.phase == "ocr" and p.ocr_pages_total):
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(1000 * p.files_done_fraction()))
        else:
            self.bar.setRange(0, 0)


class _Changes(QObject):
    """Carries the watcher's calls (a timer thread) to the UI thread."""

    changed = Signal(str)


class LibrariesView(QWidget):
    libraries_changed = Signal(list)  # names
    ask_requested = Signal(str)  # "Start asking" on a library: a conversation in that matter
    activity = Signal(str)  # one line for the status bar; "" when idle
    sync_finished = Signal(str, object)  # library name, SyncReport
    intake_done = Signal(object)  # an intake pass's report (None: no model loaded yet)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.cards: dict[str, LibraryCard] = {}
        self.running: dict[str, tasks.Task] = {}
        self.paused: set[str] = set()
        self.failures: dict[str, list[dict]] = {}
        self.keeper = None  # the window's ConversationKeeper: keeps each library's last extracted table
        self.watcher = None  # the watcher start_folder_watcher() gave, once watch_folders() has started it
        self._watch_wanted = False
        self.watch_debounce = 2.0  # seconds of quiet after the last change before re-indexing
        self._watched: dict[str, tuple[str, ...]] = {}
        self._resync: set[str] = set()  # changed while indexing: index again when that run ends
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        head = QHBoxLayout()
        title = QLabel("Libraries")
        title.setObjectName("pageTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.add_button = QPushButton("Add folder\u2026")
        self.add_button.setObjectName("primary")
        self.add_button.setAccessibleName("Add a folder as a library")
        self.add_button.clicked.connect(lambda: self.add_folder())
        head.addWidget(self.add_button)
        # Only where IT set up a firm's Qdrant server: the next folder added becomes a shared library.
        self.server_box = QCheckBox("On the firm's server")
        self.server_box.setAccessibleName("Keep the next library on the firm's Qdrant server")
        self.server_box.setToolTip("Its index is shared: other workstations attach it and search it without "
                                   "indexing it again. The folder must be under one of libraries.roots.")
        self.server_box.setVisible(bool(services.settings.get("libraries.server_url")))
        head.addWidget(self.server_box)
        layout.addLayout(head)
        hint = QLabel("A library is a folder of documents that answers can cite. Drop a folder here to add it. "
                      "Documents never leave this computer.")
        hint.setObjectName("cardMeta")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.cards_layout = QVBoxLayout(body)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.setSpacing(10)
        self.empty = QLabel("<h3>No libraries yet</h3><p>Add a folder of documents to ask questions about them.</p>")
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.cards_layout.addWidget(self.empty)
        self.cards_layout.addStretch(1)
        self.scroll.setWidget(body)
        layout.addWidget(self.scroll, 3)

        self.failures_title = QLabel("Files that could not be read")
        self.failures_title.setObjectName("sectionTitle")
        layout.addWidget(self.failures_title)
        self.failures_list = QListWidget()
        self.failures_list.setObjectName("failureList")
        self.failures_list.setAccessibleName("Files that could not be read")
        self.failures_list.setWordWrap(True)
        layout.addWidget(self.failures_list, 1)
        self.failures_title.hide()
        self.failures_list.hide()

        self.reload()

    # -- list ------------------------------------------------------------------------
    def reload(self) -> None:
        libs = self.services.libraries()
        for card in self.cards.values():
            card.setParent(None)
            card.deleteLater()
        self.cards = {}
        for lib in libs:
            card = LibraryCard(self, lib)
            card.summary.setText(self._stats_words(lib))
            card.set_running(lib.name in self.running, lib.name in self.paused)
            self.cards_layout.insertWidget(self.cards_layout.count() - 1, card)
            card.show()  # now: a layout shows a new child only at the next event loop pass
            self.cards[lib.name] = card
        self.empty.setVisible(not libs)
        self._rewatch(libs)
        self.libraries_changed.emit([lib.name for lib in libs])

    # -- watching --------------------------------------------------------------------
    def watch_folders(self) -> None:
        """Keeps every library current while the window is open: a change in one of its folders
        re-indexes it (debounced; the incremental sync touches only what changed)."""
        if self.watcher is not None or self._watch_wanted:
            return
        self._watch_wanted = True
        self._changes = _Changes(self)
        self._changes.changed.connect(self._folder_changed, Qt.ConnectionType.QueuedConnection)

        def start():  # importing watchdog and starting its threads: off the UI thread
            return start_folder_watcher(self._changes.changed.emit, debounce=self.watch_debounce)

        def started(watcher) -> None:
            if not self._watch_wanted:  # the window closed meanwhile
                watcher.stop()
                return
            self.watcher = watcher
            self._rewatch(self.services.libraries())

        tasks.run_in_background(start, on_success=started,
                                on_failure=lambda exc: log.warning("watching: %s", error_kind(exc)))

    def stop_watching(self) -> None:
        self._watch_wanted = False
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
            self._watched = {}

    def _rewatch(self, libs) -> None:
        if self.watcher is None:
            return
        current = {lib.name: tuple(lib.folders) for lib in libs}
        for name in set(self._watched) - set(current):
            self.watcher.unwatch(name)
        watcher = self.watcher
        for lib in libs:
            if self._watched.get(lib.name) != current[lib.name]:
                # Watching a big tree walks it (one inotify watch per folder): never on the UI thread.
                tasks.run_in_background(lambda lib=lib: watcher.watch(lib))
        self._watched = current

    def _folder_changed(self, name: str) -> None:
        if name in self.paused or name not in self.cards:
            return
        if name in self.running:
            self._resync.add(name)
        else:
            self.start_sync(name)

    def sync_all(self) -> None:
        """Catches up with what changed while Strongroom was closed."""
        for lib in self.services.libraries():
            self.start_sync(lib.name)

    def _stats_words(self, lib) -> str:
        try:
            s = self.services.library_stats(lib)
        except Exception:  # noqa: BLE001 - stats are informative only
            return ""
        if not s.files and not s.last_sync:
            return "Not indexed yet"
        if not s.files and not s.failures:
            return f"No supported documents in this folder. Strongroom reads {self.services.supported_types()}."
        words = f"{s.files} files \u00b7 {s.chunks} passages"
        if s.failures:
            words += f" \u00b7 {s.failures} could not be read"
        return words

    # -- adding ----------------------------------------------------------------------
    def add_folder(self, folder: Path | str | None = None):
        if folder is None:
            last = Path(self.services.settings.get("ui.last_folder") or Path.home())
            start = last if last.is_dir() else (last.parent if last.parent.is_dir() else Path.home())
            folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents", str(start))
            if not folder:
                return None
            self.remember_folder(folder)
        if self.server_box.isVisibleTo(self) and self.server_box.isChecked():
            return tasks.run_in_background(  # connects to the server: never on the UI thread
                lambda: self.services.add_server_library(folder), on_success=self._added,
                on_failure=lambda exc: show_error(self, exc, "Adding a library on the firm's server"))
        try:
            lib = self.services.add_library(folder)
        except Exception as exc:  # noqa: BLE001 - plain dialog, the window goes on
            show_error(self, exc, "Adding a library")
            return None
        self.reload()
        self.start_sync(lib.name)
        return lib

    def _added(self, lib) -> None:
        self.reload()
        self.start_sync(lib.name)

    def remember_folder(self, folder: Path | str) -> None:
        """The folder picker opens next where this folder is (the settings' ui.last_folder)."""
        try:
            self.services.settings.set("ui.last_folder", str(Path(folder).parent))
            self.services.settings.save()
        except Exception as exc:  # noqa: BLE001 - a locked or read-only setting only costs the convenience
            log.info("last folder not remembered: %s", error_kind(exc))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt naming
        if any(Path(u.toLocalFile()).is_dir() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt naming
        for url in event.mimeData().urls():
            if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
                self.add_folder(url.toLocalFile())
        event.acceptProposedAction()

    # -- indexing ----------------------------------------------------------------------
    def start_sync(self, name: str) -> tasks.Task | None:
        if name in self.running:
            return self.running[name]
        lib = next((lib for lib in self.services.libraries() if lib.name == name), None)
        if lib is None:
            return None
        self.paused.discard(name)
        card = self.cards.get(name)
        if card:
            card.set_running(True)
            card.summary.setText("Starting\u2026")

        def work(task):
            return self.services.sync_library(lib, progress=task.report, cancel=task.cancel_event)

        task = tasks.run_in_background(
            work, pass_task=True,
            on_progress=lambda p: self._progress(name, p),
            on_success=lambda report: self._done(name, report),
            on_failure=lambda exc: self._failed(name, exc))
        self.running[name] = task
        self.activity.emit(f"Indexing {name}\u2026")
        return task

    def _progress(self, name: str, p) -> None:
        card = self.cards.get(name)
        if card:
            card.show_progress(p)
        self.activity.emit(f"{name}: {progress_words(p)}")

    def _done(self, name: str, report) -> None:
        self.running.pop(name, None)
        self.failures[name] = list(report.failed) + [
            {"file": n["file"], "reason": "has scanned pages without text (needs OCR)"} for n in report.needs_ocr] + [
            {"file": u["file"], "reason": "; ".join(f"{page_label(p)}: {p['reason']}" for p in u["pages"])}
            for u in report.unreadable]
        self._show_failures()
        self.reload()
        card = self.cards.get(name)
        if card and report.cancelled:
            card.summary.setText("Paused" if name in self.paused else "Cancelled: the index keeps what was done")
        self.activity.emit("" if not self.running else f"Indexing {', '.join(self.running)}\u2026")
        self.sync_finished.emit(name, report)
        self.run_intake(name)
        if name in self._resync and not report.cancelled:
            self._resync.discard(name)
            self.start_sync(name)

    def _failed(self, name: str, exc: BaseException) -> None:
        self.running.pop(name, None)
        self.reload()
        self.activity.emit("")
        show_error(self, exc, "Indexing", f"The library \u201c{name}\u201d could not be indexed.")

    def pause(self, name: str) -> None:
        """Pausing stops at the next batch; Resume continues where it stopped (sync is incremental)."""
        if name in self.paused:
            self.start_sync(name)
            return
        task = self.running.get(name)
        if task:
            self.paused.add(name)
            task.quit()

    def cancel(self, name: str) -> None:
        task = self.running.get(name)
        if task:
            self.paused.discard(name)
            task.quit()

    def run_intake(self, name: str) -> None:
        """After a sync, a library with an extraction profile adds its new documents to its table."""
        from .services.whole_documents import WholeDocuments

        lib = next((lib for lib in self.services.libraries() if lib.name == name), None)
        if lib is not None and lib.extraction_fields:
            tasks.run_in_background(WholeDocuments(self.services).intake, lib, on_success=self.intake_done.emit,
                                    error_parent=self, error_title="Intake")

    def open_extraction(self, name: str):
        """Extract table…: the same fields from every document of the library (extraction_dialog.py)."""
        from .extraction_dialog import ExtractionDialog
        from .services.whole_documents import WholeDocuments

        lib = next((lib for lib in self.services.libraries() if lib.name == name), None)
        if lib is None:
            return None
        dialog = ExtractionDialog(WholeDocuments(self.services), lib, self, keeper=self.keeper)
        dialog.show()
        return dialog

    def confirm_remove(self, name: str) -> None:
        answer = QMessageBox.question(
            self, "Remove library",
            f"Remove the library \u201c{name}\u201d and its index? Your documents are not touched.")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove(name)

    def remove(self, name: str) -> None:
        task = self.running.get(name)
        if task:
            # Never wait on the UI thread: remove once the indexing has stopped.
            self.paused.discard(name)
            task.finished.connect(lambda: self.remove(name))
            task.quit()
            return
        lib = next((lib for lib in self.services.libraries() if lib.name == name), None)
        try:
            self.services.remove_library(name)
        except Exception as exc:  # noqa: BLE001
            show_error(self, exc, "Removing a library")
        else:
            if lib is not None and self.keeper is not None:
                self.keeper.delete_table(lib.id)
        self.failures.pop(name, None)
        self.paused.discard(name)
        self._show_failures()
        self.reload()

    def _show_failures(self) -> None:
        self.failures_list.clear()
        for name, items in self.failures.items():
            for f in items:
                self.failures_list.addItem(f"{f['file']}\n    {f['reason']}  ({name})")
        visible = self.failures_list.count() > 0
        self.failures_title.setVisible(visible)
        self.failures_list.setVisible(visible)
