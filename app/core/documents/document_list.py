"""Which documents of a library whole-document work reads: every supported file in its folders
(its include and exclude globs applied), optionally under one folder only."""
from __future__ import annotations

from pathlib import Path

from app.core.library.ingest import supported
from app.core.library.libraries import Library
from app.core.library.scanner import scan


class FolderError(ValueError):
    pass


def library_documents(lib: Library, folder: str | Path | None = None) -> list[Path]:
    """Readable files in document order (folder by folder, names sorted); unreadable entries skipped."""
    under = None
    if folder:
        under = Path(folder).expanduser().resolve()
        if not under.is_dir():
            raise FolderError(f"{folder} is not a folder")
        if not any(under == Path(f) or Path(f) in under.parents for f in lib.folders):
            raise FolderError(f"{folder} is not inside the folders of {lib.name!r}")
    out: list[Path] = []
    for entry in scan(lib.folders, lib.include, lib.exclude, is_supported=supported):
        path = Path(entry.path)
        if entry.error or (under is not None and under not in path.parents):
            continue
        out.append(path)
    return list(dict.fromkeys(out))
