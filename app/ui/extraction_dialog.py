"""Extract table…: the fields (a built-in template or a fields file), the table filling row by row
off the UI thread, the source viewer beside it, Stop, and Export to CSV, Excel or JSON Lines.

The library's last table, with its hand corrections, is kept in the history (through the window's
conversation keeper, so in the encrypted history when it is on) and shown when the dialog opens again:
saved every few rows while extracting, at the end, and after each correction. Update reads only the
documents added or changed since (by content hash) and drops the rows of documents gone, keeping the
other rows and their corrections."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from . import tasks
from .errors import show_error
from .extraction_table import ExtractionModel, sortable
from .source_viewer import SourceViewer

CHOOSE_FILE = "Fields file\u2026"
SAVE_EVERY_ROWS = 10  # while extracting: a crash loses at most this many documents' rows
MAX_COLUMN_PX = 320  # a column fits its contents up to this; longer values elide (the tooltip has them)
FIT_ROWS = 20  # columns are fitted to the first rows as they come, then once at the end


class ExtractionDialog(QDialog):
    def __init__(self, documents_service, lib, parent: QWidget | None = None, keeper=None):
        super().__init__(parent)
        self.work, self.lib, self.keeper = documents_service, lib, keeper
        self.source = ""  # where the fields of the table on screen came from
        self.complete = False  # the table on screen holds a row for every document
        self.hashes: dict[str, str] = {}  # each row's file -> its content hash when it was read
        self._reading: dict[str, str] = {}  # this run's plan: the files to read -> their hash now
        self.setWindowTitle(f"Extract table \u2014 {lib.name}")
        self.resize(1100, 680)
        self.model: ExtractionModel | None = None
        self.cancel = None
        self.task = None
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.fields_box = QComboBox()
        self.fields_box.setAccessibleName("Fields to extract")
        self.fields_box.addItems([*self.work.templates(), CHOOSE_FILE])
        self.start_button = QPushButton("Extract")
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start)
        self.update_button = QPushButton("Update")
        self.update_button.setToolTip("Read only the documents added or changed since this table; "
                                      "rows of the others, corrections included, stay as they are")
        self.update_button.clicked.connect(self.update_table)
        self.update_button.hide()
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        self.export_button = QPushButton("Export\u2026")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export)
        self.status = QLabel("Choose the fields, then Extract.")
        for w in (QLabel("Fields:"), self.fields_box, self.start_button, self.update_button, self.stop_button,
                  self.export_button):
            head.addWidget(w)
        head.addWidget(self.status, 1)
        layout.addLayout(head)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableView()
        self.table.setAccessibleName(f"Extracted table of {lib.name}")
        self.table.setSortingEnabled(True)
        self.table.clicked.connect(self.show_cell)
        self.viewer = SourceViewer()
        split.addWidget(self.table)
        split.addWidget(self.viewer)
        split.setSizes([650, 450])
        layout.addWidget(split, 1)
        self.legend = QLabel("\u26a0 the quote is not in the document or does not show the value: check it.  "
                             "\u270e corrected by hand.  Double-click a value to correct it.")
        self.legend.setObjectName("cardMeta")
        layout.addWidget(self.legend)
        if keeper is not None:
            keeper.load_table(lib.id, self._show_saved)

    def _show_saved(self, table) -> None:
        if table is None or self.model is not None:  # none kept, or an extraction began meanwhile
            return
        self._use_model(table.fields, table.source)
        self.complete, self.hashes = table.complete, dict(table.hashes)
        for row in table.rows:
            self.model.add_row(row)
        self.export_button.setEnabled(bool(table.rows))
        self._fit_columns()
        self.start_button.setText("Extract again")
        self.update_button.show()
        if table.source in self.work.templates():
            self.fields_box.setCurrentText(table.source)
        when = datetime.fromtimestamp(table.saved).strftime("%d %b %Y %H:%M") if table.saved else "earlier"
        stopped = ", stopped before the last document" if not table.complete else ""
        self.status.setText(f"Table extracted {when}{stopped}: {len(table.rows)} documents. "
                            "Extract again to read the documents anew.")

    def _fit_columns(self) -> None:
        """Each column as wide as its header and values, within MAX_COLUMN_PX."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for i in range(header.count()):
            header.resizeSection(i, min(header.sectionSize(i), MAX_COLUMN_PX))

    def _use_model(self, fields, source: str) -> None:
        from .services.whole_documents import corrected_cell

        self.source = source
        self.model = ExtractionModel(fields, corrected_cell, self)
        self.model.refused.connect(self.status.setText)
        self.model.dataChanged.connect(lambda *_: self._save())  # a hand correction
        self.table.setModel(sortable(self.model, self))

    def _save(self) -> None:
        """Keeps the table as it is now as the library's last table."""
        if self.keeper is None or self.model is None or not self.model.rows:
            return
        from .services.whole_documents import SavedTable

        self.keeper.save_table(self.lib.id, SavedTable(self.source, list(self.model.fields), list(self.model.rows),
                                                       self.complete, hashes=dict(self.hashes)))

    def fields_source(self) -> str | None:
        choice = self.fields_box.currentText()
        if choice != CHOOSE_FILE:
            return choice
        path, _ = QFileDialog.getOpenFileName(self, "Fields file", "", "Fields (*.toml)")
        return path or None

    def start(self, source: str | None = None) -> None:
        source = source or self.fields_source()
        if not source:
            return
        try:
            fields = self.work.fields(source)
        except ValueError as exc:
            show_error(self, exc, "Extract table", "These fields cannot be used.")
            return
        self._use_model(fields, source)
        self.hashes = {}
        self._run(everything=True)

    def update_table(self) -> None:
        """Reads only the documents added or changed since the table; drops rows of documents gone."""
        if self.model is not None and self.task is None:
            self._run(everything=False)

    def _run(self, everything: bool) -> None:
        from .services.whole_documents import Cancel, SavedTable

        fields, kept = list(self.model.fields), SavedTable(self.source, [], list(self.model.rows), hashes=self.hashes)
        self.complete = False
        self.cancel = Cancel()
        for button in (self.start_button, self.update_button):
            button.hide()
        self.stop_button.show()
        self.export_button.setEnabled(bool(self.model.rows))
        self.status.setText("Reading the list of documents\u2026")

        def work(task):
            current = self.work.document_hashes(self.lib)
            to_read, gone = (list(current), []) if everything else kept.changes(current)
            task.report(("plan", ({f: current[f] for f in to_read}, gone)))
            return self.work.extract(self.lib, fields, self.cancel, on_row=lambda row: task.report(("row", row)),
                                     on_progress=lambda i, n: task.report(("progress", (i, n))), paths=to_read)

        self.task = tasks.run_in_background(work, pass_task=True, on_progress=self._progress, on_success=self._done,
                                            on_failure=self._failed)

    def _progress(self, item) -> None:
        kind, value = item
        if kind == "plan":
            self._reading, gone = value
            self.model.remove_files(gone)
            for file in gone:
                self.hashes.pop(file, None)
        elif kind == "row":
            self.model.put_row(value)
            if value.file in self._reading:
                self.hashes[value.file] = self._reading[value.file]
            self.export_button.setEnabled(True)
            if len(self.model.rows) <= FIT_ROWS:
                self._fit_columns()
            if len(self.model.rows) % SAVE_EVERY_ROWS == 0:
                self._save()
        else:
            self.status.setText(f"Reading document {value[0] + 1} of {value[1]}\u2026")

    def _finish(self) -> None:
        self.task = None
        self.stop_button.hide()
        self.start_button.show()
        self.start_button.setText("Extract again")
        self.update_button.show()

    def _done(self, result) -> None:
        self._finish()
        self.complete = not result.cancelled
        self._fit_columns()
        self._save()
        values = [c for r in self.model.rows for c in r.values.values() if c.value is not None]
        stopped = "Stopped. " if result.cancelled else ""
        read = "" if len(result.rows) == len(self.model.rows) else f" ({len(result.rows)} read, the others kept)"
        self.status.setText(f"{stopped}{len(self.model.rows)} documents{read}; {sum(c.verified for c in values)} of "
                            f"{len(values)} values backed by their quote.")

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self._save()  # the rows read before the failure are kept
        self.status.setText("")
        show_error(self, exc, "Extract table", "The table could not be extracted.")

    def stop(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
            self.status.setText("Stopping after this document\u2026")

    def show_cell(self, proxy_index) -> None:
        index = self.table.model().mapToSource(proxy_index)
        row = self.model.rows[index.row()]
        cell = self.model.cell(index)
        self.viewer.show_source(row.file, cell.page if cell else None, cell.quote if cell else "")

    def export(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export table", f"{self.lib.name}.xlsx",
                                                  "Excel (*.xlsx);;CSV (*.csv);;JSON Lines (*.jsonl)")
            if not path:
                return
        rows, fields = list(self.model.rows), list(self.model.fields)
        tasks.run_in_background(self.work.write_table, Path(path), rows, fields,
                                on_success=lambda written: self.status.setText(f"Exported to {written}"),
                                error_parent=self, error_title="Export table")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        self.stop()  # a closed table stops reading: the model is free for the next question
        super().closeEvent(event)
