"""Each answer keeps its own sources, and File › Export conversation writes them: the real window (no
history: session only), the real demo model, a real library of a PDF and a Word file."""
import re
from datetime import datetime

import pytest
from docx import Document
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.ui import export_action
from app.ui.main_window import MainWindow
from app.ui.services import warm_up
from app.ui.sources_pane import LIST_MIN_HEIGHT
from tests.ui.documents import write_pdf
from tests.ui.window_helpers import answering_services

pytestmark = pytest.mark.slow


def _ask(qtbot, window, question: str):
    window.chat.input.setPlainText(question)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=120000)
    return window.chat.widgets[-1]


def test_answers_keep_their_sources_and_the_window_exports_them(qtbot, tmp_path, demo_gguf):
    docs = tmp_path / "Okafor matter"
    docs.mkdir()
    write_pdf(docs / "lease.pdf")
    services = answering_services()
    warm_up()
    window = MainWindow(services, warm_up=False, auto_load=True, open_history=False)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitUntil(lambda: window.model_label.text().startswith("Model:"), timeout=60000)
    finished = []
    window.libraries_view.sync_finished.connect(lambda name, report: finished.append(report))
    window.libraries_view.add_folder(docs)
    qtbot.waitUntil(lambda: bool(finished), timeout=120000)
    window.ask_library("Okafor matter")
    assert not window.services.conversations.persistent  # session only: nothing is saved

    first = _ask(qtbot, window, "How much written notice is needed to terminate the agreement?")
    sources = first.message.sources
    assert sources and not first.message.error
    # Under the answer: "Sources (n)", collapsed until clicked.
    assert first.sources_list.isVisible() and first.sources_list.toggle.text() == f"Sources ({len(sources)})"
    assert not first.sources_list.body.isVisible()
    # Nothing in the library is about this (long and standing on its own: not read as a follow-up).
    second = _ask(qtbot, window, "Which chemical element has the highest melting point among all the known "
                                 "metallic elements measured by physicists so far?")
    assert second.message.sources == [] and not second.sources_list.isVisible()
    assert window.sources.sources == []  # the pane follows the latest answer...
    assert "earlier answer" in window.sources.empty.text()
    assert first.sources_list.isVisible()  # ...and the first answer keeps its own list

    # Clicking the earlier answer shows its sources in the pane.
    qtbot.mouseClick(first.text.viewport(), Qt.MouseButton.LeftButton)
    assert [s["n"] for s in window.sources.sources] == [s["n"] for s in sources]
    assert window.sources.list.count() == len(sources) and window.sources.which.text() == "Sources of answer 1 of 2"

    # Opening the list and a passage in it opens the viewer at the page; the list stays usable beside it.
    qtbot.mouseClick(first.sources_list.toggle, Qt.MouseButton.LeftButton)
    assert first.sources_list.body.isVisible() and len(first.sources_list.rows) == len(sources)
    first.sources_list.rows[0].linkActivated.emit(f"source:{sources[0]['n']}")
    viewer = window.sources.viewer
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=20000)
    assert viewer.current_page() == sources[0]["page"]
    assert window.sources.list.isVisible() and window.sources.list.height() >= LIST_MIN_HEIGHT
    assert window.sources.width() >= 0.4 * window.width() - 20  # room to read the page at 1440x900
    assert viewer.zoom_factor() > 0.6  # fit to width: an A4 page at a readable size

    # Another answer's sources: the viewer closes rather than show a document of the first answer.
    qtbot.mouseClick(second.text.viewport(), Qt.MouseButton.LeftButton)
    assert viewer.path is None and not viewer.isVisible()
    assert window.sources.which.text() == "" and "Answer 2 has no sources" in window.sources.empty.text()

    # File › Export conversation…, Markdown.
    window.export_menu_action.trigger()
    dialog = window.export_dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    target = tmp_path / "exports" / "termination"
    target.parent.mkdir()
    dialog.selectNameFilter("Markdown (*.md)")
    dialog.filterSelected.emit("Markdown (*.md)")
    dialog.selectFile(str(target))
    dialog.accept()
    md_path = target.with_suffix(".md")
    qtbot.waitUntil(md_path.exists, timeout=20000)
    qtbot.waitUntil(lambda: "Exported to" in window.statusBar().currentMessage(), timeout=20000)
    md = md_path.read_text(encoding="utf-8")
    answer = first.message
    when = datetime.fromtimestamp(answer.created).strftime("%Y-%m-%d %H:%M")
    assert "How much written notice is needed to terminate the agreement?" in md
    assert f"### Answer ({when}, model: SmolLM2 135M Instruct (demo) [{answer.model}])" in md
    assert "Caveat: written by the built-in demo model" in md
    lease = str((docs / "lease.pdf").resolve())
    assert f"{lease}, page {sources[0]['page']}" in md and sources[0]["excerpt"][:40] in md
    unsupported = [c for c in answer.claims if not c["supported"]]
    assert md.count("\u26a0 check:") == len(unsupported)
    if unsupported:
        assert "not backed by the sources" in md
    assert re.search(r"Exported from Strongroom on \d{4}-\d\d-\d\d \d\d:\d\d", md)

    # Word, straight to a path (what the dialog does once a file is chosen).
    task = export_action.export_to(window, tmp_path / "exports" / "termination.docx")
    assert task.wait(30000)
    qtbot.waitUntil(lambda: (tmp_path / "exports" / "termination.docx").exists(), timeout=20000)
    paragraphs = [p.text for p in Document(str(tmp_path / "exports" / "termination.docx")).paragraphs]
    assert any(p.startswith(f"[{sources[0]['n']}] {lease}, page {sources[0]['page']}") for p in paragraphs)
    assert any(f"model: SmolLM2 135M Instruct (demo) [{answer.model}]" in p for p in paragraphs)
    assert sum(p.count("\u26a0 check:") for p in paragraphs) == len(unsupported)
    window.close()
