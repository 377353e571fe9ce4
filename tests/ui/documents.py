"""Real documents written in the test: a multi-page PDF (QPdfWriter) with known text on each page."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

PAGE_TEXT = [
    "The lease begins on the first of March and runs for five years.",
    "The tenant pays a deposit of three months rent before moving in.",
    "Either party may terminate the agreement with ninety days written notice.",
    "Disputes are settled by arbitration in the city of Lyon under French law.",
]


def write_pdf(path: Path, pages: list[str] = PAGE_TEXT) -> Path:
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(20, 20, 20, 20)))
    writer.setResolution(72)
    painter = QPainter(writer)
    painter.setFont(QFont("Sans", 12))
    for i, text in enumerate(pages):
        if i:
            writer.newPage()
        painter.drawText(QRectF(0, 40, 500, 400), f"Page {i + 1}. {text}")
    painter.end()
    return path
