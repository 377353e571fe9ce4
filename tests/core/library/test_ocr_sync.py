"""The sync's OCR pass on real files, the real OCR engine, embedding model and shard: after the text
files, with its own progress; a cancel leaves nothing half-written and the next sync finishes it."""
from __future__ import annotations

import threading

import pytest

from app.core.foundation.settings import Settings
from app.core.library.libraries import LibraryManager
from app.core.library.sync import open_library_store, sync_library
from app.core.library.sync_state import SyncState, read_files
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)
from tests.helpers.scans import render_page, save_pdf, save_tiff

pytestmark = pytest.mark.slow


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "matter"
    root.mkdir()
    (root / "memo.txt").write_text("Memo on the escrow account and the closing date.", encoding="utf-8")
    pages = [render_page([line], height_in=1.2)[0] for line in (
        "The arbitration clause names Stockholm as the seat.",
        "The supplier delivered four hundred crates of walnuts.",
        "Witness statement of the harbour master in Gdańsk.")]
    save_pdf(pages[:2], root / "exhibits.pdf")
    save_tiff(pages[2:] + pages[:1], root / "fax.tif")
    return root


def _search(lib, embedder, text):
    store = open_library_store(lib, embedder.dimensions)
    try:
        return [h.payload["file_name"] for h in store.search_hybrid(embedder.embed_query(text), text, 3)]
    finally:
        store.close()


def test_ocr_pass_follows_the_text_files_and_a_cancel_is_finished_next_time(folder, embedder):
    lib = LibraryManager().create("Scans", [folder])
    cancel = threading.Event()
    seen = []

    def progress(p):
        seen.append((p.phase, p.ocr_pages_done, p.ocr_pages_total))
        if p.phase == "ocr" and p.ocr_pages_done >= 1:
            cancel.set()

    first = sync_library(lib, embedder, progress=progress, cancel=cancel)
    phases = [phase for phase, _, _ in seen]
    assert first.cancelled and phases.index("indexing") < phases.index("ocr")
    assert max(total for _, _, total in seen) == 4
    assert sorted(first.indexed) == sorted(str(p) for p in folder.iterdir())  # text pass: every file
    state = SyncState(lib.state_db)
    assert state.con.execute("SELECT COUNT(*) FROM files WHERE status != 'ok'").fetchone()[0] == 0
    waiting = dict(state.con.execute("SELECT path, needs_ocr FROM files WHERE needs_ocr != '[]'").fetchall())
    state.close()
    assert sorted(waiting) == sorted(str(folder / n) for n in ("exhibits.pdf", "fax.tif"))

    second = sync_library(lib, embedder)
    assert not second.cancelled and sorted(second.scanned) == sorted(waiting) and second.needs_ocr == []
    assert second.ocr_pages == 4 and second.unreadable == []
    assert {s.state for s in read_files(lib.state_db)} == {"indexed"}
    assert _search(lib, embedder, "crates of walnuts delivered")[0] == "exhibits.pdf"
    assert _search(lib, embedder, "harbour master witness statement")[0] == "fax.tif"
    assert sync_library(lib, embedder).scanned == []  # read once


def test_with_ocr_off_scans_are_listed_as_needing_it(folder, embedder):
    settings = Settings()
    settings.set("ocr.enabled", False)
    lib = LibraryManager().create("NoOcr", [folder])
    report = sync_library(lib, embedder, settings=settings)
    assert report.scanned == [] and sorted(n["file"] for n in report.needs_ocr) == sorted(
        str(folder / n) for n in ("exhibits.pdf", "fax.tif"))
    states = {s.path: s.state for s in read_files(lib.state_db)}
    assert states[str(folder / "fax.tif")] == "needs_ocr" and states[str(folder / "memo.txt")] == "indexed"
