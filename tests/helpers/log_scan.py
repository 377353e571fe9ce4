"""Finds secret phrases in files on disk: logs, databases, their -wal/-shm companions, anything.

Each phrase is looked for as UTF-8 and as UTF-16 (both byte orders), the encodings SQLite and
Windows tools write text in.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


def find_phrases(root: Path, phrases: list[str] | tuple[str, ...]) -> list[tuple[Path, str, str]]:
    """Every (file, phrase, encoding) found under root; an empty list means none leaked."""
    needles = [(p, enc, p.encode(enc)) for p in phrases for enc in ENCODINGS]
    hits = []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        hits.extend((path, phrase, enc) for phrase, enc, needle in needles if needle in data)
    return hits


def scan_logs(phrases: list[str] | tuple[str, ...]) -> list[tuple[Path, str, str]]:
    """Phrases found in the log dir of the current STRONGROOM_HOME (after flushing our handlers)."""
    import logging

    from app.core.foundation import paths

    for handler in logging.getLogger().handlers:
        handler.flush()
    return find_phrases(paths.log_dir(), phrases)


def assert_absent(root: Path, phrases: list[str] | tuple[str, ...]) -> None:
    hits = find_phrases(root, phrases)
    assert not hits, "confidential text found on disk: " + "; ".join(f"{p} has {ph!r} ({e})" for p, ph, e in hits)


@pytest.fixture
def debug_log():
    """Everything anything logs, at DEBUG (stricter than the app's INFO), into this test's log dir."""
    import logging

    from app.core.foundation import paths

    handler = logging.FileHandler(paths.log_dir() / "strongroom.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield paths.log_dir()
    root.removeHandler(handler)
    root.setLevel(old)
    handler.close()
