"""Named roots: how a file of a library on the firm's server is named the same on every workstation.

The server stores `root-name/relative/path`; `libraries.roots` maps each root name to this
workstation's mount of it (`matters = "/mnt/matters"` here, `\\\\fileserver\\matters` on another),
so a passage indexed on one computer opens from the local copy on another.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from app.core.library.libraries import LibraryError


class OutsideRoots(LibraryError):
    def __init__(self, path: str, roots: dict[str, str]):
        known = ", ".join(f"{n} = {m}" for n, m in sorted(roots.items())) or "none are set"
        super().__init__(f"{path} is not under any of the firm's shared roots (libraries.roots: {known}), so it "
                         "cannot be part of a library on the firm's server. Ask IT to add its share to libraries.roots.")


class RootNotMapped(LibraryError):
    def __init__(self, shared: str, root: str):
        self.root = root
        super().__init__(f"{shared} is on the shared root {root!r}, which is not mapped on this computer. Add "
                         f"`{root} = \"<this computer's folder for it>\"` under [libraries.roots] in the settings "
                         "(or ask IT).")


def _clean_relative(shared: str) -> PurePosixPath | None:
    """root/relative/path as stored, or None when it is not one (absolute, '..', empty parts)."""
    if not isinstance(shared, str) or not shared or "\\" in shared or "\0" in shared:
        return None
    path = PurePosixPath(shared)
    if path.is_absolute() or len(path.parts) < 2 or any(p in ("..", ".") for p in path.parts):
        return None
    return path


def is_shared_path(text: str) -> bool:
    return _clean_relative(text) is not None


class RootMap:
    def __init__(self, roots: dict[str, str]):
        self.roots = dict(roots)
        # the longest mount first: a root inside another root names its own files
        self._mounts = sorted(((n, Path(m).expanduser().resolve()) for n, m in self.roots.items()),
                              key=lambda item: len(item[1].parts), reverse=True)

    def to_shared(self, path: str | Path) -> str:
        """root-name/relative/path for a file or folder on this computer; OutsideRoots if under no root."""
        local = Path(path).expanduser().resolve()
        for name, mount in self._mounts:
            try:
                rel = local.relative_to(mount)
            except ValueError:
                continue
            return str(PurePosixPath(name, *rel.parts))
        raise OutsideRoots(str(path), self.roots)

    def shared_or_none(self, path: str | Path) -> str | None:
        try:
            return self.to_shared(path)
        except OutsideRoots:
            return None

    def to_local(self, shared: str) -> str:
        """This computer's path for a stored root-name/relative/path; RootNotMapped, or LibraryError for a
        value that is no such path (a damaged point on the server)."""
        rel = _clean_relative(shared)
        if rel is None:
            raise LibraryError(f"{shared!r} is not a file name Strongroom stores on the firm's server")
        root = rel.parts[0]
        mount = dict(self._mounts).get(root)
        if mount is None:
            raise RootNotMapped(shared, root)
        return str(mount.joinpath(*rel.parts[1:]))

    def unmapped_root(self, shared: str) -> str | None:
        """The root of a stored path that this computer does not map (None if mapped or not a stored path)."""
        rel = _clean_relative(shared)
        return rel.parts[0] if rel is not None and rel.parts[0] not in self.roots else None
