"""What the conversation page says about trust, around the messages themselves:

- MatterChooser: on an empty conversation, which matter (library) it is about, the last one used
  chosen already; radio buttons, so arrow keys move between them and one choice is always made.
- DemoBanner: while the built-in demo model is loaded, its answers are unreliable; dismissible for
  this session only.
- EditBanner: a question is being edited; the earlier question and answer stay until the edited one
  is sent, and Undo (Ctrl+Z) brings the conversation back as it was.
- answer_notes: the lines under an answer: plain chat (not from your documents), an answer from
  documents that cites nothing, stopped, stopped in a loop, cut off (the model server's stream broke).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QRadioButton, QVBoxLayout, QWidget

from .services import CUT_OFF_NOTE, REPETITION_NOTE, ShownMessage

PLAIN_CHAT_NOTE = "Plain chat \u2014 not from your documents."
UNSUPPORTED_NOTE = "Not supported by your documents \u2014 check the sources."
STOPPED_NOTE = "Stopped \u2014 this answer is incomplete."
NO_LIBRARY_PLACEHOLDER = ("Not searching your documents \u2014 plain chat with the model. Choose a matter above to "
                          "ask about its documents.  (Enter sends, Shift+Enter adds a line)")
NO_LIBRARY_CHOICE = "No library (plain chat)"
DEMO_TEXT = ("<b>Demo model.</b> The built-in demo model is tiny: its answers are unreliable, often wrong, and "
             "rarely cite your documents. To add a real model, open <b>Models</b> (Ctrl+2) and add a GGUF file, "
             "or ask IT to pre-load one (see the IT guide, <i>packaging/IT-GUIDE.md</i>).")


def input_placeholder(libraries: list[str]) -> str:
    if not libraries:
        return NO_LIBRARY_PLACEHOLDER
    names = ", ".join(f"\u201c{n}\u201d" for n in libraries)
    return f"Ask about {names}\u2026  (Enter sends, Shift+Enter adds a line)"


def answer_notes(message: ShownMessage) -> tuple[str, list[str]]:
    """(where the answer comes from, when that needs saying; the notes on how it ended)."""
    if message.role != "assistant":
        return "", []
    source = ""
    timings = message.timings or {}
    if timings.get("plain_chat"):
        source = PLAIN_CHAT_NOTE
    elif message.text and message.sources and not any(s.get("cited") for s in message.sources):
        source = UNSUPPORTED_NOTE
    notes = []
    if timings.get("repetition"):
        notes.append(REPETITION_NOTE)
    elif timings.get("cut_off"):
        notes.append(CUT_OFF_NOTE)
    elif message.stopped or timings.get("stopped"):
        notes.append(STOPPED_NOTE)
    return source, notes


class MatterChooser(QFrame):
    """Which matter an empty conversation is about. `chosen` gives the libraries ([] for plain chat)."""

    chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("matterChooser")
        self.setAccessibleName("Which matter is this conversation about?")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(6)
        self.heading = QLabel("Which matter is this conversation about?")
        self.heading.setObjectName("matterHeading")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.hint = QLabel("Answers come only from the matter you choose. You can change it until you ask.")
        self.hint.setObjectName("messageNote")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self._list = QVBoxLayout()
        self._list.setSpacing(2)
        layout.addLayout(self._list)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QRadioButton] = {}
        self.none_button: QRadioButton | None = None
        self._updating = False

    def set_libraries(self, names: list[str], selected: list[str]) -> None:
        if self.none_button is not None and list(self.buttons) == list(names):
            self.show_selected(selected)  # the same matters: the buttons, and the focus, stay
            return
        self._updating = True
        for button in list(self.buttons.values()) + ([self.none_button] if self.none_button else []):
            self.group.removeButton(button)
            button.setParent(None)
            button.deleteLater()
        self.buttons = {}
        for name in names:
            button = QRadioButton(name, self)
            button.setAccessibleName(f"Matter {name}")
            button.toggled.connect(lambda on, n=name: on and self._choose([n]))
            self.group.addButton(button)
            self._list.addWidget(button)
            button.show()  # now, not when the layout gets to it: the choice can take the focus at once
            self.buttons[name] = button
        self.none_button = QRadioButton(NO_LIBRARY_CHOICE, self)
        self.none_button.setAccessibleName("No library: plain chat, not from your documents")
        self.none_button.toggled.connect(lambda on: on and self._choose([]))
        self.group.addButton(self.none_button)
        self._list.addWidget(self.none_button)
        self.none_button.show()
        self._updating = False
        self.show_selected(selected)

    def show_selected(self, selected: list[str]) -> None:
        """Checks the button for this choice (none when several libraries are chosen with the chips)."""
        self._updating = True
        target = self.none_button if not selected else (self.buttons.get(selected[0]) if len(selected) == 1 else None)
        if target is None:
            self.group.setExclusive(False)
            for button in self.group.buttons():
                button.setChecked(False)
            self.group.setExclusive(True)
        elif target is not None:
            target.setChecked(True)
        self._updating = False

    def _choose(self, names: list[str]) -> None:
        if not self._updating:
            self.chosen.emit(names)

    def focus_choice(self) -> None:
        checked = self.group.checkedButton() or self.none_button
        if checked is not None:
            checked.setFocus(Qt.FocusReason.OtherFocusReason)


class Banner(QFrame):
    """A one-line notice with buttons, above the conversation."""

    def __init__(self, name: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(8)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.label, 1)
        self._buttons = layout
        self.hide()

    def button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(slot)
        self._buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        return button


class DemoBanner(Banner):
    models_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("demoBanner", DEMO_TEXT, parent)
        self.setAccessibleName("The demo model's answers are unreliable")
        self.dismissed = False  # for this session only: the next start says it again
        self.models_button = self.button("Open Models", "Open the Models page to add a real model",
                                         self.models_requested.emit)
        self.dismiss_button = self.button("Dismiss", "Hide this notice until Strongroom is started again",
                                          self.dismiss)

    def set_demo(self, demo: bool) -> None:
        self.setVisible(demo and not self.dismissed)

    def dismiss(self) -> None:
        self.dismissed = True
        self.hide()


class EditBanner(Banner):
    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("editBanner", "<b>Editing your question.</b> The earlier question and its answer stay "
                         "until you send the edited one.", parent)
        self.setAccessibleName("Editing a question")
        self.undo_button = self.button("Undo (Ctrl+Z)", "Undo the edit: keep the question and answer as they were",
                                       self.undo_requested.emit)
