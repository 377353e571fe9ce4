"""Output constrained to a JSON schema through llama.cpp's grammar sampler, on the real demo model."""
from __future__ import annotations

import json

import pytest

from app.core.engine.llama_runtime import schema_grammar
from app.core.engine.local_engine import Engine, SamplingParams
from app.core.models.registry import Registry

SCHEMA = {
    "type": "object",
    "properties": {
        "colour": {"enum": ["red", "green", "blue"]},
        "count": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "note": {"type": "string", "maxLength": 12},
    },
    "required": ["colour", "count", "note"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def engine():
    eng = Engine()
    eng.load(Registry().find("smollm2-135m-instruct"), n_ctx=512, n_threads=1, gpu_offload=False).result()
    yield eng
    eng.close()


def ask(engine, schema, temperature=0.0, seed=3, max_tokens=60):
    sampling = SamplingParams(temperature=temperature, max_tokens=max_tokens, seed=seed, json_schema=schema)
    messages = [{"role": "user", "content": "Describe the sky as JSON."}]
    return engine.chat("schema", messages, sampling).result(timeout=120)


@pytest.mark.parametrize("temperature", [0.0, 1.2])
def test_every_answer_parses_and_keeps_to_the_schema(engine, temperature):
    done = ask(engine, SCHEMA, temperature)
    assert done.finish_reason == "stop", done.text
    data = json.loads(done.text)
    assert set(data) == {"colour", "count", "note"}
    assert data["colour"] in ("red", "green", "blue")
    assert data["count"] is None or isinstance(data["count"], int)
    assert isinstance(data["note"], str) and len(data["note"]) <= 12


def test_a_constant_schema_forces_the_exact_text(engine):
    done = ask(engine, {"const": "the moon is made of cheese"})
    assert json.loads(done.text) == "the moon is made of cheese"


def test_without_a_schema_the_chain_is_unconstrained(engine):
    done = engine.chat("plain", [{"role": "user", "content": "Say hello."}],
                       SamplingParams(temperature=0.0, max_tokens=8, seed=3)).result(timeout=120)
    assert done.text and not done.text.lstrip().startswith("{")


def test_a_schema_that_cannot_become_a_grammar_fails_the_request_in_plain_words(engine):
    with pytest.raises(ValueError, match="cannot be turned into a grammar"):
        schema_grammar({"type": "object", "properties": {"x": {"$ref": "#/nowhere"}}})
    with pytest.raises(ValueError, match="cannot be turned into a grammar"):
        ask(engine, {"type": "frobnicate"})
    assert ask(engine, SCHEMA).finish_reason == "stop"  # the engine thread survived


def test_rows_that_look_alike_are_not_stopped_as_a_loop(engine):
    # Eight identical items would be a loop to the repetition check; under a schema the grammar bounds
    # the answer, so it runs to its end.
    schema = {"type": "array", "items": {"const": "no value found here"}, "minItems": 8, "maxItems": 8}
    done = ask(engine, schema, max_tokens=200)
    assert done.finish_reason == "stop", done.text
    assert json.loads(done.text) == ["no value found here"] * 8
