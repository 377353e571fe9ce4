"""The sync's OCR pass on real files, the real OCR engine, embedding model and shard: after the text
files, with its own progress; a cancel leaves nothing half-written and the next sync finishes it."""
from __future__ import annotations

import threading

import pytest

from app.core.foundation.settings import Settings
from app.core.library.content_ids import file_hash
from app.core.library.libraries import LibraryManager
from app.core.library.ocr_cache import OcrCache
from app.core.library.sync import open_library_store, sync_library
from app.core.library.sync_state import SyncState, read_files
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)
from tests.helpers.scans import email_with_pdfs, render_page, save_pdf, save_tiff

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


def test_pages_over_the_cap_are_read_once_the_cap_is_raised(tmp_path, embedder):
    root = tmp_path / "bundle"
    root.mkdir()
    pages = [render_page([line], height_in=1.2)[0] for line in (
        "The arbitration clause names Stockholm as the seat.",
        "The supplier delivered four hundred crates of walnuts.",
        "Witness statement of the harbour master in Gdańsk.")]
    save_pdf(pages, root / "exhibits.pdf")
    settings = Settings()
    settings.set("ocr.max_pages_per_file", 2)
    lib = LibraryManager().create("Capped", [root])

    first = sync_library(lib, embedder, settings=settings)
    assert first.ocr_pages == 2
    [status] = read_files(lib.state_db)
    assert [(u["page"], u["cap"]) for u in status.unreadable] == [(3, 2)]
    assert sync_library(lib, embedder, settings=settings).scanned == []  # same cap: nothing to read again

    settings.set("ocr.max_pages_per_file", 5)
    totals = []
    raised = sync_library(lib, embedder, settings=settings, progress=lambda p: totals.append(p.ocr_pages_total))
    assert raised.scanned == [str(root / "exhibits.pdf")] and raised.unreadable == []
    assert max(totals) == 3 and raised.ocr_pages == 3  # the two pages read before come from the cache
    [status] = read_files(lib.state_db)
    assert status.state == "indexed" and status.unreadable == ()
    assert _search(lib, embedder, "harbour master witness statement")[0] == "exhibits.pdf"
    assert sync_library(lib, embedder, settings=settings).scanned == []


def _cache_bytes() -> bytes:
    from app.core.library.ocr_retention import cache_path

    parts = [cache_path(), cache_path().with_name(cache_path().name + "-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def test_what_ocr_read_is_deleted_once_no_library_holds_the_file(tmp_path, embedder):
    words = "Settlement offer of nine thousand florins to the harbour master."
    scan = render_page([words], height_in=1.2)[0]
    folders = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        save_pdf([scan], folder / "offer.pdf")  # the same content in two libraries
        folders.append(folder)
    manager = LibraryManager()
    one, two = manager.create("One", [folders[0]]), manager.create("Two", [folders[1]])
    assert sync_library(one, embedder).ocr_pages == sync_library(two, embedder).ocr_pages == 1
    assert b"florins" in _cache_bytes()

    (folders[0] / "offer.pdf").unlink()
    assert sync_library(one, embedder).removed == [str(folders[0] / "offer.pdf")]
    assert b"florins" in _cache_bytes()  # library Two still holds it

    manager.delete("Two")
    assert b"florins" not in _cache_bytes()  # overwritten, not only unlinked from the table


def test_a_scanned_attachment_of_an_e_mail_is_read_by_the_ocr_pass(tmp_path, embedder):
    root = tmp_path / "mail"
    root.mkdir()
    scan = save_pdf([render_page(["The court orders the sale of the vessel Aurora."], height_in=1.2)[0]],
                    tmp_path / "scan.pdf")
    (root / "order.eml").write_bytes(email_with_pdfs({"signed-order.pdf": scan.read_bytes()}))
    settings = Settings()
    settings.set("ocr.enabled", False)
    lib = LibraryManager().create("Mail", [root])
    sync_library(lib, embedder, settings=settings)
    [waiting] = read_files(lib.state_db)
    assert (waiting.state, waiting.reason) == ("needs_ocr", "1 scanned page in its attachments")

    report = sync_library(lib, embedder)  # OCR on again
    assert report.scanned == [str(root / "order.eml")] and report.ocr_pages == 1
    assert [s.state for s in read_files(lib.state_db)] == ["indexed"]
    assert _search(lib, embedder, "sale of the vessel Aurora ordered by the court")[0] == "order.eml"

    mail_key = file_hash(str(root / "order.eml"))

    def attachment_pages() -> int:  # kept under the e-mail's key, which the library's state lists
        cache = OcrCache()
        try:
            return cache.con.execute("SELECT COUNT(*) FROM pages WHERE hash LIKE ?", (mail_key + "/%",)).fetchone()[0]
        finally:
            cache.close()

    (root / "note.txt").write_text("A note on the auction of the vessel.", encoding="utf-8")
    assert sync_library(lib, embedder).indexed == [str(root / "note.txt")]  # a sync that prunes
    assert attachment_pages() == 1
    (root / "order.eml").unlink()
    sync_library(lib, embedder)
    assert attachment_pages() == 0
