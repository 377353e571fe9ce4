"""One memory estimate: the registry (what the Models view shows) and the engine (what it refuses)
judge a model the same way, at the same context length."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.core.engine.local_engine import Engine, EngineError
from app.core.models import memory, registry as registry_mod
from app.core.models.gguf_meta import read_gguf
from app.core.models.registry import LoadPolicy, Registry

N_CTX = 512


def test_kv_cache_size_comes_from_the_header(demo_gguf):
    meta = read_gguf(demo_gguf).metadata
    layers, kv_heads = meta["llama.block_count"], meta["llama.attention.head_count_kv"]
    head_dim = meta["llama.embedding_length"] // meta["llama.attention.head_count"]
    assert memory.kv_bytes_per_token(meta) == layers * kv_heads * head_dim * 2 * 2
    assert memory.kv_bytes_per_token({"general.architecture": "llama"}) == memory.FALLBACK_KV_BYTES_PER_TOKEN
    hostile = {"general.architecture": "llama", "llama.block_count": "many", "llama.attention.head_count": [1]}
    assert memory.kv_bytes_per_token(hostile) == memory.FALLBACK_KV_BYTES_PER_TOKEN


def test_need_grows_with_the_context():
    assert memory.ram_required(10**9, 1000, 8192) - memory.ram_required(10**9, 1000, 4096) == 1000 * 4096


@pytest.mark.parametrize("spare", [-1, +1])
def test_models_view_and_engine_agree_on_what_fits(demo_gguf, strongroom_home, monkeypatch, spare):
    info = Registry(policy=LoadPolicy(n_ctx=N_CTX)).find("smollm2-135m-instruct")
    need = memory.ram_required(info.size_bytes, info.kv_bytes_per_token, N_CTX)
    assert need == info.ram_required_bytes
    monkeypatch.setattr(registry_mod.psutil, "virtual_memory", lambda: SimpleNamespace(total=need + spare))
    shown = Registry(policy=LoadPolicy(n_ctx=N_CTX)).find("smollm2-135m-instruct")
    engine = Engine(Registry(policy=LoadPolicy(n_ctx=N_CTX)))
    try:
        if spare < 0:
            assert not shown.fits_ram
            refusal = Registry(policy=LoadPolicy(n_ctx=N_CTX)).load_refusal(shown)
            assert f"{N_CTX}-token context" in refusal
            with pytest.raises(EngineError) as caught:
                engine.load(shown, n_ctx=N_CTX, n_threads=1, gpu_offload=False).result(timeout=120)
            assert str(caught.value) == refusal
        else:
            assert shown.fits_ram
            loaded = engine.load(shown, n_ctx=N_CTX, n_threads=1, gpu_offload=False).result(timeout=120)
            assert loaded.n_ctx == N_CTX
    finally:
        engine.close()
