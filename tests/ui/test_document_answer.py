"""The newcomer's path in the real window: add a folder, ask about it, click the citation, land on the
cited PDF page. Real demo model, real embedding model, real Qdrant Edge shard, real PDF, the real
encrypted history."""
import pytest
from PySide6.QtCore import QUrl, Qt

from app.ui.services import warm_up
from tests.ui.conftest import saved_messages
from tests.ui.test_claim_marks import check_marks
from tests.ui.documents import PAGE_TEXT, write_pdf
from tests.ui.ui_thread_probe import UiThreadProbe
from tests.ui.window_helpers import answering_services, open_answering_window

pytestmark = pytest.mark.slow


def test_add_folder_ask_click_citation_opens_the_page(qtbot, tmp_path, demo_gguf, history_on):
    docs = tmp_path / "Okafor matter"
    docs.mkdir()
    write_pdf(docs / "lease.pdf")
    (docs / "memo.txt").write_text("The caretaker saw water leaking from the kitchen ceiling on 4 June.",
                                   encoding="utf-8")
    services = answering_services()
    warm_up()
    with UiThreadProbe() as probe:
        window = open_answering_window(qtbot, services)

        finished = []
        window.libraries_view.sync_finished.connect(lambda name, report: finished.append(report))
        window.libraries_view.add_folder(docs)
        qtbot.waitUntil(lambda: bool(finished), timeout=120000)
        assert finished[0].chunks > 0

        window.show_chat()
        # The library just added joins no open conversation (information barriers); a new conversation
        # is about it without the user finding its chip.
        assert window.controller.conversation.libraries == []
        window.new_action.trigger()
        assert window.chat.chips.selected() == ["Okafor matter"]
        window.chat.input.setPlainText("How much written notice is needed to terminate the agreement?")
        qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not window.controller.busy, timeout=120000)

    assert probe.calls == [], "\n".join(probe.calls)
    answer = window.chat.widgets[-1].message
    assert answer.text and not answer.error
    # Every answer from documents carries its claims; the rendered answer marks exactly the unsupported
    # ones, with the reason and the passages in their tooltips.
    assert answer.claims and "".join(c["text"] for c in answer.claims) == answer.text
    widget = window.chat.widgets[-1]
    check_marks(widget.text.document(), answer.claims, answer.sources)
    unsupported = sum(not c["supported"] for c in answer.claims)
    assert widget.check_note.isVisible() == bool(unsupported)
    if unsupported:
        assert f"{unsupported} of " in widget.check_note.text() or "This statement" in widget.check_note.text()
    first = answer.sources[0]
    assert first["file"] == str((docs / "lease.pdf").resolve()) and first["page"] == 3
    assert window.controller.conversation.libraries == ["Okafor matter"]
    # The sources pane lists what the answer was built from.
    assert window.sources.list.count() == len(answer.sources)

    # Click [1] in the rendered answer (the link the user clicks), land on page 3 with the passage selected.
    window.chat.widgets[-1].text.anchorClicked.emit(QUrl("cite:1"))
    viewer = window.sources.viewer
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=20000)
    assert viewer.current_page() == 3
    assert PAGE_TEXT[2].split()[0] in first["excerpt"]

    # Saved with its sources: reopening the conversation brings them back.
    title = window.controller.conversation.title
    model_id = services.loaded_model().id
    window.close()  # waits for the history writes still queued
    services.close()
    saved = saved_messages(title)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[-1].content == answer.text and saved[-1].sources[0]["page"] == 3
    assert saved[-1].claims == answer.claims  # sealed in the history's claims column, where export reads them
    # With the model's id and the timings, retrieval included, as the CLI's `ask --library` saves them.
    assert model_id and saved[-1].model == model_id
    assert set(saved[-1].timings) == {"retrieval_ms", "prompt_tokens", "ttft_ms", "tokens", "tokens_per_s"}
    assert saved[-1].timings["retrieval_ms"] > 0 and saved[-1].timings["tokens"] > 0
