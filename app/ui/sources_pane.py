"""The right-hand pane: the sources of the answer in focus, and the viewer for the one clicked."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from .source_viewer import SourceViewer

N_ROLE = Qt.ItemDataRole.UserRole


def source_label(s: dict) -> str:
    page = f", page {s['page']}" if s.get("page") else ""
    excerpt = " ".join(str(s.get("excerpt", "")).split())
    if len(excerpt) > 160:
        excerpt = excerpt[:159] + "\u2026"
    return f"[{s['n']}] {Path(str(s['file'])).name}{page}\n{excerpt}"


class SourcesPane(QWidget):
    source_opened = Signal(dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sourcesPane")
        self.sources: list[dict] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        title = QLabel("Sources")
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        self.empty = QLabel("Answers drawn from your libraries list their sources here. "
                            "Click a number like [1] in an answer to open the passage.")
        self.empty.setWordWrap(True)
        self.empty.setObjectName("cardMeta")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.empty)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.list = QListWidget()
        self.list.setObjectName("sourceList")
        self.list.setAccessibleName("Sources of the answer")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.split.addWidget(self.list)
        self.viewer = SourceViewer()
        self.viewer.hide()
        self.split.addWidget(self.viewer)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 3)
        layout.addWidget(self.split, 1)
        self.set_sources([])

    def set_sources(self, sources: list[dict]) -> None:
        self.sources = list(sources)
        self.list.clear()
        for s in self.sources:
            item = QListWidgetItem(source_label(s))
            item.setData(N_ROLE, s["n"])
            item.setToolTip(html.escape(str(s["file"])))
            self.list.addItem(item)
        self.empty.setVisible(not self.sources)
        self.split.setVisible(bool(self.sources))

    def open_source(self, n: int) -> bool:
        source = next((s for s in self.sources if s["n"] == n), None)
        if source is None:
            return False
        for i in range(self.list.count()):
            if self.list.item(i).data(N_ROLE) == n:
                self.list.setCurrentRow(i)
        self.viewer.show()
        self.viewer.show_source(source["file"], source.get("page"), source.get("excerpt", ""))
        self.source_opened.emit(source)
        return True

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_source(item.data(N_ROLE))
