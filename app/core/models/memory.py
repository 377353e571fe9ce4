"""How much memory a model needs: one estimate, used by the Models view (through the registry) and
by the engine before it loads, so the view never says "fits" for a model the engine then refuses."""
from __future__ import annotations

from collections.abc import Mapping

# When the header does not describe the attention shape: a 7B-class model with grouped-query
# attention keeps about 128 KB of f16 K and V per token.
FALLBACK_KV_BYTES_PER_TOKEN = 128 * 1024
COMPUTE_OVERHEAD = 0.1  # llama.cpp's compute buffers, relative to the weights
FIXED_OVERHEAD = 64 * 1024**2


def kv_bytes_per_token(metadata: Mapping) -> int:
    """K and V in f16 for one token of context, from the GGUF header; a fallback when it is silent."""
    arch = metadata.get("general.architecture", "llama")
    try:
        layers = int(metadata.get(f"{arch}.block_count", 0))
        heads = int(metadata.get(f"{arch}.attention.head_count", 0))
        kv_heads = int(metadata.get(f"{arch}.attention.head_count_kv", heads) or heads)
        embd = int(metadata.get(f"{arch}.embedding_length", 0))
        if layers and heads and embd:
            head_dim = int(metadata.get(f"{arch}.attention.key_length", embd // heads))
            return layers * kv_heads * head_dim * 2 * 2
    except (TypeError, ValueError):
        pass
    return FALLBACK_KV_BYTES_PER_TOKEN


def ram_required(size_bytes: int, kv_per_token: int, n_ctx: int) -> int:
    """Weights (memory-mapped, but they must be resident to run at speed), the KV cache at n_ctx,
    and compute buffers."""
    kv = kv_per_token if kv_per_token > 0 else FALLBACK_KV_BYTES_PER_TOKEN
    return int(size_bytes * (1 + COMPUTE_OVERHEAD) + kv * n_ctx + FIXED_OVERHEAD)
