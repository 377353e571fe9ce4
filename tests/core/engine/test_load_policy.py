"""IT's model policy is enforced where models are loaded: Engine.load. The window, the CLI and any
later backend load through it, so none of them can load what the policy forbids."""
from __future__ import annotations

import pytest

from app.core.engine.local_engine import Engine, EngineError
from app.core.models.catalog import parse_catalog
from app.core.models.registry import Registry
from tests.conftest import copy_model

LOAD = dict(n_ctx=256, n_threads=1, gpu_offload=False)


def write_policy(tmp_path, monkeypatch, body: str):
    policy = tmp_path / "policy.toml"
    policy.write_text(body)
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))


def load(engine: Engine, info):
    try:
        return engine.load(info, **LOAD).result(timeout=120)
    finally:
        engine.close()


def test_allowed_models_refuses_the_demo_model_in_plain_words(demo_gguf, tmp_path, monkeypatch):
    write_policy(tmp_path, monkeypatch, '[model]\nallowed_models = ["mistral-7b-instruct-v0.3"]\n')
    info = Registry().find("smollm2-135m-instruct")
    with pytest.raises(EngineError, match="allows only these models: mistral-7b-instruct-v0.3"):
        load(Engine(), info)


def test_allowed_models_lets_the_listed_model_load(demo_gguf, tmp_path, monkeypatch):
    write_policy(tmp_path, monkeypatch, '[model]\nallowed_models = ["smollm2-135m-instruct"]\n')
    assert load(Engine(), Registry().find("smollm2-135m-instruct")).info.id == "smollm2-135m-instruct"


def test_a_registry_without_the_policy_cannot_bypass_it(demo_gguf, tmp_path, monkeypatch):
    write_policy(tmp_path, monkeypatch, '[model]\nallowed_models = ["mistral-7b-instruct-v0.3"]\n')
    permissive = Registry()  # built with default (open) policy, as a careless caller might
    assert permissive.load_refusal(permissive.find("smollm2-135m-instruct")) is None
    with pytest.raises(EngineError, match="allows only"):
        load(Engine(permissive), permissive.find("smollm2-135m-instruct"))


def test_verified_only_hashes_a_catalog_model_before_loading_it(demo_gguf, tmp_path, monkeypatch):
    write_policy(tmp_path, monkeypatch, "[model]\nallow_unverified = false\n")
    info = Registry().find("smollm2-135m-instruct")
    assert info.status == "unverified" and not info.sha256  # never hashed in this fresh home
    assert load(Engine(), info).info.status == "verified"


def test_verified_only_refuses_a_catalog_name_without_published_checksum(demo_gguf, models_dir, tmp_path, monkeypatch):
    write_policy(tmp_path, monkeypatch, "[model]\nallow_unverified = false\n")
    catalog = parse_catalog('[[chat]]\nid = "firm-model"\nname = "Firm model"\nfamily = "mistral"\n'
                            'files = ["firm-model.gguf"]\nsha256 = [""]\n')
    copy_model(demo_gguf, models_dir / "firm-model.gguf")
    registry = Registry(catalog=catalog)
    info = registry.find("firm-model")
    assert info is not None and not info.side_loaded
    with pytest.raises(EngineError, match="no published checksum"):
        load(Engine(registry), info)


def test_verified_only_refuses_side_loaded_files(demo_gguf, models_dir, tmp_path, monkeypatch):
    write_policy(tmp_path, monkeypatch, "[model]\nallow_unverified = false\n")
    copy_model(demo_gguf, models_dir / "mine.gguf")
    info = Registry().find("local:mine")
    with pytest.raises(EngineError, match="not in the approved catalog"):
        load(Engine(), info)
