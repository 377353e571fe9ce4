"""A real, small filesystem that a test can fill up: a tmpfs mounted for the test, unmounted after it.

Mounting needs root (so does switching to an unprivileged user: `unavailable` serves both). Outside
CI a test that needs it is skipped with the reason; in CI (CI=true, where the suite runs as root) it
fails instead, so the disk-full paths can never go untested unnoticed.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def unavailable(reason: str) -> None:
    """Skips the test with `reason`; in CI, where the suite runs as root, fails it instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI runs as root and must run this test, but: {reason}")
    pytest.skip(reason)


class SmallDisk:
    """A tmpfs of `size` at `path`. fill() takes every free byte (a filler file), free() gives them back."""

    def __init__(self, path: Path, size: str):
        self.path, self.size = path, size
        self.filler = path / ".filler"

    def mount(self) -> None:
        if os.geteuid() != 0:
            unavailable("mounting a small tmpfs to fill up needs root")
        self.path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size},mode=0700", "tmpfs", str(self.path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            unavailable(f"cannot mount a tmpfs here: {done.stderr.strip()}")

    def unmount(self) -> None:
        if subprocess.run(["umount", str(self.path)], capture_output=True).returncode != 0:
            # A file the code under test failed to close keeps the mount busy: detach it anyway.
            subprocess.run(["umount", "-l", str(self.path)], check=True)

    def fill(self) -> None:
        """Writes until the filesystem says ENOSPC: afterwards not one more block can be allocated."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for block in (1 << 20, 4096, 1):
                try:
                    while True:
                        os.write(fd, b"\xff" * block)
                except OSError as exc:
                    if exc.errno != 28:
                        raise
        finally:
            os.close(fd)
        assert os.statvfs(self.path).f_bavail == 0

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    @property
    def full(self) -> bool:
        return os.statvfs(self.path).f_bavail == 0


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """STRONGROOM_HOME on a 192 MB tmpfs: opening a shard allocates some 53 MB of memory-mapped files,
    and the sync keeps disk_errors.MIN_FREE_BYTES free besides."""
    disk = SmallDisk(tmp_path / "small-disk", "192m")
    disk.mount()
    monkeypatch.setenv("STRONGROOM_HOME", str(disk.path / "home"))
    try:
        yield disk
    finally:
        disk.free()
        disk.unmount()
