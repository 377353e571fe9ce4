"""Logging to a rotating file in the log dir. Logs never hold document text, questions, answers, or the
names of files, folders and libraries (history encrypts exactly those): callers log counts, ids,
timings, and `ref()` of any name, a stable short hash that matches across log lines."""
from __future__ import annotations

import errno
import hashlib
import logging
import logging.handlers
import traceback
from pathlib import Path

from app.core.foundation import paths

_configured = False


def setup(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    handler = logging.handlers.RotatingFileHandler(
        paths.log_dir() / "strongroom.log", maxBytes=2 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    _configured = True


def ref(name: object) -> str:
    """A stable short reference to a confidential name (a path, a library name) for log lines."""
    return "#" + hashlib.sha256(str(name).encode("utf-8", "surrogatepass")).hexdigest()[:10]


def error_kind(exc: BaseException) -> str:
    """An exception in words that never include its message (OS and parser errors carry the file's
    path or text): its type, errno, and where it was raised, for a bug report."""
    kind = type(exc).__name__
    if isinstance(exc, OSError) and exc.errno in errno.errorcode:
        kind += f" ({errno.errorcode[exc.errno]})"
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if frames:
        kind += f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}"
    return kind
