"""The built-in viewer for a cited source: a PDF at the cited page with the passage highlighted,
any other file as text with the passage highlighted in context."""
from __future__ import annotations

import bisect
import html
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QPushButton, QStackedWidget, QTextBrowser, QToolButton, QVBoxLayout, QWidget,
)

from . import tasks
from .scan_view import ScanView
from .services import RENDERED_SUFFIXES, SCAN_SUFFIXES, load_scan_page, missing_source_message, render_document

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".csv", ".log", ".text", ".rst", ".json", ".xml"}
MAX_TEXT_BYTES = 5 * 1024 * 1024
SEARCH_WORDS = 8  # the fallback: a few leading words find the passage when the whole of it is not found
EDGE_WORDS = 6  # a passage in a rendered document is found by its first and its last words
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.25, 6.0
HIGHLIGHT = "#ffe58a"


def passage_words(excerpt: str) -> list[str]:
    """The excerpt's words; a cut excerpt ("…") loses its last, possibly partial, word."""
    text = excerpt.strip()
    words = re.findall(r"\S+", text.rstrip("\u2026"))
    if text.endswith("\u2026") and words:
        words = words[:-1]
    return [w for w in words if w != "|"]  # table cells are joined with " | " in the indexed text


def search_key(excerpt: str) -> str:
    return " ".join(passage_words(excerpt)[:SEARCH_WORDS])


def _words_re(words: list[str]) -> re.Pattern:
    return re.compile(r"(?:\s|[|\u2022\u00b7])+".join(re.escape(w) for w in words), re.IGNORECASE)


def passage_span(text: str, excerpt: str) -> tuple[int, int] | None:
    """Where the passage lies in `text`, whitespace-insensitively: the whole of it, or from its first
    words to its last words when something between differs (a table's layout, a hyphenated word)."""
    words = passage_words(excerpt)
    if not words:
        return None
    m = _words_re(words).search(text)
    if m:
        return m.start(), m.end()
    head = _words_re(words[:EDGE_WORDS]).search(text)
    if head is None:
        return None
    tail = _words_re(words[-EDGE_WORDS:]).search(text, head.end() if len(words) > EDGE_WORDS else head.start())
    if tail is None or tail.end() - head.start() > 3 * len(" ".join(words)) + 200:
        return head.start(), head.end()
    return head.start(), tail.end()


