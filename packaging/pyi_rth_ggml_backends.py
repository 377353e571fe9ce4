# PyInstaller runtime hook (bundle only).
# The bundled llama.cpp is built with GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS: its CPU code ships as
# one library per instruction-set level (libggml-cpu-haswell.so, -skylakex, -sandybridge...) and the
# best one for this processor is picked at run time, so one bundle runs on old and new office PCs.
# By default ggml looks for those libraries next to the executable and in the current directory;
# here they sit in llama_cpp/lib, and whatever folder the user started from must never supply code.
# So they are loaded from the bundle's own folder, once, just before llama_cpp itself loads
# (not at startup: the window must not wait for it).
import ctypes
import importlib.abc
import os
import sys

_LIB_DIR = os.path.join(getattr(sys, "_MEIPASS", ""), "llama_cpp", "lib")


def _ggml_library() -> str:
    if sys.platform == "win32":
        return os.path.join(_LIB_DIR, "ggml.dll")
    if sys.platform == "darwin":
        return os.path.join(_LIB_DIR, "libggml.dylib")
    return os.path.join(_LIB_DIR, "libggml.so")


def _load_cpu_backends() -> None:
    try:
        names = os.listdir(_LIB_DIR)
    except OSError:
        return
    if not any(n.startswith(("libggml-cpu-", "ggml-cpu-")) for n in names):
        return  # a build without CPU variants links its CPU backend directly
    if sys.platform == "win32":
        os.add_dll_directory(_LIB_DIR)
    ggml = ctypes.CDLL(_ggml_library())
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load_all_from_path.restype = None
    ggml.ggml_backend_load_all_from_path(_LIB_DIR.encode())


class _BeforeLlamaCpp(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "llama_cpp.llama_cpp":
            sys.meta_path.remove(self)
            _load_cpu_backends()
        return None  # the regular finders import the module


sys.meta_path.insert(0, _BeforeLlamaCpp())
