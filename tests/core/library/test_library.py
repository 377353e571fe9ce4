"""Library manager on disk, and the debounced folder watcher on real files."""
from __future__ import annotations

import json
import threading
from pathlib import Path

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


class Calls:
    """The watcher's callback: records (library, files in its folder at that moment) and wakes waiters."""

    def __init__(self, folders: dict[str, Path]):
        self.folders = folders
        self.seen: list[tuple[str, list[str]]] = []
        self._cond = threading.Condition()

    def __call__(self, name: str) -> None:
        with self._cond:
            self.seen.append((name, sorted(p.name for p in self.folders[name].iterdir())))
            self._cond.notify_all()

    def names(self) -> list[str]:
        with self._cond:
            return [name for name, _ in self.seen]

    def wait_for(self, count: int, timeout: float = 60) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.seen) >= count, timeout), f"only {self.seen}"


def test_watcher_debounces_a_burst_into_one_call(tmp_path):
    """Order, not time: a second library ("Sentinel") is written to after each step, and its own call
    is awaited. A call the step should not have caused would have started its timer first and come
    before the sentinel's."""
    folder, sentinel = tmp_path / "watched", tmp_path / "sentinel"
    folder.mkdir()
    sentinel.mkdir()
    m = LibraryManager()
    lib, other = m.create("Watched", [folder]), m.create("Sentinel", [sentinel])
    calls = Calls({"Watched": folder, "Sentinel": sentinel})

    def mark(n: int) -> None:
        (sentinel / f"mark{n}.txt").write_text(str(n))

    w = FolderWatcher(calls, debounce=1.0)
    w.start()
    try:
        assert w.watch(lib) == [] and w.watch(other) == []
        # hidden, temporary and lock files do not trigger a sync
        for name in (".hidden-temp", "~$letter.docx", ".~lock.lease.odt#"):
            (folder / name).write_text("ignored")
        mark(1)
        calls.wait_for(1)
        mark(2)
        calls.wait_for(2)
        assert calls.names() == ["Sentinel", "Sentinel"]

        # a burst of ten writes: one call, made after the last of them
        for i in range(10):
            (folder / f"f{i}.txt").write_text("x" * i)
        calls.wait_for(3)
        mark(3)
        calls.wait_for(4)
        assert calls.names() == ["Sentinel", "Sentinel", "Watched", "Sentinel"]
        assert [f for f in calls.seen[2][1] if f.startswith("f")] == [f"f{i}.txt" for i in range(10)]

        # an unwatched library is not called again
        w.unwatch("Watched")
        (folder / "after.txt").write_text("y")
        mark(4)
        calls.wait_for(5)
        mark(5)
        calls.wait_for(6)
        assert calls.names() == ["Sentinel", "Sentinel", "Watched", "Sentinel", "Sentinel", "Sentinel"]
    finally:
        w.stop()
