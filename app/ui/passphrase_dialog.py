"""The history passphrase, asked where no OS keychain can hold the history key.

First run: the passphrase is typed twice, under a warning that a forgotten one cannot be recovered.
Later: typed once; when it is not right the dialog comes back saying so. Either way the user may
choose "Continue without history" (conversations are then kept for this session only). Changing it
later (Settings) asks for the current one and the new one twice.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

MIN_LENGTH = 8  # the core's keystore.MIN_PASSPHRASE; it refuses shorter ones in any case
FORGOTTEN_WARNING = ("Write it down somewhere safe. If you forget it, your saved conversations cannot be "
                     "recovered by anyone, including your IT department.")


def _field(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    edit.setMinimumWidth(280)
    return edit


class PassphraseDialog(QDialog):
    """new=True: choose a passphrase (twice); else enter it. change=True: current, then the new one twice."""

    def __init__(self, new: bool, problem: str = "", parent: QWidget | None = None, change: bool = False):
        super().__init__(parent)
        self.new = new or change
        self.change = change
        self.setWindowTitle("Change the history passphrase" if change else "Strongroom history")
        self.setAccessibleName(self.windowTitle())
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        if change:
            intro = "Enter the current passphrase, then the new one twice."
        elif new:
            intro = ("This computer has no keychain, so your conversation history is encrypted with a passphrase. "
                     f"Choose one of at least {MIN_LENGTH} characters.")
        else:
            intro = "Enter the passphrase of your conversation history."
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        if self.new:
            self.warning = QLabel(FORGOTTEN_WARNING)
            self.warning.setObjectName("warningNote")
            self.warning.setWordWrap(True)
            self.warning.setAccessibleName("Warning")
            layout.addWidget(self.warning)
        form = QFormLayout()
        self.current = _field("Current passphrase") if change else None
        self.passphrase = _field("New passphrase" if self.new else "Passphrase")
        self.repeat = _field("Repeat the passphrase") if self.new else None
        if self.current is not None:
            form.addRow("Current passphrase:", self.current)
        form.addRow("New passphrase:" if change else "Passphrase:", self.passphrase)
        if self.repeat is not None:
            form.addRow("Repeat it:", self.repeat)
        layout.addLayout(form)
        self.problem = QLabel(problem)
        self.problem.setObjectName("errorNote")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        self.problem.setVisible(bool(problem))
        layout.addWidget(self.problem)

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            "Change passphrase" if change else ("Create history" if new else "Unlock"),
            QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self.skip_button: QPushButton = self.buttons.addButton(
            "Cancel" if change else "Continue without history", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.current or self.passphrase).setFocus()

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def check(self) -> str:
        """Why the typed text cannot be used yet; empty when it can."""
        text = self.passphrase.text()
        if self.current is not None and not self.current.text():
            return "Enter the current passphrase."
        if not text:
            return "Enter a passphrase, or continue without history." if not self.change else "Enter a new passphrase."
        if self.new and len(text) < MIN_LENGTH:
            return f"Choose a passphrase of at least {MIN_LENGTH} characters."
        if self.repeat is not None and self.repeat.text() != text:
            return "The two passphrases are not the same. Type them again."
        return ""

    def accept(self) -> None:
        problem = self.check()
        if problem:
            self.show_problem(problem)
            return
        super().accept()

    def value(self) -> str:
        return self.passphrase.text()


def ask_passphrase(new: bool, problem: str = "", parent: QWidget | None = None) -> str | None:
    """The history passphrase from the dialog, or None when the user continues without history."""
    dialog = PassphraseDialog(new, problem, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
