"""The built-in viewer for a cited source: a PDF at the cited page with the passage highlighted,
any other file as text with the passage highlighted in context."""
from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPointF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QPushButton, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget,
)

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".csv", ".log", ".text", ".rst", ".json", ".xml", ".html", ".htm"}
MAX_TEXT_BYTES = 5 * 1024 * 1024
SEARCH_WORDS = 8  # PDF search matches within a line run; a few leading words find the passage reliably


def search_key(excerpt: str) -> str:
    words = re.findall(r"\S+", excerpt)
    return " ".join(words[:SEARCH_WORDS])


def local_url(path: Path) -> QUrl:
    """A file:// URL: the viewer only ever opens local files."""
    return QUrl.fromLocalFile(str(Path(path).resolve()))


def open_in_default_app(path: Path) -> bool:
    return QDesktopServices.openUrl(local_url(path))


def show_in_folder(path: Path) -> bool:
    path = Path(path).resolve()
    if sys.platform == "win32":
        subprocess.Popen(["explorer", "/select,", str(path)])  # noqa: S603,S607 - local file manager
        return True
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", str(path)])  # noqa: S603,S607
        return True
    return QDesktopServices.openUrl(local_url(path.parent))


def read_text(path: Path) -> str:
    from charset_normalizer import from_bytes

    data = path.read_bytes()[:MAX_TEXT_BYTES]
    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def highlight_html(text: str, excerpt: str) -> tuple[str, bool]:
    """The text as HTML with the excerpt marked (whitespace-insensitive). Returns (html, found)."""
    words = re.findall(r"\S+", excerpt)
    if words:
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
        m = pattern.search(text)
        if m:
            before, hit, after = text[: m.start()], text[m.start(): m.end()], text[m.end():]
            body = (html.escape(before) + '<a name="passage"></a><span style="background-color:#ffe58a;color:#000;">'
                    + html.escape(hit) + "</span>" + html.escape(after))
            return f'<pre style="white-space:pre-wrap;font-family:sans-serif;">{body}</pre>', True
    return f'<pre style="white-space:pre-wrap;font-family:sans-serif;">{html.escape(text)}</pre>', False


