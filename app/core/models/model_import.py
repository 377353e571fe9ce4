"""Copies a GGUF file into the user's model folder: checked first, copied to a temporary name,
renamed only when complete, so a cancelled or failed copy never leaves a half model behind."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Callable

from app.core.foundation import paths

BLOCK = 8 * 1024 * 1024
GGUF_MAGIC = b"GGUF"


class ImportRefused(ValueError):
    """The file cannot be added; the message says why in plain words."""


def check_source(src: Path) -> None:
    if not src.is_file():
        raise ImportRefused(f"{src} is not a file.")
    if src.suffix.lower() != ".gguf":
        raise ImportRefused(f"{src.name} is not a GGUF model file (the name should end in .gguf).")
    with open(src, "rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ImportRefused(f"{src.name} does not start like a GGUF model file; it may be damaged or another format.")


def import_model_file(
    src: Path,
    dest_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Returns the path of the copy. Raises ImportRefused, InterruptedError (cancelled) or OSError."""
    src = Path(src)
    check_source(src)
    dest_dir = Path(dest_dir) if dest_dir else paths.user_models_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / src.name
    total = src.stat().st_size
    if dest.exists():
        if dest.resolve() == src.resolve():
            return dest
        if dest.stat().st_size == total:
            if progress:
                progress(total, total)
            return dest  # already there; verification will tell whether it is the same file
        raise ImportRefused(f"A different file named {src.name} is already in {dest_dir}. Rename one of them first.")
    free = shutil.disk_usage(dest_dir).free
    if free < total:
        raise ImportRefused(
            f"There is not enough free disk space in {dest_dir}: {total / 1024**3:.1f} GB needed, "
            f"{free / 1024**3:.1f} GB free.")
    part = dest.with_name(dest.name + ".part")
    done = 0
    try:
        with open(src, "rb") as reader, open(part, "wb") as writer:
            while block := reader.read(BLOCK):
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("copy cancelled")
                writer.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return dest
