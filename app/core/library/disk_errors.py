"""OS errors met while indexing, in words for the user: a disk that filled up, a file that cannot be read."""
from __future__ import annotations

import errno
import os
from pathlib import Path

from app.core.index.store import StoreError

# Free space below which no shard is opened or written. Qdrant Edge memory-maps its files and fills
# them in as it loads and writes: on a disk without that room the process dies of SIGBUS instead of
# getting an error, so the sync stops with a plain message first.
MIN_FREE_BYTES = 64 * 1024 * 1024


class DiskFull(StoreError):
    """The disk filled up while the index was written. What was committed before stays searchable;
    the files of the unfinished group are still marked pending and are redone by the next sync."""

    def __init__(self, library: str):
        super().__init__(f"The disk is full, so indexing of \"{library}\" stopped. Everything indexed before "
                         "this point is kept and searchable; free some space and index again to finish.")


def free_bytes(folder: Path) -> int:
    """Free space for this user on the filesystem holding `folder` (its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def ensure_room(folder: Path, library: str) -> None:
    """DiskFull unless the disk holding `folder` has room to open and write a shard safely."""
    if free_bytes(folder) < MIN_FREE_BYTES:
        raise DiskFull(library)


def is_disk_full(exc: BaseException, folder: Path | None = None) -> bool:
    # Qdrant Edge reports I/O errors as its own exception type with the OS message; SQLite as
    # "database or disk is full"; plain file writes as OSError(ENOSPC). SQLite's shared-memory file
    # that cannot grow is a bare "disk I/O error": a full disk when the disk is indeed (nearly) full.
    if isinstance(exc, DiskFull) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return True
    text = str(exc).lower()
    if "no space left" in text or "disk is full" in text or "os error 28" in text:
        return True
    return "disk i/o error" in text and folder is not None and free_bytes(folder) < MIN_FREE_BYTES


def read_error_reason(exc: OSError) -> str:
    """Why a file could not be read, for the list of files that failed."""
    if isinstance(exc, PermissionError):
        return "permission denied: the file cannot be read"
    if isinstance(exc, FileNotFoundError):
        return "the file disappeared while it was being indexed"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a file"
    return f"the file cannot be read ({exc.strerror or exc})"
