"""The sources under each answer: "Sources (4)", collapsed until clicked, then one line per passage
(file, page, excerpt). A passage's link opens it in the viewer; opening the list shows the answer's
sources in the Sources pane."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

EXCERPT_CHARS = 220


def short_excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def where(source: dict) -> str:
    page = f", page {source['page']}" if source.get("page") else ""
    heading = f" \u2014 {source['heading']}" if source.get("heading") and not source.get("page") else ""
    return f"{Path(str(source.get('file', '?'))).name}{page}{heading}"


class AnswerSources(QFrame):
    source_clicked = Signal(int)  # n
    opened = Signal()  # the list was clicked open or shut: its answer is the one in focus

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("answerSources")
        self.sources: list[dict] = []
        self._key: tuple = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(4)
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("answerSourcesToggle")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self._toggled)
        layout.addWidget(self.toggle)
        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(18, 0, 0, 0)
        self.body_layout.setSpacing(6)
        self.body.hide()
        layout.addWidget(self.body)
        self.rows: list[QLabel] = []
        self.hide()

    def set_sources(self, sources: list[dict]) -> None:
        key = tuple((s.get("n"), s.get("file"), s.get("page"), s.get("cited")) for s in sources)
        if key == self._key:
            return
        self._key = key
        self.sources = list(sources)
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for s in self.sources:
            cited = "" if s.get("cited", True) else " <i>(not cited)</i>"
            row = QLabel(f'<a href="source:{s["n"]}">[{s["n"]}] {html.escape(where(s))}</a>{cited}<br>'
                         f'<span style="font-size:small">{html.escape(short_excerpt(s.get("excerpt", "")))}</span>')
            row.setObjectName("answerSource")
            row.setWordWrap(True)
            row.setTextFormat(Qt.TextFormat.RichText)
            row.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                        | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
            row.setToolTip(html.escape(str(s.get("file", ""))))
            row.setAccessibleName(f"Source {s['n']}: {where(s)}")
            row.linkActivated.connect(self._link)
            self.body_layout.addWidget(row)
            self.rows.append(row)
        count = len(self.sources)
        self.toggle.setText(f"Sources ({count})")
        self.toggle.setAccessibleName(f"Show the {count} sources of this answer")
        self.setVisible(bool(count))

    @property
    def expanded(self) -> bool:
        return self.toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.toggle.setChecked(expanded)

    def _toggled(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)
        self.opened.emit()

    def _link(self, link: str) -> None:
        n = link.partition(":")[2]
        if n.isdigit():
            self.source_clicked.emit(int(n))


def focus(widgets: list, index: int) -> tuple[list[dict], str, str]:
    """What the Sources pane shows for the message at `index` (a question: the answer after it):
    (sources, which answer they belong to, what to say when it has none)."""
    answers = [i for i, w in enumerate(widgets) if w.message.role == "assistant"]
    target = next((i for i in answers if i >= index), None)
    if target is None:
        return [], "", ""
    number = answers.index(target) + 1
    return (widgets[target].message.sources, f"Sources of answer {number} of {len(answers)}",
            f"Answer {number} has no sources: it was not drawn from your documents, or nothing relevant was "
            "found. Click another answer to see its sources.")
