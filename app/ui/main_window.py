"""The main window."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from app.core.registry import Registry


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Strongroom")
        self.resize(1200, 800)
        models = Registry().scan()
        names = ", ".join(m.name for m in models) or "none found"
        self.setCentralWidget(QLabel(f"Models: {names}"))
        self.statusBar().showMessage("Ready")
