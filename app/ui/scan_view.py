"""A scanned page in the source viewer: the page image, fitted to the width, with the boxes of the
cited passage's lines painted over it (OCR gave each line's box on the page)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea

HIGHLIGHT_RGBA = (255, 214, 64, 110)  # translucent: the scanned words stay readable under it
ZOOM_STEP = 1.25


class ScanView(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Scanned page")
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.label = QLabel(self)
        self.setWidget(self.label)
        self.image = QImage()
        self.boxes: list[tuple[float, float, float, float]] = []  # fractions of the page
        self.zoom = 0.0  # 0: fit the width

    def show_page(self, image: QImage, boxes: list) -> None:
        self.image, self.boxes, self.zoom = image, list(boxes), 0.0
        self._paint()
        if boxes:  # the passage's first line near the top of the view
            self.verticalScrollBar().setValue(int(min(b[1] for b in boxes) * self.label.height()) - 40)

    def highlight_rects(self) -> list[QRectF]:
        """Where the highlight is painted, in the shown pixmap's pixels."""
        w, h = self.label.width(), self.label.height()
        return [QRectF(x0 * w, y0 * h, (x1 - x0) * w, (y1 - y0) * h) for x0, y0, x1, y1 in self.boxes]

    def zoom_by(self, steps: int) -> None:
        factor = self.zoom or self._fit()
        self.zoom = min(max(factor * ZOOM_STEP ** steps, 0.1), 8.0)
        self._paint()

    def fit(self) -> None:
        self.zoom = 0.0
        self._paint()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        if not self.zoom and not self.image.isNull():
            self._paint()

    def _fit(self) -> float:
        return max(self.viewport().width() - 4, 50) / max(self.image.width(), 1)

    def _paint(self) -> None:
        if self.image.isNull():
            return
        scale = self.zoom or self._fit()
        pixmap = QPixmap.fromImage(self.image.scaledToWidth(max(1, round(self.image.width() * scale)),
                                                            Qt.TransformationMode.SmoothTransformation))
        painter = QPainter(pixmap)
        painter.setPen(QPen(QColor(200, 150, 0), 1))
        painter.setBrush(QColor(*HIGHLIGHT_RGBA))
        w, h = pixmap.width(), pixmap.height()
        for x0, y0, x1, y1 in self.boxes:
            painter.drawRect(QRectF(x0 * w - 2, y0 * h - 2, (x1 - x0) * w + 4, (y1 - y0) * h + 4))
        painter.end()
        self.label.setPixmap(pixmap)
        self.label.resize(pixmap.size())
