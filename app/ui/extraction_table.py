"""The extracted table in the window: one row per document, a column per field, sortable. A click on a
cell opens the document at its quote, highlighted; a cell can be corrected by hand (and says so);
a value whose quote was not found in the document is flagged, never hidden."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
UNVERIFIED = "\u26a0 "  # shown before a value whose quote is not in the document
CORRECTED = "\u270e "  # shown before a value corrected by hand
FLAG_COLOUR = QColor(255, 236, 179)
CORRECTED_COLOUR = QColor(220, 232, 255)


def cell_text(cell) -> str:
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    if cell.corrected:
        return CORRECTED + text
    return text if cell.verified else UNVERIFIED + text


class ExtractionModel(QAbstractTableModel):
    refused = Signal(str)  # a correction that is not of the field's type: why

    def __init__(self, fields, correct, parent=None):
        """correct(field, cell, text) -> corrected cell, or raises ValueError with the reason."""
        super().__init__(parent)
        self.fields = list(fields)
        self.rows: list = []
        self._correct = correct

    def add_row(self, row) -> None:
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(row)
        self.endInsertRows()

    def put_row(self, row) -> None:
        """Adds the row, or replaces the row of the same file (read again)."""
        at = next((i for i, r in enumerate(self.rows) if r.file == row.file), None)
        if at is None:
            self.add_row(row)
            return
        self.rows[at] = row
        self.dataChanged.emit(self.index(at, 0), self.index(at, self.columnCount() - 1))

    def remove_files(self, files) -> None:
        for at in sorted((i for i, r in enumerate(self.rows) if r.file in set(files)), reverse=True):
            self.beginRemoveRows(QModelIndex(), at, at)
            del self.rows[at]
            self.endRemoveRows()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt naming
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt naming
        return 0 if parent.isValid() else 1 + len(self.fields)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt naming
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "Document" if section == 0 else self.fields[section - 1].name.replace("_", " ")
        return None

    def cell(self, index: QModelIndex):
        if not index.isValid() or index.column() == 0:
            return None
        return self.rows[index.row()].values.get(self.fields[index.column() - 1].name)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if index.column() == 0:
            name = row.file.replace("\\", "/").rsplit("/", 1)[-1]
            if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
                return name + (" \u2014 could not be read" if row.error and role == Qt.ItemDataRole.DisplayRole else "")
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.file + (f"\n{row.error}" if row.error else "")
            return None
        cell = self.cell(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(cell)
        if role == Qt.ItemDataRole.EditRole:
            return "" if cell is None or cell.value is None else str(cell.value)
        if role == SORT_ROLE:
            return "" if cell is None or cell.value is None else str(cell.value)
        if role == Qt.ItemDataRole.BackgroundRole and cell is not None and cell.value is not None:
            if cell.corrected:
                return CORRECTED_COLOUR
            return None if cell.verified else FLAG_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole and cell is not None:
            where = f" (page {cell.page})" if cell.page else ""
            lines = [f"\u201c{cell.quote}\u201d{where}"] if cell.quote else []
            if cell.note:
                lines.append(cell.note)
            return "\n".join(lines) or None
        return None

    def flags(self, index: QModelIndex):
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() and index.column() > 0 else base

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802 - Qt naming
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() == 0:
            return False
        field = self.fields[index.column() - 1]
        row = self.rows[index.row()]
        old = row.values.get(field.name)
        if str(value) == ("" if old is None or old.value is None else str(old.value)):
            return False  # nothing changed: not a correction
        try:
            row.values[field.name] = self._correct(field, old, str(value))
        except ValueError as exc:
            self.refused.emit(str(exc))
            return False
        self.dataChanged.emit(index, index)
        return True


def sortable(model: ExtractionModel, parent=None) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy
