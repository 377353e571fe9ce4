"""Chat templates read from GGUF metadata, with fixture GGUFs derived from the real SmolLM2 file."""
from __future__ import annotations

import logging

import pytest

from app.core.engine.local_engine import Engine, EngineError, SamplingParams
from app.core.models.registry import Registry
from tests.core.chat_templates import HOSTILE, MISTRAL_V03
from tests.core.gguf_fixtures import with_template

LOAD = dict(n_ctx=512, n_threads=1, gpu_offload=False)
SHORT = SamplingParams(temperature=0.0, max_tokens=6, seed=3)
MESSAGES = [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Name a court."}]


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory, demo_gguf):
    folder = tmp_path_factory.mktemp("fixture-models")
    with_template(demo_gguf, folder / "smol-mistral-v03.gguf", MISTRAL_V03)
    with_template(demo_gguf, folder / "smol-no-template.gguf", None)
    with_template(demo_gguf, folder / "smol-hostile.gguf", HOSTILE[1])
    return folder


@pytest.fixture
def model(fixture_dir, monkeypatch):
    monkeypatch.setenv("STRONGROOM_MODELS_PATH", str(fixture_dir))

    def find(name: str):
        return next(m for m in Registry().scan() if m.path.name == name)

    return find


@pytest.fixture
def engine():
    eng = Engine()
    yield eng
    eng.close()


def test_mistral_v03_template_from_metadata_folds_the_system_prompt(engine, model):
    loaded = engine.load(model("smol-mistral-v03.gguf"), **LOAD).result()
    assert not loaded.template_is_default and not loaded.warnings
    prompt = engine.render(MESSAGES)
    bos = engine._runtime.token_text(engine._runtime.bos)
    assert prompt == f"{bos}[INST] Answer in French.\n\nName a court. [/INST]"
    # The rendered prompt starts with exactly one BOS token, and that is what the model is fed.
    tokens = engine._runtime.tokenize(prompt)
    assert tokens[0] == engine._runtime.bos and tokens.count(engine._runtime.bos) == 1
    done = engine.chat("m", MESSAGES, SHORT).result(timeout=120)
    assert done.finish_reason in ("stop", "length") and done.timings.prompt_tokens == len(tokens)


def test_model_without_template_gets_default_and_a_visible_warning(engine, model):
    loaded = engine.load(model("smol-no-template.gguf"), **LOAD).result()
    assert loaded.template_is_default
    assert any("no chat template" in w for w in loaded.warnings) and engine.warnings == loaded.warnings
    assert engine.render(MESSAGES).startswith("<|im_start|>system\nAnswer in French.<|im_end|>")
    assert engine.chat("n", MESSAGES, SHORT).result(timeout=120).timings.tokens > 0


def test_hostile_template_is_refused_cleanly(engine, model, demo_gguf):
    with pytest.raises(EngineError, match="refuses to run it"):
        engine.load(model("smol-hostile.gguf"), **LOAD).result()
    assert engine.loaded_model is None
    # The engine is fine afterwards.
    engine.load(model("smol-no-template.gguf"), **LOAD).result()
    assert engine.chat("h", MESSAGES, SHORT).result(timeout=120).timings.tokens > 0


def test_context_is_clipped_to_the_trained_length_with_a_warning(engine, model):
    loaded = engine.load(model("smol-no-template.gguf"), n_ctx=100_000, n_threads=1, gpu_offload=False).result()
    assert loaded.n_ctx == loaded.n_ctx_train == 8192
    assert any("trained for 8192 tokens" in w for w in loaded.warnings)


def test_llama_cpp_logs_go_to_the_logger_not_the_terminal(engine, model, caplog, capfd):
    with caplog.at_level(logging.DEBUG, logger="llama_cpp"):
        engine.load(model("smol-no-template.gguf"), **LOAD).result()
    lines = [r.getMessage() for r in caplog.records if r.name == "llama_cpp"]
    assert any("llama_model_loader" in line for line in lines)
    out, err = capfd.readouterr()
    assert "llama_model_loader" not in out + err and "llama_context" not in out + err
