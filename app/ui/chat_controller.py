"""Runs a conversation: sends questions to the core, streams the answer into the view, saves it.

All core calls that can take time run through app.ui.tasks; tokens arrive from the engine thread
through a UiBridge, so the UI thread only appends text and repaints.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from . import tasks
from .chat_view import ChatView, MessageWidget
from .errors import plain_message
from .services import Answer, Conversation, Services, ShownMessage, Unavailable

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

    def __init__(self, services: Services, view: ChatView, parent: QObject | None = None):
        super().__init__(parent)
        self.services = services
        self.view = view
        self.conversation: Conversation | None = None
        self.generation = None
        self.answer_widget: MessageWidget | None = None
        self.bridge = tasks.UiBridge(self)
        self.bridge.token.connect(self._on_token)
        view.send_requested.connect(self.send)
        view.stop_requested.connect(self.stop)
        view.regenerate_requested.connect(self.regenerate)
        view.edit_requested.connect(self.edit)
        view.libraries_changed.connect(self.set_libraries)

    @property
    def busy(self) -> bool:
        return self.generation is not None

    # -- conversations ------------------------------------------------------------------
    def open(self, conversation_id: str) -> None:
        if self.busy:
            self.stop()
        conv = self.services.conversations.get(conversation_id)
        self.conversation = conv
        self.view.show_messages(conv.title, conv.messages)
        self.view.chips.set_libraries(self.services.library_names(), conv.libraries)
        last = next((m for m in reversed(conv.messages) if m.role == "assistant"), None)
        self.sources_changed.emit(last.sources if last else [])

    def new_conversation(self) -> Conversation:
        if self.busy:
            self.stop()
        libraries = self.conversation.libraries if self.conversation else self.view.chips.selected()
        conv = self.services.conversations.create(NEW_TITLE, libraries)
        self.conversation = conv
        self.view.show_messages(conv.title, [])
        self.view.chips.set_libraries(self.services.library_names(), conv.libraries)
        self.sources_changed.emit([])
        self.conversations_changed.emit()
        return conv

    def set_libraries(self, names: list[str]) -> None:
        if self.conversation:
            self.conversation.libraries = list(names)
            self.services.conversations.set_libraries(self.conversation.id, names)

    # -- asking ---------------------------------------------------------------------------
    def send(self, text: str) -> None:
        if self.busy or not text.strip():
            return
        if self.conversation is None:
            self.new_conversation()
        conv = self.conversation
        question = ShownMessage("user", text.strip())
        conv.messages.append(question)
        self.services.conversations.add_message(conv, question)
        self.view.add_message(question)
        if conv.title == NEW_TITLE:
            conv.title = title_from(question.text)
            self.services.conversations.rename(conv.id, conv.title)
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
            self._finish(answer, error=str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown in the answer, never as a traceback
            log.exception("cannot start the answer")
            self._finish(answer, error=plain_message(exc))
            return
        self.status.emit("Answering\u2026")
        generation = self.generation
        tasks.run_in_background(
            generation.result,
            on_success=lambda result, g=generation: self._done(g, answer, result),
            on_failure=lambda exc, g=generation: self._failed(g, answer, exc))

    def _on_token(self, piece: str) -> None:
        if self.answer_widget is not None and self.generation is not None:
            self.answer_widget.append(piece)

    def _done(self, generation, answer: ShownMessage, result: Answer) -> None:
        if generation is not self.generation:
            return
        answer.text = result.text  # the engine's final text is authoritative over the streamed pieces
        answer.sources = list(result.sources)
        answer.stopped = result.stopped
        self.speed.emit(result.tokens_per_second)
        self._finish(answer)

    def _failed(self, generation, answer: ShownMessage, exc: BaseException) -> None:
        if generation is not self.generation:
            return
        self._finish(answer, error=plain_message(exc))

    def _finish(self, answer: ShownMessage, error: str = "") -> None:
        answer.error = error
        widget = self.answer_widget
        self.generation = None
        self.answer_widget = None
        if widget is not None:
            widget.render()
        # A failed, empty answer is shown but not kept: regenerating should not leave a trail of errors.
        if self.conversation is not None and (answer.text or not error):
            self.services.conversations.add_message(self.conversation, answer)
        self._set_busy(False)
        self.status.emit(error or ("Stopped." if answer.stopped else "Ready"))
        self.sources_changed.emit(answer.sources)
        self.conversations_changed.emit()
        self.answer_finished.emit(answer)

    def stop(self) -> None:
        if self.generation is not None:
            self.status.emit("Stopping\u2026")
            self.generation.cancel()

    def regenerate(self) -> None:
        conv = self.conversation
        if self.busy or conv is None or not conv.messages:
            return
        last_user = max(i for i, m in enumerate(conv.messages) if m.role == "user")
        self._truncate(last_user + 1)
        self._answer()

    def edit(self, index: int) -> None:
        """Puts the question back in the input box and removes it and what followed."""
        conv = self.conversation
        if self.busy or conv is None or index >= len(conv.messages):
            return
        text = conv.messages[index].text
        self._truncate(index)
        self.view.input.setPlainText(text)
        self.view.focus_input()

    def _truncate(self, index: int) -> None:
        conv = self.conversation
        self.services.conversations.truncate(conv, index)
        self.view.remove_from(index)

    def _set_busy(self, busy: bool) -> None:
        self.view.set_busy(busy)
        self.busy_changed.emit(busy)
