"""Runs a conversation: sends questions to the core, streams the answer into the view, saves it.

All core calls that can take time run through app.ui.tasks; tokens arrive from the engine thread
through a UiBridge, so the UI thread only appends text and repaints. Saving goes through the
window's ConversationKeeper: the conversation changes in memory at once, the history write follows.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from . import tasks
from .chat_view import ChatView, MessageWidget
from .conversation_keeper import ConversationKeeper
from .errors import plain_message
from .services import CUT_OFF, CUT_OFF_NOTE, Answer, Conversation, Services, ShownMessage, Unavailable, error_kind

log = logging.getLogger(__name__)

NEW_TITLE = "New conversation"
TITLE_CHARS = 60


def title_from(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "\u2026"


class ChatController(QObject):
    busy_changed = Signal(bool)
    status = Signal(str)
    speed = Signal(float)  # tokens per second of the last answer
    conversations_changed = Signal()
    sources_changed = Signal(list)  # sources of the answer in focus
    answer_finished = Signal(object)  # the ShownMessage

    def __init__(self, services: Services, keeper: ConversationKeeper, view: ChatView, parent: QObject | None = None):
        super().__init__(parent)
        self.services = services
        self.keeper = keeper
        self.view = view
        self.conversation: Conversation | None = None
        self.generation = None
        self.answer_widget: MessageWidget | None = None
        self._running: tuple | None = None  # (task, generation, conversation, answer) of the answer being written
        # The matter a new conversation is about unless the user chooses another: the libraries last
        # chosen or asked about, or a library just added (never added to a conversation on its own).
        self.last_libraries: list[str] = []
        self.editing: tuple[int, str] | None = None  # (index of the question being edited, the input before)
        self.bridge = tasks.UiBridge(self)
        self.bridge.token.connect(self._on_token)
        view.send_requested.connect(self.send)
        view.stop_requested.connect(self.stop)
        view.regenerate_requested.connect(self.regenerate)
        view.edit_requested.connect(self.edit)
        view.libraries_changed.connect(self.set_libraries)
        view.undo_edit_requested.connect(self.undo_edit)

    @property
    def busy(self) -> bool:
        return self.generation is not None

    # -- conversations ------------------------------------------------------------------
    def open(self, conversation_id: str) -> None:
        """Shows a conversation; one listed from the history shows its messages once they are read."""
        if self.busy:
            self.stop()
        self.undo_edit()
        conv = self.keeper.get(conversation_id)
        self.conversation = conv
        self.view.show_messages(conv.title, conv.messages if conv.loaded else [])
        self.show_libraries(conv)
        if conv.loaded:
            self._emit_sources(conv)
            return
        self.sources_changed.emit([])
        self.status.emit("Opening the conversation\u2026")
        self.keeper.load(conv, self._loaded)

    def _loaded(self, conv: Conversation) -> None:
        if conv is not self.conversation:
            return  # the user moved on meanwhile
        self.view.show_messages(conv.title, conv.messages)
        self.show_libraries(conv)
        self.view.set_busy(self.busy)
        self._emit_sources(conv)
        self.status.emit("Ready")

    def _emit_sources(self, conv: Conversation) -> None:
        last = next((m for m in reversed(conv.messages) if m.role == "assistant"), None)
        self.sources_changed.emit(last.sources if last else [])

    def new_conversation(self, libraries: list[str] | None = None) -> Conversation:
        """A new conversation about `libraries`, by default the matter last used; while it is empty the
        view asks which matter it is about, with that one chosen."""
        if self.busy:
            self.stop()
        self.undo_edit()
        names = self.services.library_names()
        if libraries is None:
            libraries = [n for n in self.last_libraries if n in names]
        conv = self.keeper.create(NEW_TITLE, libraries)
        self.conversation = conv
        self.view.show_messages(conv.title, [])
        self.show_libraries(conv, names)
        self.sources_changed.emit([])
        self.conversations_changed.emit()
        return conv

    def show_libraries(self, conv: Conversation, names: list[str] | None = None) -> None:
        names = self.services.library_names() if names is None else names
        self.view.show_libraries(names, [n for n in conv.libraries if n in names], choosing=not conv.messages)

    def set_libraries(self, names: list[str]) -> None:
        """The user chose the conversation's libraries (chips or the matter chooser)."""
        if self.conversation:
            self.keeper.set_libraries(self.conversation, names)
            self.show_libraries(self.conversation)
        if names:
            self.last_libraries = list(names)

    # -- asking ---------------------------------------------------------------------------
    def send(self, text: str) -> None:
        if self.busy or not text.strip():
            return
        if self.conversation is None:
            self.new_conversation()
        conv = self.conversation
        if not conv.loaded:  # its earlier messages are still being read: the answer would miss them
            self.view.input.setPlainText(text)
            self.status.emit("The conversation is still being opened; send again in a moment.")
            return
        if self.editing is not None:  # the edited question replaces the earlier one and what followed
            index, _before = self.editing
            self.editing = None
            self.view.edit_banner.hide()
            self._truncate(index)
        if conv.libraries:
            self.last_libraries = list(conv.libraries)
        question = ShownMessage("user", text.strip())
        conv.messages.append(question)
        self.keeper.add_message(conv, question)
        self.view.add_message(question)
        if conv.title == NEW_TITLE:
            self.keeper.rename(conv, title_from(question.text))
            self.view.title.setText(conv.title)
        self.conversations_changed.emit()
        self._answer()

    def _answer(self) -> None:
        conv = self.conversation
        answer = ShownMessage("assistant", "")
        conv.messages.append(answer)
        self.answer_widget = self.view.add_message(answer)
        self._set_busy(True)
        try:
            self.generation = self.services.start_chat(conv, self.bridge.emit_token)
        except Unavailable as exc:
            self._finish(conv, answer, error=str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown in the answer, never as a traceback
            log.error("cannot start the answer: %s", error_kind(exc))
            self._finish(conv, answer, error=plain_message(exc))
            return
        self.status.emit("Answering\u2026")
        generation = self.generation
        task = tasks.run_in_background(
            generation.result,
            on_success=lambda result, g=generation: self._done(g, conv, answer, result),
            on_failure=lambda exc, g=generation: self._failed(g, conv, answer, exc))
        self._running = (task, generation, conv, answer)

    def _on_token(self, piece: str) -> None:
        if self.answer_widget is not None and self.generation is not None:
            self.answer_widget.append(piece)

    def _done(self, generation, conv: Conversation, answer: ShownMessage, result: Answer) -> None:
        if generation is not self.generation:
            return
        answer.text = result.text  # the engine's final text is authoritative over the streamed pieces
        answer.sources = list(result.sources)
        answer.stopped = result.stopped
        answer.model = result.model or None  # saved with it, as the CLI saves its answers
        answer.timings = dict(result.timings)
        answer.claims = list(result.claims)  # rendered as "check this" marks; saved with the sources
        # How it ended and where it came from, saved with it (the history keeps timings as they are).
        if result.stopped:
            answer.timings["stopped"] = True
        if result.finish_reason == "repetition":
            answer.timings["repetition"] = True
        if result.finish_reason == CUT_OFF:
            answer.timings["cut_off"] = True  # the model server's stream broke: the text is partial
        if not result.from_documents:
            answer.timings["plain_chat"] = True
        self.speed.emit(result.tokens_per_second)
        self._finish(conv, answer)

    def _failed(self, generation, conv: Conversation, answer: ShownMessage, exc: BaseException) -> None:
        if generation is not self.generation:
            return
        self._finish(conv, answer, error=plain_message(exc))

    def _finish(self, conv: Conversation, answer: ShownMessage, error: str = "") -> None:
        answer.error = error
        widget = self.answer_widget
        self.generation = None
        self.answer_widget = None
        self._running = None
        if widget is not None and widget in self.view.widgets:  # not if the user opened another conversation
            widget.render()
        # A failed, empty answer is shown but not kept: regenerating should not leave a trail of errors.
        if answer.text or not error:
            self.keeper.add_message(conv, answer)
        self._set_busy(False)
        self.status.emit(error or ("Stopped." if answer.stopped else
                                   "Stopped: the model was repeating itself." if answer.timings.get("repetition")
                                   else CUT_OFF_NOTE if answer.timings.get("cut_off")
                                   else "Ready"))
        if conv is self.conversation:
            self.sources_changed.emit(answer.sources)
        self.conversations_changed.emit()
        self.answer_finished.emit(answer)

    def stop(self) -> None:
        if self.generation is not None:
            self.status.emit("Stopping\u2026")
            self.generation.cancel()

    def close(self, timeout: float = 10.0) -> None:
        """When the window closes: stops the answer being written and keeps what it wrote (waits for
        the engine to stop, which it does at its next token)."""
        if self._running is None:
            return
        task, generation, conv, answer = self._running
        generation.cancel()
        if not task.wait(timeout):
            log.warning("the answer did not stop within %.0f s at close", timeout)
            return
        if task.error is None:
            self._done(generation, conv, answer, task.result)
        else:
            self._failed(generation, conv, answer, task.error)

    def regenerate(self) -> None:
        conv = self.conversation
        if self.busy or conv is None or not conv.messages:
            return
        self.undo_edit()
        last_user = max(i for i, m in enumerate(conv.messages) if m.role == "user")
        self._truncate(last_user + 1)
        self._answer()

    def edit(self, index: int) -> None:
        """Puts the question back in the input box. Nothing is removed yet: the question and what followed
        stay (dimmed, as the earlier version) until the edited question is sent; Undo brings them back."""
        conv = self.conversation
        if self.busy or conv is None or index >= len(conv.messages):
            return
        before = self.view.input.toPlainText()
        if self.editing is not None:
            before = self.editing[1]
            self._mark_superseded(self.editing[0], False)
        self.editing = (index, before)
        self._mark_superseded(index, True)
        self.view.edit_banner.show()
        self.view.input.setPlainText(conv.messages[index].text)
        self.view.input.moveCursor(self.view.input.textCursor().MoveOperation.End)
        self.view.focus_input()
        self.status.emit("Editing the question: send it to replace the earlier one, or undo (Ctrl+Z).")

    def undo_edit(self) -> bool:
        """Leaves an edit: the question and its answer stay as they were, the input as before the edit."""
        if self.editing is None:
            return False
        index, before = self.editing
        self.editing = None
        self._mark_superseded(index, False)
        self.view.edit_banner.hide()
        self.view.input.setPlainText(before)
        self.status.emit("Edit undone: the question and its answer are as they were.")
        return True

    def _mark_superseded(self, index: int, superseded: bool) -> None:
        for widget in self.view.widgets[index:]:
            widget.set_superseded(superseded)

    def _truncate(self, index: int) -> None:
        self.keeper.truncate(self.conversation, index)
        self.view.remove_from(index)

    def _set_busy(self, busy: bool) -> None:
        self.view.set_busy(busy)
        self.busy_changed.emit(busy)
