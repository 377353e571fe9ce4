"""One Strongroom per data dir: an OS file lock on `strongroom.lock`.

The lock owns the right to write the history database and the index shards. The OS drops it when
the process dies, even on SIGKILL, so a crash never leaves a stale lock behind. Within a process the
lock is taken once and shared (`hold()` is idempotent): the window and the History it opens use the
same one. The window layer adds a local socket on top to bring the running window to the front.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from app.core.foundation import paths

ALREADY_RUNNING = "Strongroom is already running; close it or use the window."

_held: dict[Path, "InstanceLock"] = {}
_guard = threading.Lock()


class AlreadyRunning(RuntimeError):
    def __init__(self, pid: int | None = None):
        super().__init__(ALREADY_RUNNING)
        self.pid = pid  # the holder, when it could be read: for logs and diagnostics


def lock_file() -> Path:
    return paths.data_dir() / "strongroom.lock"


class InstanceLock:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else lock_file()
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Takes the lock without waiting; raises AlreadyRunning when another process has it."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_fd(fd)
        except OSError:
            pid = _read_pid(fd)
            os.close(fd)
            raise AlreadyRunning(pid) from None
        # The pid is only for the message; the OS lock is what counts.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            _unlock_fd(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "InstanceLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def hold() -> InstanceLock:
    """This process's lock on the current data dir, taken on first call. Raises AlreadyRunning."""
    path = lock_file().resolve()
    with _guard:
        lock = _held.get(path)
        if lock is None:
            lock = InstanceLock(path)
            lock.acquire()
            _held[path] = lock
        return lock


def release() -> None:
    """Lets go of every lock this process holds (the OS does it anyway at exit)."""
    with _guard:
        for lock in _held.values():
            lock.release()
        _held.clear()


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode().strip())
    except (OSError, ValueError):
        return None


if os.name == "nt":
    import msvcrt

    def _lock_fd(fd: int) -> None:
        # Locks one byte far past the pid so reading the pid is never blocked.
        os.lseek(fd, 1 << 20, 0)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock_fd(fd: int) -> None:
        os.lseek(fd, 1 << 20, 0)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