class SourceViewer(QWidget):
    """Shows one source. `show_source(path, page, excerpt)`; pages are 1-based as in citations."""


    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sourceViewer")
        self.path: Path | None = None
        self.page = 0  # 1-based page shown, 0 for non-paged files
        self.excerpt = ""
        self.highlighted = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.heading = QLabel("")
        self.heading.setObjectName("viewerHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.heading)

        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open in default app")
        self.open_button.setAccessibleName("Open the source in its default application")
        self.open_button.clicked.connect(lambda: self.path and open_in_default_app(self.path))
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setAccessibleName("Show the source file in its folder")
        self.folder_button.clicked.connect(lambda: self.path and show_in_folder(self.path))
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.stack = QStackedWidget(self)
        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView(self)
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.pdf_view.setAccessibleName("Source document")
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.pdf_document)
        self.pdf_view.setSearchModel(self.search)
        # Selecting while the model is still inserting rows is unsafe: look once the event loop is back.
        self.search.rowsInserted.connect(self._schedule_select)
        self.search.modelReset.connect(self._schedule_select)
        self._select_timer = QTimer(self)
        self._select_timer.setSingleShot(True)
        self._select_timer.setInterval(0)
        self._select_timer.timeout.connect(self._select_hit)
        self._rejump_timer = QTimer(self)
        self._rejump_timer.setSingleShot(True)
        self._rejump_timer.setInterval(50)
        self._rejump_timer.timeout.connect(self._rejump)
        self.text_view = QTextBrowser(self)
        self.text_view.setOpenLinks(False)
        self.text_view.setAccessibleName("Source text")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w in (self.pdf_view, self.text_view, self.message):
            self.stack.addWidget(w)
        layout.addWidget(self.stack, 1)

    # -- public -----------------------------------------------------------------
    def show_source(self, path: Path | str, page: int | None = None, excerpt: str = "") -> None:
        self.path = Path(path)
        self.page = int(page or 0)
        self.excerpt = excerpt or ""
        self.highlighted = False
        where = f" \u2014 page {self.page}" if self.page else ""
        self.heading.setText(f"<b>{html.escape(self.path.name)}</b>{where}<br>"
                             f"<span style='font-size:small'>{html.escape(str(self.path.parent))}</span>")
        if not self.path.is_file():
            self._show_message(f"The file {self.path} is no longer there. It may have been moved or deleted; "
                               "re-index the library to update its sources.")
            return
        if self.path.suffix.lower() == ".pdf":
            self._show_pdf()
        else:
            self._show_text()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        # Fit-to-width changes the zoom on resize while the scroll offset stays in pixels: go back to the place.
        if self.stack.currentWidget() is self.pdf_view and self.pdf_document.pageCount():
            self._rejump_timer.start()

    def _rejump(self) -> None:
        nav = self.pdf_view.pageNavigator()
        nav.jump(nav.currentPage(), nav.currentLocation(), nav.currentZoom())

    def current_page(self) -> int:
        """The 1-based page the PDF view is at."""
        return self.pdf_view.pageNavigator().currentPage() + 1

    # -- PDF ----------------------------------------------------------------------
    def _show_pdf(self) -> None:
        self.search.setSearchString("")
        self.pdf_document.close()
        error = self.pdf_document.load(str(self.path))
        if error != QPdfDocument.Error.None_:
            reasons = {
                QPdfDocument.Error.IncorrectPassword: "it is protected by a password",
                QPdfDocument.Error.UnsupportedSecurityScheme: "it uses protection Strongroom cannot open",
                QPdfDocument.Error.InvalidFileFormat: "it is not a readable PDF",
                QPdfDocument.Error.FileNotFound: "it could not be found",
                QPdfDocument.Error.DataNotYetAvailable: "it is still being written",
            }
            self._show_message(f"This PDF cannot be shown because {reasons.get(error, 'it could not be read')}. "
                               "Use \u201cOpen in default app\u201d instead.")
            return
        self.stack.setCurrentWidget(self.pdf_view)
        last = self.pdf_document.pageCount()
        index = min(max(self.page, 1), max(last, 1)) - 1
        self.pdf_view.pageNavigator().jump(index, QPointF(), self.pdf_view.zoomFactor())
        key = search_key(self.excerpt)
        if key:
            self.search.setSearchString(key)

    def _schedule_select(self, *_args) -> None:
        self._select_timer.start()

    def _select_hit(self) -> None:
        """Selects the first match on the cited page, which QPdfView highlights."""
        if self.highlighted or not self.excerpt or self.stack.currentWidget() is not self.pdf_view:
            return
        target = max(self.page, 1) - 1
        for i in range(self.search.rowCount(QModelIndex())):
            link = self.search.resultAtIndex(i)
            if link.page() == target:
                self.highlighted = True
                self.pdf_view.setCurrentSearchResultIndex(i)
                self.pdf_view.pageNavigator().jump(link)
                return

    # -- other formats ------------------------------------------------------------------
    def _show_text(self) -> None:
        text = ""
        if self.path.suffix.lower() in TEXT_SUFFIXES:
            try:
                text = read_text(self.path)
            except OSError as exc:
                self._show_message(f"The file could not be read: {exc.strerror or exc}.")
                return
        if text:
            body, self.highlighted = highlight_html(text, self.excerpt)
        else:
            # Formats that need an extractor (Word, OpenDocument...): the cited passage itself, highlighted.
            body, self.highlighted = highlight_html(self.excerpt, self.excerpt)
            body = ("<p><i>The passage as it was indexed. Use \u201cOpen in default app\u201d to see the whole "
                    "document.</i></p>" + body)
        self.text_view.setHtml(body)
        self.stack.setCurrentWidget(self.text_view)
        if self.highlighted:
            self.text_view.scrollToAnchor("passage")

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
