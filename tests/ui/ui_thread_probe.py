"""Records every call the UI thread makes into the slow parts of the app: the model, the store,
the embedder, the parsers and the libraries behind them, the history, its key and the model registry.

A heartbeat measures how long the UI thread went silent, but that figure depends on the machine
and its load, so it is reported (and checked against its target in tests/bench/bench_ui_stall.py)
rather than asserted. What a test can assert without timing is the cause of any stall: none of
this work may run on the UI thread at all.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import app

APP = Path(app.__file__).resolve().parent
# The modules that scan, parse, embed, index or search, write or read the history (an fsync per write,
# a network home drive), derive the history key (scrypt) or look for and judge model files. Left out
# on purpose: the engine's API (it only queues work for its own thread) and the cheap library modules
# the window calls: libraries.py (a small JSON file per library), sync_state.py (its counts are one
# read-only SQLite query; a sync's writes to it always enter through sync.py or pipeline.py first),
# sync_progress.py (the progress and report a sync hands the window: data and the words for them; the
# emitter in it runs inside sync.py's calls) and watcher.py (folder watches).
SLOW_APP_MODULES = [APP / "core" / name for name in (
    "engine/llama_runtime.py",
    "index/store.py", "index/bm25.py", "index/edge_store.py", "index/server_store.py", "index/embedder.py",
    "library/sync.py", "library/scanner.py", "library/content_ids.py",
    "library/jobs.py", "library/pipeline.py", "library/disk_errors.py", "library/ingest",
    "library/ocr_pass.py", "library/ocr_cache.py",
    "history", "privacy/keystore.py", "models/registry.py",
    "remote", "index/server_lease.py", "index/server_catalog.py", "library/server_library.py", "library/shared_store.py")]
COLLECTOR = str(APP / "ui" / "ui_thread_gc.py")
# Not torch, transformers or sentence-transformers: the app reaches them only through index/embedder.py
# (probed above), and once imported (the reference tests do) torch replaces inspect.getfile for the
# whole process, so any stdlib introspection on the UI thread would look like a call into torch.
SLOW_PACKAGES = ("llama_cpp", "qdrant_edge", "qdrant_client", "pypdfium2", "docx", "odf", "striprtf", "rapidocr",
                 "onnxruntime", "cv2", "PIL")


def _slow_prefixes() -> tuple[str, ...]:
    prefixes = [str(p) for p in SLOW_APP_MODULES]
    for name in SLOW_PACKAGES:
        spec = importlib.util.find_spec(name)  # finds a top-level package without importing it
        if spec is not None and spec.origin:
            prefixes.append(str(Path(spec.origin).resolve().parent))
    return tuple(prefixes)


class UiThreadProbe:
    """`calls` lists "file:function" for each entry into slow code made on the thread that entered
    the probe (the Qt main thread in these tests), with the caller that made it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._prefixes: tuple[str, ...] = ()
        self._thread = 0

    def _profile(self, frame, event, arg):
        if event != "call" or threading.get_ident() != self._thread:
            return
        filename = frame.f_code.co_filename
        if not filename.startswith(self._prefixes):
            return
        caller = frame.f_back
        if caller is not None and caller.f_code.co_filename.startswith(self._prefixes):
            return  # only the first step into slow code counts
        if caller is not None and caller.f_code.co_filename.startswith("<frozen importlib"):
            return  # an import hook a library installed (sentence-transformers): it runs for every import
        if frame.f_code.co_name == "__del__" and caller is not None and caller.f_code.co_filename == COLLECTOR:
            # The UI-thread collector (app/ui/ui_thread_gc.py) freeing an object its owner already
            # closed (a sampler, a context) only runs Python; freeing a native resource still open
            # enters slow code again through contextlib's ExitStack and is counted there.
            return

        where = f"{caller.f_code.co_filename}:{caller.f_lineno}" if caller else "?"
        self.calls.append(f"{filename}:{frame.f_code.co_name} (called from {where})")

    def __enter__(self) -> "UiThreadProbe":
        self._prefixes = _slow_prefixes()
        self._thread = threading.get_ident()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(None)
