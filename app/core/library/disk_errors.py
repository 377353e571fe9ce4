"""OS errors met while indexing, in words for the user: a disk that filled up, a file that cannot be read."""
from __future__ import annotations

import errno

from app.core.index.store import StoreError


class DiskFull(StoreError):
    """The disk filled up while the index was written. What was committed before stays searchable;
    the files of the unfinished group are still marked pending and are redone by the next sync."""

    def __init__(self, library: str):
        super().__init__(f"The disk is full, so indexing of \"{library}\" stopped. Everything indexed before "
                         "this point is kept and searchable; free some space and index again to finish.")


def is_disk_full(exc: BaseException) -> bool:
    # Qdrant Edge reports I/O errors as its own exception type with the OS message; SQLite as
    # "database or disk is full"; plain file writes as OSError(ENOSPC).
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc).lower()
    return "no space left" in text or "disk is full" in text or "os error 28" in text


def read_error_reason(exc: OSError) -> str:
    """Why a file could not be read, for the list of files that failed."""
    if isinstance(exc, PermissionError):
        return "permission denied: the file cannot be read"
    if isinstance(exc, FileNotFoundError):
        return "the file disappeared while it was being indexed"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a file"
    return f"the file cannot be read ({exc.strerror or exc})"
