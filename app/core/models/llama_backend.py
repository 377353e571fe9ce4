"""llama.cpp's process-wide set-up, shared by the chat engine and the embedding model.

One backend per process, its logs routed to the `llama_cpp` logger, and the AMX check both loaders
apply: this llama.cpp's AMX matrix kernels crash the process on multi-token batches, so on such CPUs
the extra buffer types that send weights to them stay off (`use_extra_bufts = not amx_kernels_enabled()`).
"""
from __future__ import annotations

import ctypes
import functools
import logging
import threading

import llama_cpp

llama_log = logging.getLogger("llama_cpp")

# ggml_log_level (NONE, DEBUG, INFO, WARN, ERROR; 5 = continue the previous line) -> logging.
# llama.cpp's INFO is a page of tensor facts per load: kept at DEBUG.
_LEVELS = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.DEBUG, 3: logging.WARNING, 4: logging.ERROR}
_backend_lock = threading.Lock()
_backend_ready = False
_log_state = {"level": logging.DEBUG, "buffer": ""}


@llama_cpp.llama_log_callback
def _log_callback(level: int, text: bytes, _user_data) -> None:
    # Lines can arrive in pieces (level 5 = continuation); forward whole lines only.
    if level != 5:
        _log_state["level"] = _LEVELS.get(level, logging.DEBUG)
    _log_state["buffer"] += (text or b"").decode("utf-8", "replace")
    *lines, _log_state["buffer"] = _log_state["buffer"].split("\n")
    for line in lines:
        if line.strip():
            llama_log.log(_log_state["level"], "%s", line.rstrip())


def init_backend() -> None:
    """Once per process: llama.cpp's backend, and its logs routed to the `llama_cpp` logger."""
    global _backend_ready
    with _backend_lock:
        if _backend_ready:
            return
        llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))
        llama_cpp.llama_backend_init()
        _backend_ready = True


@functools.lru_cache(maxsize=1)
def amx_kernels_enabled() -> bool:
    """Whether llama.cpp would route weights to Intel AMX kernels on this CPU (Xeon 4th gen and later)."""
    init_backend()
    return "AMX_INT8 = 1" in llama_cpp.llama_print_system_info().decode("utf-8", "replace")


