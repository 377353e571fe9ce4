"""Work-arounds for faults of the Qt binding that would otherwise crash the window.

PySide6 6.12 returns the result of `SignalInstance.emit()` (True or False) without taking a reference
to it, so every emit made from Python takes one reference from True or False for good. On CPython
before 3.12, where True and False are ordinary reference-counted objects, the window would abort
("bool_dealloc: deallocating True or False") after a few thousand emits: a few long answers streamed
token by token. Python 3.12 made them immortal; here they are given references they can never run
out of, once, before the first emit. Nothing else about them changes.
"""
from __future__ import annotations

import ctypes
import sys

SPARE_REFERENCES = 1 << 40  # far more emits than a window will make in years of uptime

_applied = False


def keep_bools_alive() -> None:
    """Makes True and False as good as immortal on CPython < 3.12 (idempotent)."""
    global _applied
    if _applied or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for value in (True, False):
        # ob_refcnt is the first field of every object, at the address id() gives (CPython < 3.12).
        ctypes.c_ssize_t.from_address(id(value)).value += SPARE_REFERENCES
    _applied = True
