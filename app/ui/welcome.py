"""First run: checks for a model, offers to add a library, suggests a first question."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .services import paths

FIRST_QUESTION = "What are the notice periods for terminating the agreement, and where are they stated?"


def first_run_marker():
    return paths.config_dir() / "welcome-done"


def is_first_run() -> bool:
    return not first_run_marker().exists()


def mark_done() -> None:
    first_run_marker().write_text("1", encoding="utf-8")


class WelcomePage(QWidget):
    add_model_requested = Signal()
    add_library_requested = Signal()
    question_chosen = Signal(str)
    done = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("welcome")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 40, 48, 40)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(640)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(14)
        title = QLabel("Welcome to Strongroom")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        intro = QLabel("Ask questions about your documents and get answers that cite the file and page. "
                       "Everything stays on this computer: Strongroom never connects to the internet.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.model_status = QLabel("Looking for a model\u2026")
        self.model_status.setWordWrap(True)
        self.model_status.setAccessibleName("Model status")
        self.model_button = QPushButton("Add model file\u2026")
        self.model_button.clicked.connect(self.add_model_requested)
        layout.addLayout(self._step("1", self.model_status, self.model_button))

        library = QLabel("Add a folder of documents as a library. Indexing runs in the background.")
        library.setWordWrap(True)
        library.setAccessibleName("Library status")
        self.library_status = library
        self.library_button = QPushButton("Add a library\u2026")
        self.library_button.clicked.connect(self.add_library_requested)
        layout.addLayout(self._step("2", library, self.library_button))

        question = QLabel(f"Try a first question: <i>\u201c{FIRST_QUESTION}\u201d</i>")
        question.setWordWrap(True)
        self.question_button = QPushButton("Use this question")
        self.question_button.clicked.connect(lambda: self.question_chosen.emit(FIRST_QUESTION))
        layout.addLayout(self._step("3", question, self.question_button))

        row = QHBoxLayout()
        row.addStretch(1)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("primary")
        self.start_button.setAccessibleName("Close the welcome and start")
        self.start_button.clicked.connect(self.done)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(card, 10)
        center.addStretch(1)
        outer.addLayout(center)
        outer.addStretch(2)

    def _step(self, number: str, text: QLabel, button: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(12)
        badge = QLabel(number)
        badge.setObjectName("stepNumber")
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge.setFixedWidth(26)
        row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(text, 1)
        button.setAccessibleName(button.text().rstrip("\u2026"))
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return row

    def set_models(self, models: list, usable) -> None:
        if usable is not None:
            self.model_status.setText(f"Model ready: <b>{usable.name}</b>. You can add another one at any time.")
            self.model_button.setText("Add another model\u2026")
        elif models:
            self.model_status.setText("Models were found, but none can be used on this computer. "
                                      "Open Models to see why, or add another model file.")
        else:
            self.model_status.setText(
                f"No model found. Add a .gguf file, or ask IT to place one in {paths.system_models_dir()}.")

    def set_libraries(self, names: list[str]) -> None:
        """Step 2 says what is done: a library exists."""
        if names:
            shown = ", ".join(html.escape(n) for n in names[:3]) + (" and more" if len(names) > 3 else "")
            self.library_status.setText(f"Library ready: <b>{shown}</b>. You can add another folder at any time.")
            self.library_button.setText("Add another library\u2026")
        else:
            self.library_status.setText("Add a folder of documents as a library. Indexing runs in the background.")
            self.library_button.setText("Add a library\u2026")
