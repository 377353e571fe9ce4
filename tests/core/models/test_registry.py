import os
import shutil

import pytest

from app.core.models import registry as registry_mod
from app.core.models.registry import LoadPolicy, Registry
from tests.conftest import copy_model


def by_id(models):
    return {m.id: m for m in models}


def test_demo_model_found_and_verified(demo_gguf):
    reg = Registry()
    demo = by_id(reg.scan())["smollm2-135m-instruct"]
    assert demo.origin == "demo" and not demo.side_loaded
    assert demo.status == "unverified" and demo.reason == "not verified yet"
    seen = []
    reg.verify(demo, lambda done, total: seen.append((done, total)))
    assert demo.status == "verified"
    assert seen[-1] == (demo.size_bytes, demo.size_bytes)
    assert demo.architecture == "llama" and demo.has_chat_template and demo.fits_ram


def test_hash_is_cached_by_path_size_mtime(demo_gguf, monkeypatch):
    reg = Registry()
    reg.verify(by_id(reg.scan())["smollm2-135m-instruct"])
    calls = []
    real = registry_mod.sha256_file
    monkeypatch.setattr(registry_mod, "sha256_file", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = by_id(Registry().scan())["smollm2-135m-instruct"]
    assert again.status == "verified"  # straight from the cache
    Registry().verify(again)
    assert calls == []


def test_corrupt_copy_is_listed_with_reason(models_dir, demo_gguf):
    (models_dir / "broken.gguf").write_bytes(demo_gguf.read_bytes()[:40_000_000])
    (models_dir / "empty.gguf").write_bytes(b"")
    models = by_id(Registry().scan())
    assert models["local:broken"].status == "corrupt"
    assert "truncated" in models["local:broken"].reason
    assert models["local:empty"].status == "corrupt"
    assert Registry().load_refusal(models["local:broken"]) is not None


def test_mismatch_is_refused_unless_allowed(models_dir, demo_gguf):
    data = bytearray(demo_gguf.read_bytes())
    data[-1] ^= 0xFF  # same name and size, one byte of weights changed
    (models_dir / demo_gguf.name).write_bytes(bytes(data))
    reg = Registry()
    copy = next(m for m in reg.scan() if m.origin == "env")
    reg.verify(copy)
    assert copy.status == "mismatch"
    assert "checksum" in reg.load_refusal(copy)
    assert Registry(policy=LoadPolicy(allow_mismatch=True)).load_refusal(copy) is None


def test_side_loaded_model_is_usable_and_marked(models_dir, demo_gguf):
    copy_model(demo_gguf, models_dir / "my-finetune.gguf")
    reg = Registry()
    m = by_id(reg.scan())["local:my-finetune"]
    assert m.side_loaded and m.status == "unverified" and "side-loaded" in m.reason
    reg.verify(m)
    assert m.status == "unverified" and len(m.sha256[0]) == 64
    assert reg.load_refusal(m) is None
    assert "approved catalog" in reg.load_refusal(m, LoadPolicy(allow_unverified=False))


def test_split_gguf_is_one_model(models_dir, demo_gguf):
    copy_model(demo_gguf, models_dir / "big-00001-of-00002.gguf")
    copy_model(demo_gguf, models_dir / "big-00002-of-00002.gguf")
    copy_model(demo_gguf, models_dir / "half-00001-of-00003.gguf")
    models = by_id(Registry().scan())
    assert len(models["local:big"].files) == 2
    assert models["local:big"].size_bytes == 2 * demo_gguf.stat().st_size
    assert models["local:half"].status == "incomplete"
    assert "2, 3 of 3" in models["local:half"].reason


def test_symlink_loop_in_models_dir_does_not_hang(models_dir):
    (models_dir / "sub").mkdir()
    os.symlink(models_dir, models_dir / "sub" / "loop")
    assert [m for m in Registry().scan() if m.origin == "env"] == []


def test_hostile_cache_file_is_ignored(strongroom_home):
    from app.core.foundation import paths

    (paths.cache_dir() / "models.json").write_text("[not json")
    assert "smollm2-135m-instruct" in by_id(Registry().scan())


def test_a_catalog_file_without_published_checksum_says_so(models_dir, demo_gguf):
    from app.core.models.catalog import parse_catalog

    catalog = parse_catalog('[[chat]]\nid = "firm-model"\nname = "Firm model"\nfamily = "mistral"\n'
                            'files = ["firm-model.gguf"]\nsha256 = [""]\n')
    copy_model(demo_gguf, models_dir / "firm-model.gguf")
    registry = Registry(catalog=catalog)
    info = registry.verify(registry.find("firm-model"))
    assert info.status == "unverified" and info.reason == "no published checksum: it cannot be verified"


def test_embedding_ggufs_are_listed_with_their_role_and_never_as_chat_models(demo_gguf):
    from app.core.foundation import paths
    from app.core.index.embedder import resolve_model
    from app.core.models.gguf_meta import read_gguf

    converted = resolve_model("all-minilm-l6-v2").gguf  # made by `make setup`
    dropped = paths.user_models_dir() / "my-multilingual-embedder.gguf"
    shutil.copy(converted, dropped)  # a copy: a link to the same file is one model
    truncated = paths.user_models_dir() / "cut-embedder.gguf"
    truncated.write_bytes(converted.read_bytes()[:2_000_000])
    registry = Registry()
    everything = by_id(registry.scan(role=None))
    assert everything["all-minilm-l6-v2"].role == "embedding" and everything["all-minilm-l6-v2"].pooling == "mean"
    assert not everything["all-minilm-l6-v2"].side_loaded
    side = everything["local:my-multilingual-embedder"]
    assert side.role == "embedding" and side.side_loaded and side.architecture == "bert"
    assert everything["local:cut-embedder"].status == "corrupt" and everything["local:cut-embedder"].reason
    assert read_gguf(demo_gguf).role == "chat"
    chat = by_id(registry.scan())
    assert "smollm2-135m-instruct" in chat and all(m.role == "chat" for m in chat.values())
    assert registry.find("local:my-multilingual-embedder") is None  # never loaded as a chat model
    assert registry.scan(role="embedding") and all(m.role == "embedding" for m in registry.scan(role="embedding"))
