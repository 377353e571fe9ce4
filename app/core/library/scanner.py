"""Walks a library's folders and streams the files it should index, with a reason for each it cannot read."""
from __future__ import annotations

import errno
import fnmatch
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

SKIP_NAMES = ("~$*", ".~lock.*", "*.tmp", "Thumbs.db", "desktop.ini")  # editors' lock and temp files


@dataclass
class ScanEntry:
    path: str
    size: int = 0
    mtime_ns: int = 0
    error: str = ""  # set when the entry could not be read; the reason is for the user


def _matches_any(patterns, name: str, rel: str) -> bool:
    """True if a glob matches the entry's name or its path relative to the scanned folder."""
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def _links_to_an_ancestor(link: str, folder: str) -> bool:
    target = os.path.realpath(link)
    here = os.path.realpath(folder)
    return here.startswith(target.rstrip(os.sep) + os.sep) or here == target


def scan(folders: list[str], include=(), exclude=(), is_supported: Callable[[Path], bool] | None = None,
         cancel: threading.Event | None = None) -> Iterator[ScanEntry]:
    """Streams the files under `folders`, depth first: one directory listing in memory at a time.

    Hidden entries and editors' lock files are skipped; symlinked folders are followed once
    (a link back to an ancestor is reported as a loop); unreadable folders and broken links
    are reported with a reason instead of stopping the scan.
    """
    visited: set[tuple[int, int]] = set()
    for root in folders:
        try:
            root_stat = os.stat(root)
        except OSError as exc:
            yield ScanEntry(root, error=f"the folder cannot be reached ({exc.strerror or exc})")
            continue
        visited.add((root_stat.st_dev, root_stat.st_ino))
        stack = [root]
        while stack:
            if cancel is not None and cancel.is_set():
                return
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except PermissionError:
                yield ScanEntry(folder, error="permission denied: this folder cannot be read")
                continue
            except OSError as exc:
                yield ScanEntry(folder, error=f"this folder cannot be read ({exc.strerror or exc})")
                continue
            subdirs = []
            for entry in entries:
                name = entry.name
                if name.startswith(".") or _matches_any(SKIP_NAMES, name, name):
                    continue
                rel = os.path.relpath(entry.path, root).replace(os.sep, "/")
                try:
                    if entry.is_dir(follow_symlinks=True):
                        if exclude and _matches_any(exclude, name, rel):
                            continue
                        dir_stat = entry.stat(follow_symlinks=True)
                        key = (dir_stat.st_dev, dir_stat.st_ino)
                        if key in visited:
                            if entry.is_symlink() and _links_to_an_ancestor(entry.path, folder):
                                yield ScanEntry(entry.path, error="symlink loop: this link points back to a folder that contains it")
                            continue
                        visited.add(key)
                        subdirs.append(entry.path)
                        continue
                    if entry.is_symlink() and not os.path.exists(entry.path):
                        yield ScanEntry(entry.path, error="broken link: the file it points to does not exist")
                        continue
                    if not entry.is_file(follow_symlinks=True):
                        continue  # sockets, fifos, devices
                    if include and not _matches_any(include, name, rel):
                        continue
                    if exclude and _matches_any(exclude, name, rel):
                        continue
                    if is_supported is not None and not is_supported(Path(entry.path)):
                        continue
                    file_stat = entry.stat(follow_symlinks=True)
                    yield ScanEntry(entry.path, file_stat.st_size, file_stat.st_mtime_ns)
                except FileNotFoundError:
                    continue  # vanished between the listing and the stat: it simply is not there
                except PermissionError:
                    yield ScanEntry(entry.path, error="permission denied")
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        yield ScanEntry(entry.path, error="symlink loop: this link points back to itself")
                    else:
                        yield ScanEntry(entry.path, error=f"cannot be read ({exc.strerror or exc})")
            stack.extend(reversed(subdirs))
