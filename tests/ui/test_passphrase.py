"""The history passphrase in the window, where no keychain exists (keyring's fail backend, as on a
headless workstation): chosen twice under a warning, asked again when wrong, an explicit "Continue
without history", the dialog over the painted window, and changing it from Settings."""
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui.launch import ask_passphrase
from app.ui.main_window import MainWindow
from app.ui.passphrase_dialog import FORGOTTEN_WARNING, PassphraseDialog
from app.ui.services import Services, paths
from tests.helpers.keychain import no_keychain  # noqa: F401  (fixture)

FIRST = "correct horse battery"
SECOND = "staple ninety lanterns"


@pytest.fixture(autouse=True)
def _no_keychain(no_keychain):
    """Every test here runs where no OS keychain exists."""


class DialogDriver:
    """Answers each passphrase dialog as a user would, from inside its own event loop, and records
    what the user saw on it (the dialog's kind, its problem line, the window under it)."""

    def __init__(self, steps):
        self.steps = list(steps)  # each: a function(dialog) that fills and closes it
        self.seen = []
        self.timer = QTimer()
        self.timer.timeout.connect(self._poll)
        self.timer.start(20)

    def _poll(self) -> None:
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, PassphraseDialog) and w.isVisible() and w not in [s[0] for s in self.seen]),
                      None)
        if dialog is None or not self.steps:
            return
        parent = dialog.parentWidget()
        self.seen.append((dialog, dialog.new, dialog.problem.text() if dialog.problem.isVisible() else "",
                          parent is not None and parent.isVisible(), dialog.findChildren(type(dialog.problem))))
        self.steps.pop(0)(dialog)

    def stop(self):
        self.timer.stop()


def typed(*texts):
    def step(dialog: PassphraseDialog):
        fields = [f for f in (dialog.current, dialog.passphrase, dialog.repeat) if f is not None]
        for field, text in zip(fields, texts):
            field.setText(text)
        dialog.ok_button.click()
        if dialog.isVisible():  # refused in place (two passphrases differ): the user cancels
            dialog.skip_button.click()
    return step


def skip(dialog: PassphraseDialog):
    dialog.skip_button.click()


def _window(qtbot, driver) -> MainWindow:
    services = Services()
    window = MainWindow(services, warm_up=False, auto_load=False, open_history=True, passphrase=ask_passphrase)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.keeper.ready, timeout=60000)
    driver.stop()
    return window


def _create_history(qtbot, passphrase=FIRST):
    driver = DialogDriver([typed(passphrase, passphrase)])
    window = _window(qtbot, driver)
    assert window.services.conversations.persistent, window.services.history_notice
    window.close()
    window.services.close()
    return driver


def test_first_run_asks_twice_with_a_warning_and_the_window_painted_below(qtbot):
    mismatch = DialogDriver([typed(FIRST, "something else")])  # the two differ: the dialog says so
    window = _window(qtbot, mismatch)
    dialog = mismatch.seen[0][0]
    assert dialog.new and dialog.repeat is not None
    assert dialog.warning.text() == FORGOTTEN_WARNING and "cannot be recovered" in FORGOTTEN_WARNING
    assert dialog.problem.text() == "The two passphrases are not the same. Type them again."
    assert mismatch.seen[0][3], "the dialog came before its window was shown"
    assert dialog.parentWidget() is window
    assert window.services.history_declined and not window.services.conversations.persistent
    window.close()
    window.services.close()
    assert not (paths.data_dir() / "history.key").exists()

    driver = _create_history(qtbot)
    assert [s[1] for s in driver.seen] == [True]
    assert (paths.data_dir() / "history.key").exists()


def test_a_wrong_passphrase_asks_again_and_the_right_one_opens_the_history(qtbot):
    _create_history(qtbot)
    driver = DialogDriver([typed("not the passphrase"), typed("still wrong!"), typed(FIRST)])
    window = _window(qtbot, driver)
    assert [(s[1], s[2]) for s in driver.seen] == [
        (False, ""),
        (False, "That passphrase is not right. Try again, or continue without history."),
        (False, "That passphrase is not right. Try again, or continue without history."),
    ]
    assert window.services.conversations.persistent
    assert not window.services.history_failed and not window.services.history_declined
    window.close()
    window.services.close()


def test_continue_without_history_is_a_choice_and_a_failure_is_a_dialog(qtbot):
    _create_history(qtbot)
    driver = DialogDriver([typed("not the passphrase"), skip])
    window = _window(qtbot, driver)
    assert len(driver.seen) == 2
    assert window.services.history_declined and not window.services.conversations.persistent
    notice = window.services.history_notice
    assert notice.startswith("You chose to continue without history") and not notice.endswith((".."))
    assert not any(isinstance(w, QMessageBox) and w.isVisible() for w in window.findChildren(QMessageBox))
    window.close()
    window.services.close()

    (paths.data_dir() / "history.key").write_text("{not a key file", encoding="utf-8")
    window = _window(qtbot, DialogDriver([typed("anything at all")]))
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox)), timeout=10000)
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    assert box.text().startswith("History is not available: The history key file")
    assert box.text().endswith("Conversations are kept only for this session.")
    assert ".)" not in box.text() and ". ." not in box.text() and ".." not in box.text()
    box.close()
    window.close()
    window.services.close()
