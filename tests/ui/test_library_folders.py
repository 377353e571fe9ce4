"""Folders in the Libraries view with the real manager, sync and embedding model: a missing folder gets
our own message, a folder without supported documents names the types read, the picker remembers where
it was, and a library lists its files with their state (indexed, needs OCR, too large, failed)."""
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QTimer
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from app.core.foundation.settings import Settings
from app.ui.libraries_view import LibrariesView
from app.ui.services import Services
from tests.ui.documents import write_pdf


def _view(qtbot, services=None) -> LibrariesView:
    view = LibrariesView(services or Services())
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    return view


def _sync(qtbot, view, folder):
    finished = []
    view.sync_finished.connect(lambda name, report: finished.append(name))
    lib = view.add_folder(folder)
    assert lib is not None
    qtbot.waitUntil(lambda: lib.name in finished, timeout=180000)
    return view.cards[lib.name]


def test_a_missing_folder_gets_a_plain_message(qtbot, tmp_path):
    view = _view(qtbot)
    assert view.add_folder(tmp_path / "Client Z (archived)") is None
    qtbot.waitUntil(lambda: any(b.isVisible() for b in view.findChildren(QMessageBox)), timeout=10000)
    box = next(b for b in view.findChildren(QMessageBox) if b.isVisible())
    assert f"The folder {tmp_path / 'Client Z (archived)'} does not exist" in box.text()
    assert "Errno" not in box.text() and "Traceback" not in box.text()
    box.close()
    assert view.cards == {}


def test_folders_without_supported_documents_name_the_types_read(qtbot, tmp_path):
    empty = tmp_path / "Empty matter"
    empty.mkdir()
    other = tmp_path / "Spreadsheets only"
    other.mkdir()
    (other / "figures.xlsx").write_bytes(b"PK\x03\x04 not read by Strongroom")
    (other / "photo.gif").write_bytes(b"GIF89a")
    view = _view(qtbot)
    for folder in (empty, other):
        card = _sync(qtbot, view, folder)
        text = card.summary.text()
        assert text.startswith("No supported documents in this folder. Strongroom reads .pdf, .docx"), text
        assert ".eml" in text and text.endswith(".")


def _pdf_with_a_scanned_page(path: Path) -> Path:
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(20, 20, 20, 20)))
    writer.setResolution(72)
    painter = QPainter(writer)
    painter.setFont(QFont("Sans", 12))
    painter.drawText(QRectF(0, 40, 500, 400), "Page 1. The tenant pays a deposit of three months rent.")
    writer.newPage()
    painter.fillRect(QRectF(0, 0, 400, 500), QColor("#777777"))  # a scan: an image, no text layer
    painter.end()
    return path


def test_a_library_lists_its_files_with_their_state(qtbot, tmp_path):
    settings = Settings()
    settings.set("libraries.max_file_mb", 1)
    settings.save()
    docs = tmp_path / "Client A"
    docs.mkdir()
    write_pdf(docs / "lease.pdf")
    _pdf_with_a_scanned_page(docs / "scanned.pdf")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n%%garbage that is not a pdf\n")
    (docs / "huge.txt").write_text("The deposit is three months of rent. " * 40000, encoding="utf-8")  # ~1.5 MB
    view = _view(qtbot, Services(Settings()))
    card = _sync(qtbot, view, docs)
    assert not card.files.isVisible()
    card.files_button.click()
    assert card.files.isVisible()
    qtbot.waitUntil(lambda: card.files.loaded, timeout=10000)
    rows = {Path(s.path).name: s for s in card.files.statuses}
    assert rows["lease.pdf"].state == "indexed" and rows["lease.pdf"].chunks > 0
    # Its scanned page was read by OCR, which found nothing on it: indexed, the page listed with why.
    assert rows["scanned.pdf"].state == "indexed"
    assert rows["scanned.pdf"].unreadable == ({"page": 2, "reason": "no text found (drawing or blank page)"},)
    assert rows["broken.pdf"].state == "failed" and rows["broken.pdf"].reason
    assert rows["huge.txt"].state == "too_large"
    shown = [card.files.item(i).text() for i in range(card.files.count())]
    assert "huge.txt \u2014 too large (1.4 MB); raise libraries.max_file_mb (now 1 MB) to include it" in shown
    assert any(t.startswith("broken.pdf \u2014 could not be read: ") for t in shown)
    assert "scanned.pdf \u2014 indexed; page 2: no text found (drawing or blank page)" in shown
    assert "lease.pdf \u2014 indexed" in shown


def test_the_folder_picker_remembers_the_last_place(qtbot, tmp_path):
    matters = tmp_path / "Matters"
    (matters / "Client B").mkdir(parents=True)
    view = _view(qtbot)
    opened_at = []

    def choose(folder):
        def pick():
            dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()),
                          None)
            if dialog is None:
                QTimer.singleShot(20, pick)
                return
            opened_at.append(Path(dialog.directory().absolutePath()))
            if folder is None:
                dialog.reject()
            else:
                dialog.setDirectory(str(folder))  # the user walks into the folder and chooses it
                dialog.accept()
        QTimer.singleShot(20, pick)

    choose(None)
    assert view.add_folder() is None
    choose(matters / "Client B")
    finished = []
    view.sync_finished.connect(lambda name, report: finished.append(name))
    lib = view.add_folder()
    assert lib is not None and lib.name == "Client B"
    qtbot.waitUntil(lambda: "Client B" in finished, timeout=180000)
    assert Settings().get("ui.last_folder") == str(matters)  # saved in the app's settings file
    choose(None)
    later = LibrariesView(Services())  # a later window, too
    qtbot.addWidget(later)
    later.add_folder()
    assert opened_at[0] == Path.home() and opened_at[2] == matters


def test_an_unread_page_of_an_e_mails_attachment_is_named_with_its_attachment():
    from app.core.library.sync_state import FileStatus
    from app.ui.library_files import file_words

    status = FileStatus("/mail/order.eml", "indexed", "", 3, (
        {"page": 2, "reason": "no text found (drawing or blank page)", "attachment": "signed-order.pdf"},))
    assert file_words(status) == ("order.eml \u2014 indexed; page 2 of attachment signed-order.pdf: "
                                  "no text found (drawing or blank page)")
