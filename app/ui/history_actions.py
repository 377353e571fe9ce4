"""The window's history actions from Settings and the menus: change the passphrase, delete all history.
Both run on the history writer (ConversationKeeper.run), never on the UI thread."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox

from .errors import error_dialog, plain_message
from .passphrase_dialog import PassphraseDialog

DELETE_ALL_QUESTION = ("Delete every saved conversation and extracted table? This cannot be undone: the history "
                       "files are scrubbed, and no copy is kept. Your documents and libraries are not touched.")


def change_passphrase(window, parent=None) -> PassphraseDialog:
    """Asks the current and the new passphrase (twice), then re-wraps the history key
    (History.change_passphrase through the services). A wrong current one brings the dialog back."""
    dialog = PassphraseDialog(new=False, parent=parent or window, change=True)

    def done(result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            return
        old, new = dialog.current.text(), dialog.value()
        dialog.ok_button.setEnabled(False)

        def changed(_r) -> None:
            window.statusBar().showMessage("The history passphrase is changed.", 8000)
            window.passphrase_changed = True

        def refused(exc: BaseException) -> None:
            again = change_passphrase(window, parent)
            again.show_problem(plain_message(exc))

        window.keeper.run("Changing the passphrase", lambda: window.services.change_passphrase(old, new),
                          on_success=changed, on_failure=refused)

    dialog.finished.connect(done)
    dialog.open()
    window.passphrase_dialog = dialog
    return dialog


def delete_all_history(window, confirm: bool = True) -> None:
    """After a confirmation: every conversation goes, from the window and the history files."""
    if confirm:
        answer = QMessageBox.question(window, "Delete all history", DELETE_ALL_QUESTION,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
    controller = window.controller
    if controller.busy:
        controller.stop()
    window.keeper.clear()

    def failed(exc: BaseException) -> None:
        error_dialog(window, "Delete all history", "Deleting the history did not work.\n\n"
                     + plain_message(exc)).open()

    # Queued first: the new, empty conversation below is saved after the deletion, not deleted by it.
    window.keeper.run("Deleting all history", window.services.delete_all_history,
                      on_success=lambda _r: window.statusBar().showMessage("All history is deleted.", 8000),
                      on_failure=failed)
    controller.conversation = None
    controller.new_conversation()
    window.refresh_conversations()
