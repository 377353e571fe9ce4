"""The conversation: messages rendered as Markdown, the input box, library chips and message actions."""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QTextOption
from PySide6.QtWidgets import (
    QApplication, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QScrollArea, QSizePolicy,
    QTextBrowser, QToolButton, QVBoxLayout, QWidget,
)

from . import markdown_render
from .chat_notices import DemoBanner, EditBanner, MatterChooser, answer_notes, input_placeholder
from .answer_sources import AnswerSources
from .services import ShownMessage, footnotes

RENDER_INTERVAL_MS = 50  # streaming re-renders at most 20 times a second, not once per token


class MessageText(QTextBrowser):
    """A read-only, auto-height rich-text block; `cite:n` links are reported, never followed."""

    citation_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.document().setDefaultStyleSheet(markdown_render.STYLE)
        self.document().setDocumentMargin(2)
        self.anchorClicked.connect(self._on_anchor)
        self.document().contentsChanged.connect(self._fit)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction | Qt.TextInteractionFlag.TextSelectableByKeyboard)

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == markdown_render.CITE_SCHEME and url.path().isdigit():
            self.citation_clicked.emit(int(url.path()))

    def _fit(self) -> None:
        self.document().setTextWidth(self.viewport().width())
        height = int(self.document().size().height()) + 4
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(400, int(self.document().size().height()) + 4)


class MessageWidget(QFrame):
    """One message with its actions. Assistant text streams in through `append`."""

    citation_clicked = Signal(int)  # n
    copy_requested = Signal()
    selected = Signal()  # the user clicked this message or its sources: its sources go to the pane
    regenerate_requested = Signal()
    edit_requested = Signal()

    def __init__(self, message: ShownMessage, parent: QWidget | None = None):
        super().__init__(parent)
        self.message = message
        self.setObjectName("userMessage" if message.role == "user" else "assistantMessage")
        self.setProperty("role", message.role)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 8)
        layout.setSpacing(4)
        who = QLabel("You" if message.role == "user" else "Strongroom")
        who.setObjectName("messageAuthor")
        layout.addWidget(who)
        self.text = MessageText(self)
        self.text.citation_clicked.connect(self.citation_clicked)
        self.text.setAccessibleName("Your message" if message.role == "user" else "Answer")
        layout.addWidget(self.text)
        # The claim check's line: how many statements no source backs (marked in the text above).
        self.check_note = QLabel("")
        self.check_note.setObjectName("claimCheckNote")
        self.check_note.setWordWrap(True)
        self.check_note.setAccessibleName("Statements to check")
        self.check_note.hide()
        layout.addWidget(self.check_note)
        # Where the answer comes from, when that needs saying (plain chat; documents that back nothing).
        self.source_note = QLabel("")
        self.source_note.setObjectName("answerSourceNote")
        self.source_note.setWordWrap(True)
        self.source_note.setAccessibleName("Where this answer comes from")
        self.source_note.hide()
        layout.addWidget(self.source_note)
        self.superseded = False  # an earlier version, kept while its question is being edited
        self.note = QLabel("")
        self.note.setObjectName("messageNote")
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        self.sources_list = AnswerSources(self)  # "Sources (n)" under an answer, collapsed until clicked
        self.sources_list.source_clicked.connect(self.citation_clicked)
        self.sources_list.opened.connect(self.selected)
        layout.addWidget(self.sources_list)
        self.text.viewport().installEventFilter(self)

        actions = QHBoxLayout()
        actions.setSpacing(6)
        actions.addStretch(1)
        self.copy_button = self._action("Copy", "Copy this message with its sources as footnotes", self.copy_requested)
        actions.addWidget(self.copy_button)
        if message.role == "user":
            self.edit_button = self._action("Edit", "Edit this question and ask again", self.edit_requested)
            actions.addWidget(self.edit_button)
        else:
            self.regenerate_button = self._action("Regenerate", "Answer this question again", self.regenerate_requested)
            actions.addWidget(self.regenerate_button)
        layout.addLayout(actions)

        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self.render)
        self.render_count = 0
        self.render()

    def _action(self, label: str, tip: str, signal) -> QToolButton:
        button = QToolButton(self)
        button.setText(label)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.clicked.connect(signal)
        return button

    def append(self, token: str) -> None:
        self.message.text += token
        if not self._render_timer.isActive():
            self._render_timer.start()

    def render(self) -> None:
        self._render_timer.stop()
        self.render_count += 1
        if self.message.role == "user":
            self.text.setHtml(markdown_render.plain_to_html(self.message.text))
        else:
            self.text.setHtml(markdown_render.render(self.message.text or "\u2026", self.message.claims,
                                                     self.message.sources))
        check = markdown_render.check_summary(self.message.claims) if self.message.role == "assistant" else ""
        self.check_note.setText(
            f'<span style="background-color:{markdown_render.CHECK_BACKGROUND};">&nbsp;{markdown_render.CHECK_MARKER}'
            f"&nbsp;</span> {html.escape(check)}" if check else "")
        self.check_note.setVisible(bool(check))
        source, notes = answer_notes(self.message)
        self.source_note.setText(source)
        self.source_note.setVisible(bool(source))
        if self.superseded:
            notes.insert(0, "Earlier version: replaced when you send the edited question (Ctrl+Z keeps it).")
        if self.message.error:
            notes.append(self.message.error)
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))
        if self.message.role == "assistant":
            self.sources_list.set_sources(self.message.sources)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt naming
        self.selected.emit()
        super().mousePressEvent(event)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt naming
        try:
            if event.type() == QEvent.Type.MouseButtonPress and watched is self.text.viewport():
                self.selected.emit()
        except RuntimeError:  # the text block is being destroyed with this message
            pass
        return False

    def set_superseded(self, superseded: bool) -> None:
        """Dims an earlier version while its question is edited; it is still read and copied as it was."""
        from PySide6.QtWidgets import QGraphicsOpacityEffect

        self.superseded = superseded
        if superseded:
            effect = QGraphicsOpacityEffect(self)
            effect.setOpacity(0.55)
            self.setGraphicsEffect(effect)
        else:
            self.setGraphicsEffect(None)
        self.render()

    def set_busy(self, busy: bool) -> None:
        for name in ("regenerate_button", "edit_button"):
            button = getattr(self, name, None)
            if button is not None:
                button.setEnabled(not busy)

    def copy_text(self) -> str:
        return footnotes(self.message.text, self.message.sources) if self.message.sources else self.message.text


