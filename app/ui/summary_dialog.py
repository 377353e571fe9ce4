"""Summarize: one document read part by part off the UI thread ("reading part 3 of 12"), stoppable
(the parts read are kept), then the summary with its page citations beside the sources it cites. The
summary is saved as a conversation, so follow-ups can be asked in it and it exports like any other."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from . import tasks
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
        self.text = QTextBrowser()
        self.text.setAccessibleName(f"Summary of {self.path.name}")
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(lambda url: self.sources.open_source(int(url.fragment() or 0)))
        self.sources = SourcesPane()
        split.addWidget(self.text)
        split.addWidget(self.sources)
        split.setSizes([520, 460])
        layout.addWidget(split, 1)
        from .services.whole_documents import Cancel

        self.cancel = Cancel()
        self.task = tasks.run_in_background(
            lambda task: self.work.summarize(self.path, self.cancel, on_progress=task.report),
            pass_task=True, on_progress=self.status.setText, on_success=self._done, on_failure=self._failed)

    def stop(self) -> None:
        self.cancel.set()
        self.status.setText("Stopping: the parts read are kept\u2026")

    def _done(self, result) -> None:
        from .services import MARKER_RE

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
        linked = MARKER_RE.sub(lambda m: f'<a href="#{m.group(1).strip()}">[{m.group(1).strip()}]</a>',
                               html.escape(done.text))
        self.text.setHtml(linked.replace("\n", "<br>"))
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
