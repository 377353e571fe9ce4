"""Library manager on disk, and the debounced folder watcher on real files."""
from __future__ import annotations

import json
import threading
import time

import pytest

from app.core.library.libraries import LibraryError, LibraryManager
from app.core.library.watcher import FolderWatcher


def test_create_rename_folders_globs_delete(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    m = LibraryManager()
    lib = m.create("  Smith   v Jones ", [a, a], include=["*.pdf"])
    assert lib.name == "Smith v Jones" and lib.folders == [str(a.resolve())]
    with pytest.raises(LibraryError, match="already exists"):
        m.create("smith v jones")
    with pytest.raises(LibraryError, match="not a folder"):
        m.create("Other", [tmp_path / "missing"])
    with pytest.raises(LibraryError, match="needs a name"):
        m.create("   ")
    m.add_folders("Smith v Jones", [b])
    m.set_globs("Smith v Jones", exclude=["drafts"])
    renamed = m.rename("smith v jones", "Smith (2024)")
    assert renamed.id == lib.id and renamed.root == lib.root  # a rename never moves the index
    again = LibraryManager().get("SMITH (2024)")
    assert again.folders == [str(a.resolve()), str(b.resolve())]
    assert (again.include, again.exclude) == (["*.pdf"], ["drafts"])
    m.remove_folders("Smith (2024)", [a])
    assert m.get("Smith (2024)").folders == [str(b.resolve())]
    with pytest.raises(LibraryError, match="not one of the folders"):
        m.remove_folders("Smith (2024)", [a])
    stats = m.stats(again)
    assert (stats.files, stats.chunks, stats.last_sync) == (0, 0, None)
    (again.root / "shard").mkdir()
    m.delete("Smith (2024)")
    assert not again.root.exists() and m.list() == []
    assert a.exists() and b.exists()
    with pytest.raises(LibraryError, match="no library named"):
        m.get("Smith (2024)")


def test_hostile_library_files_are_skipped_not_fatal(tmp_path):
    m = LibraryManager()
    good = m.create("Good")
    (m.root / "junk").mkdir()
    (m.root / "junk" / "library.json").write_bytes(b"\xff\xfe{not json")
    (m.root / "wrongtype").mkdir()
    (m.root / "wrongtype" / "library.json").write_text(json.dumps(["a", "list"]))
    (m.root / "stray.txt").write_text("x")
    (good.root / "sync.sqlite3").write_bytes(b"this is not a database")
    assert [lib.name for lib in m.list()] == ["Good"]
    assert m.stats(m.get("Good")).files == 0


def test_watcher_debounces_a_burst_into_one_call(tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    m = LibraryManager()
    lib = m.create("Watched", [folder])
    calls: list[tuple[str, float]] = []
    fired = threading.Event()

    def on_change(name):
        calls.append((name, time.monotonic()))
        fired.set()

    w = FolderWatcher(on_change, debounce=0.5)
    w.start()
    try:
        assert w.watch(lib) == []
        (folder / ".hidden-temp").write_text("ignored")
        time.sleep(0.8)
        assert calls == []  # hidden and lock files do not trigger a sync
        last = 0.0
        for i in range(10):
            (folder / f"f{i}.txt").write_text("x" * i)
            last = time.monotonic()
            time.sleep(0.05)
        assert fired.wait(5)
        time.sleep(0.8)
        assert [c[0] for c in calls] == ["Watched"]
        assert calls[0][1] - last >= 0.45
        w.unwatch("Watched")
        (folder / "after.txt").write_text("y")
        time.sleep(0.8)
        assert len(calls) == 1
    finally:
        w.stop()