class InputBox(QPlainTextEdit):
    """Enter sends; Shift+Enter adds a line."""

    submitted = Signal()
    escaped = Signal()
    undo_edit = Signal()  # Ctrl+Z with nothing typed left to undo: undo the edit of a question

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("Ask about your documents\u2026  (Enter sends, Shift+Enter adds a line)")
        self.setAccessibleName("Question")
        self.setTabChangesFocus(True)
        self.setFixedHeight(84)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt naming
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()  # Esc stops an answer even when no window shortcut is active
            return
        if event.matches(QKeySequence.StandardKey.Undo) and not self.document().isUndoAvailable():
            self.undo_edit.emit()
            return
        super().keyPressEvent(event)


class LibraryChips(QWidget):
    """The libraries this conversation searches, one toggle per library."""

    changed = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self.label = QLabel("Search in:")
        self.label.setObjectName("chipsLabel")
        self._layout.addWidget(self.label)
        self.empty = QLabel("no libraries yet \u2014 add one under Libraries")
        self.empty.setObjectName("chipsEmpty")
        self._layout.addWidget(self.empty)
        self._layout.addStretch(1)
        self.chips: dict[str, QToolButton] = {}

    def set_libraries(self, names: list[str], selected: list[str]) -> None:
        for chip in self.chips.values():
            # Out of the layout now: deleteLater waits for the event loop, and the old chip would
            # stand beside its replacement until then.
            self._layout.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.chips = {}
        for i, name in enumerate(names):
            chip = QToolButton(self)
            chip.setObjectName("chip")
            chip.setText(name)
            chip.setCheckable(True)
            chip.setChecked(name in selected)
            chip.setAccessibleName(f"Search library {name}")
            chip.setToolTip(f"Include the library \u201c{name}\u201d in this conversation's answers")
            chip.toggled.connect(lambda _c: self.changed.emit(self.selected()))
            self._layout.insertWidget(1 + i, chip)
            self.chips[name] = chip
        self.empty.setVisible(not names)

    def selected(self) -> list[str]:
        return [name for name, chip in self.chips.items() if chip.isChecked()]