def pdf_search_string(page_text: str, excerpt: str) -> str:
    """The longest leading run of the passage's words found on the page: PDFium's search matches across
    line breaks, so the whole passage is highlighted when it is all there."""
    words = passage_words(excerpt)
    flat = " ".join(page_text.split()).lower()
    lo, hi = 0, len(words)
    while lo < hi:  # a prefix found means every shorter one is found too
        mid = (lo + hi + 1) // 2
        if " ".join(words[:mid]).lower() in flat:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo]) if lo >= min(3, len(words)) else search_key(excerpt)


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
    span = passage_span(text, excerpt)
    if span:
        start, end = span
        before, hit, after = text[:start], text[start:end], text[end:]
        body = (html.escape(before) + f'<a name="passage"></a><span style="background-color:{HIGHLIGHT};color:#000;">'
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
        self.passage_text = ""  # the text highlighted in a rendered document

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
        self.zoom_out_button = self._zoom_button("\u2212", "Zoom out (Ctrl+-)", self.zoom_out)
        self.zoom_reset_button = self._zoom_button("Fit", "Fit the width (Ctrl+0)", self.zoom_reset)
        self.zoom_in_button = self._zoom_button("+", "Zoom in (Ctrl+=)", self.zoom_in)
        for button in (self.zoom_out_button, self.zoom_reset_button, self.zoom_in_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        for keys, slot in ((("Ctrl+=", "Ctrl++"), self.zoom_in),
                           (("Ctrl+-",), self.zoom_out), (("Ctrl+0",), self.zoom_reset)):
            for key in keys:
                QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WindowShortcut)
        self.text_zoom = 0  # steps the text view is zoomed in (negative: out)
        self._render_task = None

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
        self.scan_view = ScanView(self)  # a scanned page with the passage's OCR line boxes painted on it
        for w in (self.pdf_view, self.text_view, self.message, self.scan_view):
            self.stack.addWidget(w)
        layout.addWidget(self.stack, 1)

    def _zoom_button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.clicked.connect(slot)
        return button

    # -- zoom: fit to width by default ---------------------------------------------------
    def zoom_in(self) -> None:
        self._zoom(1)

    def zoom_out(self) -> None:
        self._zoom(-1)

    def zoom_reset(self) -> None:
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.scan_view.fit()
        self._zoom_text(-self.text_zoom)

    def zoom_factor(self) -> float:
        """The PDF view's zoom (1.0: 100 %), or for text the font's scale against its default."""
        if self.stack.currentWidget() is self.pdf_view:
            if self.pdf_view.zoomMode() == QPdfView.ZoomMode.FitToWidth:
                return self._fit_factor()
            return self.pdf_view.zoomFactor()
        return ZOOM_STEP ** self.text_zoom

    def _fit_factor(self) -> float:
        """The zoom fit-to-width shows (QPdfView keeps zoomFactor for its custom mode only)."""
        page = self.pdf_document.pagePointSize(max(self.current_page() - 1, 0))
        margins = self.pdf_view.documentMargins()
        width = self.pdf_view.viewport().width() - margins.left() - margins.right()
        scale = self.pdf_view.logicalDpiX() / 72.0
        return width / (page.width() * scale) if page.width() > 0 else 1.0

    def _zoom(self, steps: int) -> None:
        if not self.isVisible():
            return
        if self.stack.currentWidget() is self.pdf_view:
            factor = min(max(self.zoom_factor() * ZOOM_STEP ** steps, ZOOM_MIN), ZOOM_MAX)
            self.pdf_view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.pdf_view.setZoomFactor(factor)
        elif self.stack.currentWidget() is self.scan_view:
            self.scan_view.zoom_by(steps)
        elif self.stack.currentWidget() is self.text_view and -6 <= self.text_zoom + steps <= 12:
            self._zoom_text(steps)

    def _zoom_text(self, steps: int) -> None:
        self.text_zoom += steps
        if steps > 0:
            self.text_view.zoomIn(2 * steps)
        elif steps < 0:
            self.text_view.zoomOut(-2 * steps)

    # -- public -----------------------------------------------------------------
    def clear(self) -> None:
        """Shows nothing (the sources listed changed): no document of another answer stays open."""
        self.path, self.page, self.excerpt, self.highlighted = None, 0, "", False
        self._render_task = None
        self.search.setSearchString("")
        self.pdf_document.close()
        self.text_view.clear()
        self.heading.setText("")
        self._show_message("")

    def show_source(self, path: Path | str, page: int | None = None, excerpt: str = "") -> None:
        self._render_task = None
        self.path = Path(path)
        self.page = int(page or 0)
        self.excerpt = excerpt or ""
        self.highlighted = False
        where = f" \u2014 page {self.page}" if self.page else ""
        self.heading.setText(f"<b>{html.escape(self.path.name)}</b>{where}<br>"
                             f"<span style='font-size:small'>{html.escape(str(self.path.parent))}</span>")
        if not self.path.is_file():
            self._show_message(missing_source_message(path))
            return
        if self.path.suffix.lower() == ".pdf":
            self._show_pdf()
        elif self.path.suffix.lower() in SCAN_SUFFIXES:
            self._show_scan(fallback=False)
        else:
            self._show_text()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        # Fit-to-width changes the zoom on resize while the scroll offset stays in pixels: go back to the place.
        if self.stack.currentWidget() is self.pdf_view and self.pdf_document.pageCount():
            self._rejump_timer.start()

    def _rejump(self) -> None:
        nav = self.pdf_view.pageNavigator()
        page, here, zoom = nav.currentPage(), nav.currentLocation(), nav.currentZoom()
        # QPdfView scrolls only when the navigator's page changes: a jump within the same page is
        # ignored, so it steps to a neighbouring page first (no paint happens in between).
        neighbour = page + 1 if page + 1 < self.pdf_document.pageCount() else max(page - 1, 0)
        if neighbour != page:
            nav.jump(neighbour, QPointF(), zoom)
        nav.jump(page, here, zoom)

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
        page_text = self.pdf_document.getAllText(index).text()
        key = pdf_search_string(page_text, self.excerpt)
        if key:
            self.search.setSearchString(key)
        if self.excerpt and passage_span(page_text, self.excerpt) is None:
            self._show_scan(fallback=True)  # a scanned page: the passage is where OCR read it

    def _show_scan(self, fallback: bool) -> None:
        """The page as an image with the passage's lines boxed; `fallback`: only if OCR read it there."""
        path, page, excerpt = self.path, max(self.page, 1), self.excerpt
        if not fallback:
            self._show_message("Opening the scan\u2026")

        def shown(scan) -> None:
            if task is not self._render_task:
                return
            self._render_task = None
            span = passage_span(scan.text, excerpt) if excerpt else None
            boxes = scan.boxes(*span) if span else []
            if fallback and not boxes:
                return  # not a scan, or the passage is not on it: the PDF view stays
            image = QImage(scan.rgb, scan.width, scan.height, 3 * scan.width, QImage.Format.Format_RGB888).copy()
            self.scan_view.show_page(image, boxes)
            self.stack.setCurrentWidget(self.scan_view)
            self.highlighted = bool(boxes)

        def failed(exc: BaseException) -> None:
            if task is self._render_task and not fallback:
                self._show_message(f"This scan cannot be shown ({getattr(exc, 'reason', '') or 'it could not be read'}). "
                                   "Use \u201cOpen in default app\u201d instead.")

        task = tasks.run_in_background(load_scan_page, path, page, on_success=shown, on_failure=failed)
        self._render_task = task

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
        if self.path.suffix.lower() in RENDERED_SUFFIXES:
            self._show_rendered()
            return
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

    def _show_rendered(self) -> None:
        """Word, OpenDocument, HTML: the whole document rendered, scrolled to the passage, which is
        highlighted from its first word to its last. Parsed on a worker; the passage alone until then."""
        path, excerpt = self.path, self.excerpt
        self._show_message("Opening the document\u2026")

        def shown(body: str) -> None:
            if task is not self._render_task:
                return  # another source was opened meanwhile
            self._render_task = None
            self.text_view.setHtml(body)
            self.stack.setCurrentWidget(self.text_view)
            self.highlighted = self.highlight_passage(excerpt)
            if not self.highlighted:
                self.text_view.moveCursor(QTextCursor.MoveOperation.Start)

        def failed(exc: BaseException) -> None:
            if task is not self._render_task:
                return
            self._render_task = None
            body, self.highlighted = highlight_html(excerpt, excerpt)
            reason = getattr(exc, "reason", "") or "it could not be read"
            self.text_view.setHtml(f"<p><i>The document cannot be shown whole ({html.escape(reason)}); this is the "
                                   "passage as it was indexed. Use \u201cOpen in default app\u201d.</i></p>" + body)
            self.stack.setCurrentWidget(self.text_view)

        task = tasks.run_in_background(render_document, path, on_success=shown, on_failure=failed)
        self._render_task = task

    def highlight_passage(self, excerpt: str) -> bool:
        """Marks the passage in the text view, across paragraphs and table cells, and scrolls to it."""
        document = self.text_view.document()
        # The blocks' text joined by line breaks, with where each block starts in the document (table
        # frames take positions of their own, so the document's plain text does not line up with them).
        texts, starts, positions = [], [], []
        block, offset = document.begin(), 0
        while block.isValid():
            texts.append(block.text())
            starts.append(offset)
            positions.append(block.position())
            offset += len(block.text()) + 1
            block = block.next()
        span = passage_span("\n".join(texts), excerpt)
        if span is None:
            return False

        marked = QTextCharFormat()
        marked.setBackground(QColor(HIGHLIGHT))
        marked.setForeground(QColor("#000000"))
        pieces = []
        first, last = bisect.bisect_right(starts, span[0]) - 1, bisect.bisect_right(starts, span[1] - 1) - 1
        for k in range(first, last + 1):  # block by block: a selection into a table would take whole cells
            a = max(span[0] - starts[k], 0)
            b = min(span[1] - starts[k], len(texts[k]))
            cursor = QTextCursor(document)
            cursor.setPosition(positions[k] + a)
            cursor.setPosition(positions[k] + b, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(marked)
            pieces.append(cursor.selectedText().replace("\u2028", "\n"))
        self.passage_text = "\n".join(pieces)
        span = (positions[first] + max(span[0] - starts[first], 0),
                positions[last] + min(span[1] - starts[last], len(texts[last])))
        # Scroll: the passage's end first, then its start, so as much of it as fits is in view from the top.
        end = QTextCursor(document)
        end.setPosition(span[1])
        self.text_view.setTextCursor(end)
        self.text_view.ensureCursorVisible()
        start = QTextCursor(document)
        start.setPosition(span[0])
        self.text_view.setTextCursor(start)
        self.text_view.ensureCursorVisible()
        return True

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
