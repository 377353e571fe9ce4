"""Settings and Help through the real window: Settings opens on General, technical settings say what
they do, models by name; the passphrase changes from Settings (History.change_passphrase); Delete all
history with a confirmation; Help has About (version, licences, no network, data paths) and a guide."""
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.ui.main_window import MainWindow
from app.ui.passphrase_dialog import PassphraseDialog
from app.ui.services import Services, ShownMessage, paths
from app.ui.settings_dialog import PAGES, PASSPHRASE_CLOSED, PASSPHRASE_KEYCHAIN, SettingsDialog
from tests.helpers.keychain import no_keychain  # noqa: F401  (fixture)

NEW_PASSPHRASE = "seven brass lanterns"


@pytest.fixture(autouse=True)
def _no_keychain(no_keychain):
    """Every test here runs where no OS keychain exists."""


def _window(qtbot, open_history=False) -> MainWindow:
    window = MainWindow(Services(), warm_up=False, auto_load=False, open_history=open_history)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.keeper.ready, timeout=60000)
    return window


def test_settings_open_on_general_explain_technical_settings_and_name_models(qtbot):
    window = _window(qtbot)
    qtbot.waitUntil(lambda: bool(window.models), timeout=60000)  # the demo model, found by the real scan
    dialog = window.open_settings()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "General"
    current = dialog.tabs.currentWidget()
    for key in ("sampling.top_p", "sampling.top_k", "sampling.min_p", "sampling.seed"):
        assert not current.isAncestorOf(dialog.editors[key]), key
        assert dialog.hints[key].text().endswith("."), key  # one plain sentence each
    technical = [f[0] for title, fields in PAGES if title in ("Model (advanced)", "Answers") for f in fields]
    assert all(dialog.hints.get(key) for key in technical)
    box = dialog.editors["model.default_model"]
    demo = window.models[0]
    index = box.findData(demo.id)
    assert box.itemText(index) == demo.name and demo.name != demo.id
    dialog.reject()
    assert not dialog.passphrase_button.isEnabled() and dialog.passphrase_note.text() == PASSPHRASE_CLOSED
    window.close()


def test_keychain_holds_the_key_so_the_passphrase_button_explains_itself(qtbot):
    from app.core.foundation.settings import Settings

    dialog = SettingsDialog(Settings(), [], passphrase_method="keychain")
    qtbot.addWidget(dialog)
    assert not dialog.passphrase_button.isEnabled()
    assert dialog.passphrase_button.toolTip() == PASSPHRASE_KEYCHAIN == dialog.passphrase_note.text()


def _answer_dialogs(steps):
    """Answers each passphrase dialog that opens with the next step (the dialogs are non-blocking)."""
    seen = []

    def poll():
        for w in QApplication.topLevelWidgets():
            if isinstance(w, PassphraseDialog) and w.isVisible() and w not in seen and steps:
                seen.append(w)
                steps.pop(0)(w)
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    return timer, seen


def test_change_the_passphrase_from_settings(qtbot, history_on, monkeypatch):
    window = _window(qtbot, open_history=True)
    assert window.services.conversations.persistent, window.services.history_notice
    dialog = window.open_settings()
    assert dialog.passphrase_button.isEnabled()

    def fill(current):
        def step(d):
            assert d.change and d.repeat is not None
            d.current.setText(current)
            d.passphrase.setText(NEW_PASSPHRASE)
            d.repeat.setText(NEW_PASSPHRASE)
            d.ok_button.click()
        return step

    timer, seen = _answer_dialogs([fill("not the old one"), fill(history_on)])
    dialog.passphrase_button.click()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_changed", False), timeout=60000)
    timer.stop()
    assert len(seen) == 2
    assert seen[1].problem.text() == "The current passphrase is not right; nothing was changed."
    assert "passphrase is changed" in window.statusBar().currentMessage()
    dialog.reject()
    window.close()
    window.services.close()

    monkeypatch.setenv("STRONGROOM_PASSPHRASE", NEW_PASSPHRASE)  # the key file now opens with the new one only
    again = Services()
    again.open_history()
    assert again.conversations.persistent, again.history_notice
    again.close()
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", history_on)
    old = Services()
    old.open_history()
    assert old.history_failed and not old.conversations.persistent
    old.close()


def _click_later(button):
    def click():
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, click)
        else:
            box.button(button).click()
    QTimer.singleShot(20, click)


def test_delete_all_history_from_the_window_after_a_confirmation(qtbot, history_on):
    window = _window(qtbot, open_history=True)
    conv = window.controller.conversation
    window.rename_conversation(conv.id, "Lease of Unit 4")
    message = ShownMessage("user", "When does the lease end?")
    conv.messages.append(message)
    window.keeper.add_message(conv, message)
    window.keeper.flush(30)
    action = next(a for a in window.actions() if a.text().replace("&", "") == "Delete all history\u2026")

    _click_later(QMessageBox.StandardButton.No)
    action.trigger()
    assert "Lease of Unit 4" in [c.title for c in window.keeper.list()]

    _click_later(QMessageBox.StandardButton.Yes)
    action.trigger()
    qtbot.waitUntil(lambda: "All history is deleted." in window.statusBar().currentMessage(), timeout=30000)
    assert "Lease of Unit 4" not in [c.title for c in window.keeper.list()]
    window.keeper.flush(30)
    history = window.services.conversations.history
    assert [c.title for c in history.list_conversations()] == ["New conversation"]
    window.close()
    window.services.close()


def test_help_about_and_guide(qtbot):
    window = _window(qtbot)
    dialog = window.open_help("about")
    text = dialog.about.toPlainText()
    assert f"Strongroom {__version__}" in text
    assert "never connects to a network" in text
    assert str(paths.history_db()) in text and str(paths.libraries_dir()) in text
    assert "PySide6" in text and "Apache" in text
    dialog.tabs.setCurrentWidget(dialog.guide)
    assert "Add a matter" in dialog.guide.toPlainText()
    dialog.reject()
    guide = window.open_help("guide")
    assert guide.tabs.currentWidget() is guide.guide
    guide.reject()
    window.close()