class ChatView(QWidget):
    """Shows one conversation and emits what the user asks for; the controller does the work."""

    send_requested = Signal(str)
    stop_requested = Signal()
    regenerate_requested = Signal()
    edit_requested = Signal(int)  # index of the user message
    citation_clicked = Signal(int, int)  # message index, n
    message_selected = Signal(int)
    libraries_changed = Signal(list)
    undo_edit_requested = Signal()
    models_requested = Signal()  # "Open Models" on the demo model's banner

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chatView")
        self.widgets: list[MessageWidget] = []
        self.busy = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.title = QLabel("New conversation")
        self.title.setObjectName("conversationTitle")
        self.title.setAccessibleName("Conversation title")
        outer.addWidget(self.title)
        self.demo_banner = DemoBanner(self)
        self.demo_banner.models_requested.connect(self.models_requested)
        outer.addWidget(self.demo_banner)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.column = QWidget()
        self.column.setObjectName("messageColumn")
        self.messages_layout = QVBoxLayout(self.column)
        self.messages_layout.setContentsMargins(24, 16, 24, 16)
        self.messages_layout.setSpacing(12)
        self.placeholder = QLabel("")
        self.placeholder.setObjectName("emptyChat")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chooser = MatterChooser(self.column)  # on an empty conversation: which matter it is about
        self.chooser.chosen.connect(self.libraries_changed)
        self.chooser.hide()
        self.messages_layout.addWidget(self.chooser)
        self.messages_layout.addWidget(self.placeholder)
        self.messages_layout.addStretch(1)
        self.scroll.setWidget(self.column)
        self.scroll.verticalScrollBar().rangeChanged.connect(self._follow)
        outer.addWidget(self.scroll, 1)

        bottom = QWidget()
        bottom.setObjectName("composer")
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(24, 10, 24, 14)
        bl.setSpacing(8)
        self.edit_banner = EditBanner(bottom)
        self.edit_banner.undo_requested.connect(self.undo_edit_requested)
        bl.addWidget(self.edit_banner)
        self.chips = LibraryChips(bottom)
        self.chips.changed.connect(self.libraries_changed)
        bl.addWidget(self.chips)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.input = InputBox(bottom)
        self.input.submitted.connect(self._submit)
        self.input.escaped.connect(self._escape)
        self.input.undo_edit.connect(self.undo_edit_requested)
        row.addWidget(self.input, 1)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("primary")
        self.send_button.setAccessibleName("Send question")
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.clicked.connect(self._send_or_stop)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        bl.addLayout(row)
        outer.addWidget(bottom)

        stop = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        stop.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        stop.activated.connect(self._escape)
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)  # the input box handles its own
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(lambda: self.edit_banner.isVisible() and self.undo_edit_requested.emit())
        self._follow_bottom = True
        self.set_placeholder("Ask a question about your documents. Answers cite the file and page they come from.")

    # -- building -----------------------------------------------------------------
    def set_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.placeholder.setVisible(bool(text) and not self.widgets)

    def show_libraries(self, names: list[str], selected: list[str], choosing: bool) -> None:
        """The conversation's libraries on the chips and in the input's placeholder; while it is empty
        (choosing), the matter chooser asks which one it is about."""
        self.chips.set_libraries(names, selected)
        self.chooser.set_libraries(names, selected)
        self.chooser.setVisible(choosing and bool(names))
        self.input.setPlaceholderText(input_placeholder(selected))

    def clear(self) -> None:
        for w in self.widgets:
            w.setParent(None)
            w.deleteLater()
        self.widgets = []
        self.placeholder.setVisible(bool(self.placeholder.text()))

    def show_messages(self, title: str, messages: list[ShownMessage]) -> None:
        self.clear()
        self.title.setText(title)
        for m in messages:
            self.add_message(m)

    def add_message(self, message: ShownMessage) -> MessageWidget:
        widget = MessageWidget(message, self.column)
        index = len(self.widgets)
        widget.citation_clicked.connect(lambda n, i=index: self.citation_clicked.emit(i, n))
        widget.selected.connect(lambda i=index: self.message_selected.emit(i))
        widget.copy_requested.connect(lambda w=widget: QApplication.clipboard().setText(w.copy_text()))
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.edit_requested.connect(lambda i=index: self.edit_requested.emit(i))
        self.messages_layout.insertWidget(self.messages_layout.count() - 1, widget)
        self.widgets.append(widget)
        self.placeholder.hide()
        self.chooser.hide()  # the conversation has begun: its matter is chosen
        self._follow_bottom = True
        widget.set_busy(self.busy)
        return widget

    def remove_from(self, index: int) -> None:
        for w in self.widgets[index:]:
            w.setParent(None)
            w.deleteLater()
        del self.widgets[index:]

    # -- state ----------------------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.send_button.setText("Stop" if busy else "Send")
        self.send_button.setAccessibleName("Stop answering" if busy else "Send question")
        self.send_button.setToolTip("Stop (Esc)" if busy else "Send (Enter)")
        for w in self.widgets:
            w.set_busy(busy)

    def _submit(self) -> None:
        if self.busy:
            return
        text = self.input.toPlainText().strip()
        if text:
            self.input.clear()
            self.send_requested.emit(text)

    def _send_or_stop(self) -> None:
        if self.busy:
            self.stop_requested.emit()
        else:
            self._submit()

    def _escape(self) -> None:
        if self.busy:
            self.stop_requested.emit()

    def _follow(self, _min: int, maximum: int) -> None:
        if self._follow_bottom:
            self.scroll.verticalScrollBar().setValue(maximum)

    def focus_input(self) -> None:
        self.input.setFocus(Qt.FocusReason.ShortcutFocusReason)
