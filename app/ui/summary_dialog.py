"""Summarize: one document read part by part off the UI thread ("reading part 3 of 12"), stoppable
(the parts read are kept), then the summary with its page citations beside the sources it cites. The
summary is saved as a conversation, so follow-ups can be asked in it and it exports like any other."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from . import markdown_render, tasks
from .errors import show_error
from .sources_pane import SourcesPane


class SummaryDialog(QDialog):
    saved = Signal(object)  # the conversation the summary was saved as

    def __init__(self, documents_service, path: str | Path, library: str | None = None,
                 parent: QWidget | None = None, keeper=None):
        """keeper: the window's ConversationKeeper, which saves the summary; without it, it is only shown."""
        super().__init__(parent)
        self.work, self.path, self.library, self.keeper = documents_service, Path(path), library, keeper
        self.summary = None
        self.conversation = None
        self.setWindowTitle(f"Summary \u2014 {self.path.name}")
        self.resize(980, 640)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.status = QLabel("Starting\u2026")
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        head.addWidget(self.status, 1)
        head.addWidget(self.stop_button)
        layout.addLayout(head)
        split = QSplitter()
        summary = QWidget()
        column = QVBoxLayout(summary)
        column.setContentsMargins(0, 0, 0, 0)
        self.text = QTextBrowser()
        self.text.setAccessibleName(f"Summary of {self.path.name}")
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(self._cited)
        self.check_note = QLabel("")  # as under an answer: how many statements the document does not back
        self.check_note.setObjectName("claimCheckNote")
        self.check_note.setWordWrap(True)
        self.check_note.setAccessibleName("Statements to check")
        self.check_note.hide()
        column.addWidget(self.text, 1)
        column.addWidget(self.check_note)
        self.sources = SourcesPane()
        split.addWidget(summary)
        split.addWidget(self.sources)
        split.setSizes([520, 460])
        layout.addWidget(split, 1)
        from .services.whole_documents import Cancel

        self.cancel = Cancel()
        self.task = tasks.run_in_background(
            lambda task: self.work.summarize(self.path, self.cancel, on_progress=task.report),
            pass_task=True, on_progress=self.status.setText, on_success=self._done, on_failure=self._failed)

    def _cited(self, url) -> None:
        if url.scheme() == markdown_render.CITE_SCHEME and url.path().isdigit():
            self.sources.open_source(int(url.path()))

    def stop(self) -> None:
        self.cancel.set()
        self.status.setText("Stopping: the parts read are kept\u2026")

    def _done(self, result) -> None:
        self.summary, title, messages = result
        self.stop_button.hide()
        done = self.summary
        if self.keeper is not None:
            self.conversation = self.keeper.create(title, [self.library] if self.library else [])
            for message in messages:
                self.conversation.messages.append(message)
                self.keeper.add_message(self.conversation, message)
        saved = "; saved as a conversation" if self.conversation is not None else ""
        self.status.setText(f"Read {done.parts_done} of {done.parts} parts" +
                            (" (stopped)" if done.finish_reason == "cancelled" else "") + saved + ".")
        # Rendered as an answer is: [n] links, and the statements the document does not back marked.
        self.text.setHtml(markdown_render.render(done.text, done.claims, done.sources))
        check = markdown_render.check_summary(done.claims)
        self.check_note.setText(
            f'<span style="background-color:{markdown_render.CHECK_BACKGROUND};">&nbsp;{markdown_render.CHECK_MARKER}'
            f"&nbsp;</span> {html.escape(check)}" if check else "")
        self.check_note.setVisible(bool(check))
        self.sources.set_sources(done.sources, which=f"Pages of {self.path.name} the summary cites")
        if self.conversation is not None:
            self.saved.emit(self.conversation)

    def _failed(self, exc: BaseException) -> None:
        self.stop_button.hide()
        self.status.setText("")
        show_error(self, exc, "Summarize", f"{self.path.name} could not be summarized.")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        if self.summary is None:
            self.cancel.set()
        super().closeEvent(event)
