"""Folder watching: tells the app which library to re-sync after its files change.

Editors save in bursts (temp file, rename, metadata), and a copy of a folder is thousands of
events: the callback fires once per library, `debounce` seconds after the last event.
The callback runs on a timer thread; it should only queue a sync (e.g. on the indexing worker).
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

from app.core.library.libraries import Library
from app.core.foundation import logs

log = logging.getLogger(__name__)
# watchdog logs every event with its full path at DEBUG: names never reach the logs.
logging.getLogger("watchdog").setLevel(logging.INFO)

IGNORED_PREFIXES = (".", "~$", ".~lock.")


class FolderWatcher:
    def __init__(self, on_change: Callable[[str], None], debounce: float = 2.0):
        from watchdog.observers import Observer

        self.on_change = on_change
        self.debounce = debounce
        self._observer = Observer()
        self._observer.daemon = True
        self._watches: dict[str, list] = {}  # library name -> watchdog watches
        self._timers: dict[str, threading.Timer] = {}
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        self._observer.start()
        self._started = True

    def watch(self, lib: Library) -> list[str]:
        """Watches every reachable folder of `lib`; returns the folders that could not be watched."""
        from watchdog.events import FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                if event.event_type in ("opened", "closed_no_write"):
                    return
                if event.is_directory and event.event_type == "modified":
                    return  # a folder's mtime changes with every file event inside it
                names = [os.path.basename(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
                if names and all(n.startswith(IGNORED_PREFIXES) for n in names):
                    return
                watcher._poke(lib.name)

        self.unwatch(lib.name)
        missing, watches = [], []
        for folder in lib.folders:
            if not Path(folder).is_dir():
                missing.append(folder)
                continue
            try:
                watches.append(self._observer.schedule(Handler(), folder, recursive=True))
            except OSError as exc:  # e.g. the inotify watch limit, or a share that disappeared
                log.warning("cannot watch %s: %s", logs.ref(folder), logs.error_kind(exc))
                missing.append(folder)
        with self._lock:
            self._watches[lib.name] = watches
        return missing

    def unwatch(self, name: str) -> None:
        with self._lock:
            watches = self._watches.pop(name, [])
            timer = self._timers.pop(name, None)
        if timer:
            timer.cancel()
        for w in watches:
            try:
                self._observer.unschedule(w)
            except (KeyError, ValueError):
                pass

    def _poke(self, name: str) -> None:
        with self._lock:
            if name not in self._watches:
                return
            old = self._timers.get(name)
            if old:
                old.cancel()
            timer = threading.Timer(self.debounce, self._fire, args=(name,))
            timer.daemon = True
            self._timers[name] = timer
            timer.start()

    def _fire(self, name: str) -> None:
        with self._lock:
            self._timers.pop(name, None)
        try:
            self.on_change(name)
        except Exception as exc:  # noqa: BLE001 - the watcher must outlive a failing listener
            log.error("library change callback failed for %s: %s", logs.ref(name), logs.error_kind(exc))

    def stop(self) -> None:
        with self._lock:
            timers = list(self._timers.values())
            self._timers.clear()
        for t in timers:
            t.cancel()
        if self._started:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._started = False
