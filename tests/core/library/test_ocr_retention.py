"""The OCR cache keeps only the pages of files some library holds; a library state it cannot read
stops the pruning rather than letting it guess."""
from __future__ import annotations

from app.core.library.ingest.ocr import OcrPage
from app.core.library.ocr_cache import OcrCache
from app.core.library.ocr_retention import cache_path, prune
from app.core.library.sync_state import SyncState


def _cache_with(*keys: str) -> None:
    cache = OcrCache()
    for key in keys:
        cache.put(key, 1, OcrPage(f"text of {key}"))
    cache.close()


def _keys() -> set[str]:
    cache = OcrCache()
    try:
        return {k for (k,) in cache.con.execute("SELECT hash FROM pages")}
    finally:
        cache.close()


def _state(path, *hashes: str):
    state = SyncState(path)
    for n, content_hash in enumerate(hashes):
        state.mark_in_progress(f"/docs/{n}.pdf", 10, 1, content_hash, 1, "pdf", [1])
    state.commit()
    state.close()
    return path


def test_pages_of_files_no_library_holds_are_deleted(tmp_path):
    _cache_with("kept-by-one", "kept-by-two", "orphan")
    states = [_state(tmp_path / "one.sqlite3", "kept-by-one"), _state(tmp_path / "two.sqlite3", "kept-by-two"),
              tmp_path / "never-synced.sqlite3"]
    assert prune(states) == 1
    assert _keys() == {"kept-by-one", "kept-by-two"}
    assert b"text of orphan" not in cache_path().read_bytes()


def test_an_unreadable_library_state_stops_the_pruning(tmp_path):
    _cache_with("kept", "orphan")
    garbage = tmp_path / "broken.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    assert prune([_state(tmp_path / "one.sqlite3", "kept"), garbage]) is None
    assert _keys() == {"kept", "orphan"}  # nothing deleted on a guess


def test_no_cache_yet_is_nothing_to_do(tmp_path):
    assert not cache_path().exists()
    assert prune([tmp_path / "none.sqlite3"]) == 0 and not cache_path().exists()


def test_an_e_mail_attachments_pages_live_as_long_as_the_e_mail(tmp_path):
    _cache_with("mail-1/attachment-a", "mail-2/attachment-a", "attachment-a")
    assert prune([_state(tmp_path / "one.sqlite3", "mail-1")]) == 2
    assert _keys() == {"mail-1/attachment-a"}
