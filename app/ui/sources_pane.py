"""The right-hand pane: the sources of the answer in focus, and the viewer for the one clicked."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QMenu, QSplitter, QVBoxLayout, QWidget

from .source_viewer import SourceViewer

N_ROLE = Qt.ItemDataRole.UserRole
LIST_MIN_HEIGHT = 110
READING_SHARE = 0.42
EMPTY = ("Answers drawn from your libraries list their sources here. Click a number like [1] in an answer to "
         "open the passage, or click an earlier answer to see its sources.")


def _key(sources: list[dict]) -> tuple:
    return tuple((s.get("n"), s.get("file"), s.get("page"), s.get("excerpt")) for s in sources)


def source_label(s: dict) -> str:
    page = f", page {s['page']}" if s.get("page") else ""
    excerpt = " ".join(str(s.get("excerpt", "")).split())
    if len(excerpt) > 160:
        excerpt = excerpt[:159] + "\u2026"
    return f"[{s['n']}] {Path(str(s['file'])).name}{page}\n{excerpt}"


class SourcesPane(QWidget):
    source_opened = Signal(dict)
    summarize_requested = Signal(str, str)  # a source's file and library: "Summarize this document"

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
        self.which = QLabel("")  # which answer's sources are listed
        self.which.setObjectName("cardMeta")
        self.which.setWordWrap(True)
        self.which.setAccessibleName("Whose sources these are")
        layout.addWidget(self.which)
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setObjectName("cardMeta")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.empty)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setChildrenCollapsible(False)  # the list stays usable while the viewer is open
        self.list = QListWidget()
        self.list.setMinimumHeight(LIST_MIN_HEIGHT)
        self.list.setObjectName("sourceList")
        self.list.setAccessibleName("Sources of the answer")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(self._activated)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemClicked.connect(self._activated)
        self.split.addWidget(self.list)
        self.viewer = SourceViewer()
        self.viewer.hide()
        self.split.addWidget(self.viewer)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 3)
        layout.addWidget(self.split, 1)
        self.set_sources([])

    def set_sources(self, sources: list[dict], which: str = "", empty: str = "") -> None:
        """Lists the sources of the answer in focus (`which` names it); the viewer closes when they change."""
        changed = _key(sources) != _key(self.sources)
        self.which.setText((which or "Sources of the latest answer") if sources else "")
        self.which.setVisible(bool(self.which.text()))
        self.empty.setText(empty or EMPTY)
        if not changed and self.list.count() == len(sources):
            return
        if changed:
            self.viewer.clear()
            self.viewer.hide()
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
        self._widen()
        self.viewer.show_source(source["file"], source.get("page"), source.get("excerpt", ""))
        self.source_opened.emit(source)
        return True

    def _widen(self) -> None:
        """A document needs room to be read: the pane takes up to READING_SHARE of the window's width."""
        split = self.parentWidget()
        if not isinstance(split, QSplitter) or split.orientation() != Qt.Orientation.Horizontal:
            return
        sizes = split.sizes()
        me = split.indexOf(self)
        want = int(sum(sizes) * READING_SHARE)
        if me < 0 or sizes[me] >= want:
            return
        page = me - 1  # the conversation, left of the pane, gives the room
        give = min(want - sizes[me], sizes[page] - split.widget(page).minimumSizeHint().width())
        if give > 0:
            sizes[me] += give
            sizes[page] -= give
            split.setSizes(sizes)
        # The list keeps a usable height; the viewer gets the rest.
        self.split.setSizes([LIST_MIN_HEIGHT + 40, max(self.split.height() - LIST_MIN_HEIGHT - 40, 200)])

    def _menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        source = next((s for s in self.sources if item is not None and s["n"] == item.data(N_ROLE)), None)
        if source is None:
            return
        menu = QMenu(self)
        menu.addAction("Summarize this document",
                       lambda: self.summarize_requested.emit(source["file"], source.get("library") or ""))
        menu.exec(self.list.mapToGlobal(pos))

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_source(item.data(N_ROLE))
