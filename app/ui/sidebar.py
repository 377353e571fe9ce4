"""The left column: conversations (searchable, grouped by date) and libraries."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMenu, QPushButton,
    QVBoxLayout, QWidget,
)

from .services import Conversation

GROUPS = ("Today", "Yesterday", "Previous 7 days", "Older")
ID_ROLE = Qt.ItemDataRole.UserRole


def date_group(when: datetime, today: date | None = None) -> str:
    today = today or date.today()
    day = when.date()
    if day >= today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day >= today - timedelta(days=7):
        return "Previous 7 days"
    return "Older"


class ConversationList(QListWidget):
    """Conversation rows under non-selectable date headers. F2 renames, Delete deletes."""

    rename_requested = Signal(str)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conversationList")
        self.setAccessibleName("Conversations")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)

    def current_id(self) -> str | None:
        item = self.currentItem()
        return item.data(ID_ROLE) if item else None

    def _menu(self, pos) -> None:
        item = self.itemAt(pos)
        if not item or not item.data(ID_ROLE):
            return
        conv_id = item.data(ID_ROLE)
        menu = QMenu(self)
        menu.addAction("Rename\u2026", lambda: self.rename_requested.emit(conv_id))
        menu.addAction("Delete", lambda: self.delete_requested.emit(conv_id))
        menu.exec(self.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt naming
        conv_id = self.current_id()
        if conv_id and event.key() == Qt.Key.Key_F2:
            self.rename_requested.emit(conv_id)
            return
        if conv_id and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_requested.emit(conv_id)
            return
        super().keyPressEvent(event)


class Sidebar(QWidget):
    conversation_selected = Signal(str)
    new_requested = Signal()
    rename_requested = Signal(str)
    delete_requested = Signal(str)
    library_selected = Signal(str)
    libraries_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sidebar")
        self._conversations: list[Conversation] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)

        self.new_button = QPushButton("New conversation")
        self.new_button.setObjectName("primary")
        self.new_button.setToolTip("New conversation (Ctrl+N)")
        self.new_button.setAccessibleName("New conversation")
        self.new_button.clicked.connect(self.new_requested)
        layout.addWidget(self.new_button)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search conversations")
        self.search.setAccessibleName("Search conversations by title")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._fill())
        layout.addWidget(self.search)

        self.list = ConversationList(self)
        self.list.currentItemChanged.connect(self._on_current)
        self.list.rename_requested.connect(self.rename_requested)
        self.list.delete_requested.connect(self.delete_requested)
        layout.addWidget(self.list, 3)

        head = QHBoxLayout()
        title = QLabel("Libraries")
        title.setObjectName("sectionTitle")
        head.addWidget(title)
        head.addStretch(1)
        manage = QPushButton("Manage\u2026")
        manage.setObjectName("link")
        manage.setAccessibleName("Manage libraries")
        manage.clicked.connect(self.libraries_requested)
        head.addWidget(manage)
        layout.addLayout(head)
        self.libraries = QListWidget()
        self.libraries.setObjectName("libraryList")
        self.libraries.setAccessibleName("Libraries")
        self.libraries.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long names elide
        self.libraries.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.libraries.itemActivated.connect(lambda item: self.library_selected.emit(item.text()))
        layout.addWidget(self.libraries, 1)

    # -- conversations ---------------------------------------------------------------
    def set_conversations(self, conversations: list[Conversation], current: str | None = None) -> None:
        self._conversations = list(conversations)
        self._fill(current)

    def _fill(self, current: str | None = None) -> None:
        current = current or self.list.current_id()
        query = self.search.text().strip().lower()
        shown = [c for c in self._conversations if query in c.title.lower()]
        shown.sort(key=lambda c: c.updated, reverse=True)
        self.list.blockSignals(True)
        self.list.clear()
        select = None
        for group in GROUPS:
            members = [c for c in shown if date_group(c.updated) == group]
            if not members:
                continue
            header = QListWidgetItem(group)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setData(Qt.ItemDataRole.AccessibleTextRole, f"{group}:")
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.list.addItem(header)
            for conv in members:
                item = QListWidgetItem(conv.title)
                item.setData(ID_ROLE, conv.id)
                item.setToolTip(conv.title)
                self.list.addItem(item)
                if conv.id == current:
                    select = item
        if not shown:
            empty = QListWidgetItem("No conversation matches" if query else "No conversations yet")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        if select is not None:
            self.list.setCurrentItem(select)
        self.list.blockSignals(False)

    def visible_titles(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count()) if self.list.item(i).data(ID_ROLE)]

    def group_headers(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if not self.list.item(i).data(ID_ROLE) and self.list.item(i).text() in GROUPS]

    def select(self, conv_id: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == conv_id:
                self.list.setCurrentRow(i)
                return

    def _on_current(self, item, _previous) -> None:
        if item is not None and item.data(ID_ROLE):
            self.conversation_selected.emit(item.data(ID_ROLE))

    # -- libraries -------------------------------------------------------------------
    def set_libraries(self, names: list[str]) -> None:
        self.libraries.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setToolTip(name)  # the whole name where it is elided
            self.libraries.addItem(item)
        if not names:
            item = QListWidgetItem("No libraries yet")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.libraries.addItem(item)
