"""Keeping libraries current while the window is open: a watcher of their folders."""
from __future__ import annotations

from typing import Callable


def start_folder_watcher(on_change: Callable[[str], None], debounce: float):
    """A started app.core.library.watcher.FolderWatcher that calls on_change(library name) once a
    library's folders have been quiet for `debounce` seconds after a change. Importing watchdog and
    starting its threads takes time: call from a worker."""
    from app.core.library.watcher import FolderWatcher

    watcher = FolderWatcher(on_change, debounce=debounce)
    watcher.start()
    return watcher
