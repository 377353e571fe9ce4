"""A library's last extracted table outlives the dialog and the window: the real window, offscreen,
on the real encrypted history. Reopened, it shows the rows and the hand corrections; a correction is
saved at once; removing the library removes its table; history off keeps it for the session only."""
from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.documents.saved_table import SavedTable
from app.ui.extraction_dialog import MAX_COLUMN_PX
from app.ui.extraction_table import CORRECTED
from app.ui.main_window import MainWindow
from app.ui.services import Services
from app.ui.services.whole_documents import Cell, Field, Row
from tests.ui.conftest import saved_table
from tests.ui.ui_thread_probe import UiThreadProbe

FIELDS = [Field("governing_law", "string", "The law that governs it"), Field("years", "integer")]


def _window(qtbot, services: Services, history: bool = True) -> MainWindow:
    window = MainWindow(services, warm_up=False, auto_load=False, open_history=history)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.keeper.ready, timeout=30000)
    return window


def _table(docs) -> SavedTable:
    rows = [Row(str(docs / "lease.txt"), {"governing_law": Cell("Scotland", "laws of Scotland", 1, True),
                                          "years": Cell(5, "5 years", 1, True)}),
            Row(str(docs / "nda.txt"), {"governing_law": Cell("France", "laws of Mars", None, False, "not found"),
                                        "years": Cell()})]
    return SavedTable("contract-basics", FIELDS, rows, complete=False)


def test_the_last_table_and_its_corrections_come_back_and_leave_with_the_library(qtbot, tmp_path, history_on):
    docs = tmp_path / "Lease matter"
    docs.mkdir()
    (docs / "lease.txt").write_text("Governed by the laws of Scotland for 5 years.", encoding="utf-8")
    services = Services()
    lib = services.library_manager().create("Lease matter", [docs])
    window = _window(qtbot, services)
    window.keeper.save_table(lib.id, _table(docs))
    window.close()
    services.close()

    services = Services()
    with UiThreadProbe() as probe:
        window = _window(qtbot, services)
        dialog = window.libraries_view.open_extraction("Lease matter")
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.model is not None and len(dialog.model.rows) == 2, timeout=20000)
        assert "stopped before the last document: 2 documents" in dialog.status.text()
        assert dialog.export_button.isEnabled() and dialog.start_button.text() == "Extract again"
        assert dialog.fields_box.currentText() == "contract-basics"
        header = dialog.table.horizontalHeader()  # columns fit their names and values, within a cap
        assert all(header.fontMetrics().horizontalAdvance(dialog.model.headerData(i, Qt.Orientation.Horizontal))
                   <= header.sectionSize(i) <= MAX_COLUMN_PX for i in range(header.count()))
        proxy = dialog.table.model()
        row = next(r for r in range(2) if proxy.index(r, 0).data().startswith("nda.txt"))
        assert proxy.setData(proxy.index(row, 2), "3")
        assert proxy.index(row, 2).data() == CORRECTED + "3"
        dialog.close()
        again = window.libraries_view.open_extraction("Lease matter")  # from memory: the correction is there
        qtbot.addWidget(again)
        assert again.model is not None and again.model.rows[1].values["years"].value == 3
        window.keeper.flush(20)
    assert probe.calls == [], "\n".join(probe.calls)
    window.close()
    services.close()
    saved = saved_table(lib.id)
    years = saved.rows[1].values["years"]
    assert (years.value, years.corrected, years.verified) == (3, True, False)
    assert saved.rows[0].values["governing_law"].quote == "laws of Scotland"

    services = Services()
    window = _window(qtbot, services)
    window.libraries_view.remove("Lease matter")
    window.close()
    services.close()
    assert saved_table(lib.id) is None


def test_with_the_history_off_the_table_lasts_the_session_only(qtbot, tmp_path):
    docs = tmp_path / "Matter"
    docs.mkdir()
    services = Services()
    lib = services.library_manager().create("Matter", [docs])
    window = _window(qtbot, services, history=False)
    assert not window.keeper.persistent
    window.keeper.save_table(lib.id, _table(docs))
    dialog = window.libraries_view.open_extraction("Matter")
    qtbot.addWidget(dialog)
    assert dialog.model is not None and len(dialog.model.rows) == 2  # in memory: shown at once
    window.close()
    services.close()
    services = Services()
    window = _window(qtbot, services, history=False)
    fresh = window.libraries_view.open_extraction("Matter")
    qtbot.addWidget(fresh)
    window.keeper.flush(20)
    qtbot.wait(50)
    assert fresh.model is None and "Choose the fields" in fresh.status.text()
    window.close()
    services.close()


def test_a_table_being_extracted_is_kept_every_ten_rows(qtbot, tmp_path):
    from app.ui.extraction_dialog import SAVE_EVERY_ROWS

    docs = tmp_path / "Matter"
    docs.mkdir()
    services = Services()
    services.library_manager().create("Matter", [docs])
    window = _window(qtbot, services, history=False)
    dialog = window.libraries_view.open_extraction("Matter")
    qtbot.addWidget(dialog)
    lib_id = dialog.lib.id
    dialog._use_model(FIELDS, "contract-basics")  # as start() does, without a model to run
    for n in range(1, 2 * SAVE_EVERY_ROWS + 4):
        dialog._progress(("row", Row(str(docs / f"doc{n}.txt"), {"years": Cell(n)})))
        kept = window.keeper.tables.get(lib_id)
        assert (len(kept.rows) if kept else 0) == n // SAVE_EVERY_ROWS * SAVE_EVERY_ROWS
    assert not kept.complete  # still being extracted
    window.close()
    services.close()
