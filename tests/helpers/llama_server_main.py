"""`python -m tests.helpers.llama_server_main ARGS`: `python -m llama_cpp.server ARGS` under the engine's
one rule for this llama.cpp build. Its AMX matrix kernels crash the process on any multi-token batch
(app/core/engine/llama_runtime.py says the same); llama_cpp.server has no switch for the extra buffer
types that route weights there, so they are turned off here, on AMX machines only, before it loads."""
from __future__ import annotations

import sys

import llama_cpp.llama_cpp as bindings

from app.core.models.llama_backend import amx_kernels_enabled


def _without_extra_buffer_types():
    params = _default_params()
    params.use_extra_bufts = False
    return params


if __name__ == "__main__":
    if amx_kernels_enabled():
        _default_params = bindings.llama_model_default_params
        bindings.llama_model_default_params = _without_extra_buffer_types
    from llama_cpp.server.__main__ import main

    sys.argv[0] = "llama_cpp.server"
    main()
