"""Help › About (version, the no-network guarantee, where data lives, licences) and Help › Guide."""
from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from .services import about

NO_NETWORK = ("Strongroom never connects to a network. It has no telemetry, update check or model download; "
              "a guard inside the program refuses every network connection, and your documents, questions "
              "and answers stay on this computer.")

GUIDE = [
    ("Add a matter", "Open Libraries (Ctrl+3) and add the folder of a matter's documents. Strongroom indexes it "
                     "in the background; you can pause or cancel. Each folder becomes one library."),
    ("Ask", "Start a new conversation (Ctrl+N) and choose the libraries it may search with the chips above the "
            "question box. Only the chosen libraries are searched: matters do not mix."),
    ("Check the answer", "Each answer lists its sources with file and page. Click a number such as [1] to open the "
                         "document at that passage. Statements no source backs are marked \u201ccheck this\u201d."),
    ("Stop, edit, regenerate", "Esc stops an answer. You can edit a question or ask for the answer again."),
    ("Export", "Save a conversation with its sources for the matter file."),
    ("History", "Conversations are saved encrypted on this computer. Settings \u203a History lets you delete "
                "them all, set how long they are kept, and change the passphrase where one is used."),
    ("Models", "Models (Ctrl+2) shows the language models found and whether each is verified. The built-in demo "
               "model is only for trying Strongroom: its answers are unreliable."),
]


def about_html() -> str:
    rows = "".join(f"<tr><td>{html.escape(what)}</td><td><code>{html.escape(where)}</code></td></tr>"
                   for what, where in about.data_locations())
    licences = "".join(f"<tr><td>{html.escape(n)}</td><td>{html.escape(v)}</td><td>{html.escape(lic)}</td></tr>"
                       for n, v, lic in about.licences())
    return (f"<h2>Strongroom {html.escape(about.version())}</h2>"
            "<p>Private questions and answers over your own documents. Strongroom is licensed under the "
            "Apache License 2.0.</p>"
            f"<h3>No network, ever</h3><p>{html.escape(NO_NETWORK)}</p>"
            f"<h3>Where your data lives</h3><table cellspacing='4'>{rows}</table>"
            "<h3>Licences of the software that ships with Strongroom</h3>"
            "<p>Language models carry their own licence, shown on the Models page.</p>"
            f"<table cellspacing='4'>{licences}</table>")


def guide_html() -> str:
    return "<h2>A short guide</h2>" + "".join(
        f"<h3>{html.escape(title)}</h3><p>{html.escape(text)}</p>" for title, text in GUIDE)


class HelpDialog(QDialog):
    """Two tabs, About and Guide; opens on the one asked for."""

    def __init__(self, parent: QWidget | None = None, page: str = "about"):
        super().__init__(parent)
        self.setWindowTitle("Strongroom help")
        self.setAccessibleName("Strongroom help")
        self.resize(640, 560)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.about = QTextBrowser()
        self.about.setAccessibleName("About Strongroom")
        self.about.setHtml(about_html())
        self.guide = QTextBrowser()
        self.guide.setAccessibleName("Guide")
        self.guide.setHtml(guide_html())
        self.tabs.addTab(self.about, "About")
        self.tabs.addTab(self.guide, "Guide")
        self.tabs.setCurrentWidget(self.guide if page == "guide" else self.about)
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
