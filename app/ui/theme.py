"""Light, dark or follow-the-system, and the app-wide font size. Applied live."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from .services import paths

log = logging.getLogger(__name__)

LIGHT = {
    "window": "#f6f5f2", "base": "#ffffff", "alt": "#efede8", "text": "#1f2328", "muted": "#5b6168",
    "button": "#ffffff", "highlight": "#2f5d8a", "highlight_text": "#ffffff", "link": "#2f5d8a", "mid": "#d3d0c8",
}
DARK = {
    "window": "#1d2024", "base": "#25292e", "alt": "#2b3036", "text": "#e6e6e3", "muted": "#a0a6ad",
    "button": "#2b3036", "highlight": "#5b8fc4", "highlight_text": "#0f1114", "link": "#8db8e6", "mid": "#3a4048",
}
_system_font_size: float | None = None


def resolve(mode: str) -> str:
    """'light' or 'dark' for a setting of light, dark or system."""
    if mode in ("light", "dark"):
        return mode
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def palette_for(name: str) -> QPalette:
    c = DARK if name == "dark" else LIGHT
    p = QPalette()
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"), (role.Base, "base"), (role.AlternateBase, "alt"), (role.WindowText, "text"),
        (role.Text, "text"), (role.ButtonText, "text"), (role.Button, "button"), (role.Highlight, "highlight"),
        (role.HighlightedText, "highlight_text"), (role.Link, "link"), (role.Mid, "mid"),
        (role.ToolTipBase, "base"), (role.ToolTipText, "text"), (role.PlaceholderText, "muted"),
    ):
        p.setColor(r, QColor(c[key]))
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(c["muted"]))
    return p


def stylesheet(name: str) -> str:
    path = paths.resources_dir() / "themes" / f"{name}.qss"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("style sheet %s not used: %s", path, exc)
        return ""  # the palette alone still gives a usable window


def apply(mode: str = "system", font_size: int = 0, app: QApplication | None = None) -> str:
    """Applies the theme and font size to the whole application; returns 'light' or 'dark'."""
    global _system_font_size
    app = app or QApplication.instance()
    if _system_font_size is None:
        _system_font_size = app.font().pointSizeF()
    name = resolve(mode)
    app.setStyle("Fusion")  # the same look on every platform, and it follows the palette fully
    if hasattr(app.styleHints(), "setColorScheme"):
        app.styleHints().setColorScheme(
            {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(mode, Qt.ColorScheme.Unknown))
    app.setPalette(palette_for(name))
    font = QFont(app.font())
    font.setPointSizeF(float(font_size) if font_size > 0 else max(_system_font_size, 10.0))
    app.setFont(font)
    app.setStyleSheet(stylesheet(name))
    app.setProperty("strongroomTheme", name)
    return name
