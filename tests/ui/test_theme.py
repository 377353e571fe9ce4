"""Themes: a missing or damaged style sheet never stops the window; the palette still applies."""
from PySide6.QtWidgets import QApplication

from app.core.foundation import paths
from app.ui import theme
from app.ui.main_window import MainWindow


def test_missing_and_damaged_stylesheets(qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path)
    assert theme.apply("dark", 13) == "dark"
    app = QApplication.instance()
    assert app.styleSheet() == "" and app.palette().window().color().lightness() < 80
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "light.qss").write_bytes(b"QWidget { color: \xff\xfe ;;; {{{ broken")
    assert theme.apply("light", 0) == "light"
    window = MainWindow(warm_up=False, auto_load=False)
    qtbot.addWidget(window)
    window.show()
    assert window.isVisible() and app.palette().window().color().lightness() > 200


def test_shipped_stylesheets_exist_for_both_themes():
    for name in ("light", "dark"):
        text = (paths.resources_dir() / "themes" / f"{name}.qss").read_text(encoding="utf-8")
        assert "QPushButton#primary" in text
