"""Whole-document work in the real window, offscreen: Extract table… on a library fills a sortable
table off the UI thread, a click opens the document at the quote, a correction is marked; unverified
values are flagged; Summarize on a document reads it part by part and saves the summary as a
conversation. Real demo model, real files, the real encrypted history."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl

from app.ui import markdown_render
from app.ui.extraction_table import CORRECTED, FLAG_COLOUR, UNVERIFIED, ExtractionModel, sortable
from app.ui.services import warm_up
from app.ui.services.whole_documents import Cell, Field, Row, corrected_cell
from tests.ui.conftest import saved_messages, saved_table
from tests.ui.ui_thread_probe import UiThreadProbe
from tests.ui.window_helpers import answering_services, index_folder, open_answering_window

FIELDS = '[[field]]\nname = "governing_law"\ntype = "string"\ndescription = "The law that governs it"\n' \
         '[[field]]\nname = "years"\ntype = "integer"\ndescription = "How many years it lasts"\n'


def test_table_flags_unverified_marks_corrections_sorts_and_refuses_wrong_types(qtbot):
    fields = [Field("governing_law", "string"), Field("years", "integer")]
    model = ExtractionModel(fields, corrected_cell)
    model.add_row(Row("/m/b.txt", {"governing_law": Cell("Scotland", "laws of Scotland", 2, True), "years": Cell(3, "x")}))
    model.add_row(Row("/m/a.txt", {"governing_law": Cell("France", "laws of Mars", None, False, "not in the document"),
                                   "years": Cell()}))
    proxy = sortable(model)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(2)] == ["a.txt", "b.txt"]
    law_a = proxy.index(0, 1)
    assert law_a.data() == UNVERIFIED + "France" and law_a.data(Qt.ItemDataRole.BackgroundRole) == FLAG_COLOUR
    assert "laws of Mars" in law_a.data(Qt.ItemDataRole.ToolTipRole)
    assert proxy.index(1, 1).data() == "Scotland" and proxy.index(1, 1).data(Qt.ItemDataRole.BackgroundRole) is None
    refused = []
    model.refused.connect(refused.append)
    assert not proxy.setData(proxy.index(0, 2), "ten")  # not an integer: refused with the reason
    assert refused and "not a valid integer" in refused[0]
    assert proxy.setData(proxy.index(0, 2), "10")
    cell = model.rows[1].values["years"]
    assert cell.value == 10 and cell.corrected and not cell.verified and proxy.index(0, 2).data() == CORRECTED + "10"


@pytest.mark.slow
def test_extract_table_and_summarize_in_the_window(qtbot, tmp_path, demo_gguf, history_on):
    docs = tmp_path / "Lease matter"
    docs.mkdir()
    (docs / "lease.txt").write_text("This Lease is governed by the laws of Scotland. It lasts for 5 years.\n",
                                    encoding="utf-8")
    (docs / "nda.txt").write_text("This Agreement is governed by the laws of France for 2 years.\n", encoding="utf-8")
    fields = tmp_path / "fields.toml"
    fields.write_text(FIELDS, encoding="utf-8")
    services = answering_services()
    warm_up()
    with UiThreadProbe() as probe:
        window = open_answering_window(qtbot, services)
        intakes = []
        window.libraries_view.intake_done.connect(intakes.append)
        name = index_folder(qtbot, window, docs)
        # An intake profile: the next sync adds each document's row to the table once.
        intake_out = tmp_path / "intake.jsonl"
        services.library_manager().set_extraction(name, str(fields), str(intake_out))
        window.libraries_view.start_sync(name)
        qtbot.waitUntil(lambda: bool(intakes), timeout=120000)
        assert len(intakes[0].added) == 2 and intake_out.read_text().count("\n") == 2
        card = window.libraries_view.cards[name]
        assert card.extract.text() == "Extract table\u2026"
        dialog = window.libraries_view.open_extraction(name)
        qtbot.addWidget(dialog)
        dialog.start(str(fields))
        qtbot.waitUntil(lambda: "documents;" in dialog.status.text(), timeout=180000)
        model = dialog.model
        assert sorted(r.file.rsplit("/", 1)[-1] for r in model.rows) == ["lease.txt", "nda.txt"]
        assert all(r.schema_valid for r in model.rows)
        for row in model.rows:  # every value shown is flagged unless its quote was found
            for i, f in enumerate(model.fields, start=1):
                cell = row.values[f.name]
                shown = model.data(model.index(model.rows.index(row), i))
                assert shown == "" if cell.value is None else (shown.startswith(UNVERIFIED) != cell.verified)
        dialog.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        first = dialog.table.model().index(0, 1)
        assert dialog.table.model().index(0, 0).data().startswith("nda.txt")
        dialog.show_cell(first)
        assert str(dialog.viewer.path).endswith("nda.txt")
        out = tmp_path / "table.csv"
        dialog.export(str(out))
        qtbot.waitUntil(lambda: "Exported" in dialog.status.text(), timeout=20000)
        assert out.read_text(encoding="utf-8-sig").count("\n") == 3
        dialog.close()
        reopened = window.libraries_view.open_extraction(name)  # the last table, kept
        qtbot.addWidget(reopened)
        assert [r.file for r in reopened.model.rows] == [r.file for r in model.rows]
        assert "Table extracted" in reopened.status.text() and "stopped" not in reopened.status.text()
        # Update: only what was added or changed is read; the other rows keep their corrections.
        proxy = reopened.table.model()
        lease_at = next(r for r in range(2) if proxy.index(r, 0).data().startswith("lease.txt"))
        assert proxy.setData(proxy.index(lease_at, 2), "7")
        (docs / "nda.txt").write_text("This Agreement is governed by the laws of Norway for 4 years.\n",
                                      encoding="utf-8")
        (docs / "loan.txt").write_text("This Loan is governed by the laws of Ireland for 6 years.\n", encoding="utf-8")
        assert not reopened.update_button.isHidden()
        reopened.update_table()
        qtbot.waitUntil(lambda: "values backed" in reopened.status.text(), timeout=180000)
        assert "3 documents (2 read, the others kept)" in reopened.status.text()
        rows = {r.file.rsplit("/", 1)[-1]: r for r in reopened.model.rows}
        assert sorted(rows) == ["lease.txt", "loan.txt", "nda.txt"]
        assert rows["lease.txt"].values["years"].value == 7 and rows["lease.txt"].values["years"].corrected

        qtbot.waitUntil(lambda: not window.libraries_view.running, timeout=120000)
        card = window.libraries_view.cards[name]  # the card as it is now (a sync after the new file redraws it)
        card.toggle_files(True)
        qtbot.waitUntil(lambda: card.files.loaded, timeout=20000)
        summary = card.files.summarize(str(docs / "lease.txt"))
        qtbot.addWidget(summary)
        qtbot.waitUntil(lambda: summary.summary is not None, timeout=120000)
        assert summary.summary.text and "saved" in summary.status.text()
        # shown as an answer is: statements the document does not back counted under the summary
        check = markdown_render.check_summary(summary.summary.claims)
        assert summary.check_note.isVisible() == bool(check) and (not check or check in summary.check_note.text())
        if summary.summary.sources:
            first = summary.summary.sources[0]["n"]
            summary.text.anchorClicked.emit(QUrl(f"{markdown_render.CITE_SCHEME}:{first}"))
            assert str(summary.sources.viewer.path).endswith("lease.txt")
        qtbot.waitUntil(lambda: any(c.title == "Summary of lease.txt" for c in window.keeper.list()), timeout=20000)
    assert probe.calls == [], "\n".join(probe.calls)
    window.close()  # waits for the history writes still queued
    services.close()
    kept = saved_table(services.library_manager().get(name).id)
    assert kept.complete and len(kept.rows) == 3 and [f.name for f in kept.fields] == ["governing_law", "years"]
    assert sorted(kept.hashes) == sorted(str(docs / n) for n in ("lease.txt", "loan.txt", "nda.txt"))
    saved = saved_messages("Summary of lease.txt")
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[1].content == summary.summary.text and saved[1].sources == summary.summary.sources
