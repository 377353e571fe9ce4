"""A JSON schema reaches the firm's model server as its structured-output option, and the answer
keeps to it (a real llama_cpp.server on loopback)."""
from __future__ import annotations

import json

import pytest

from app.core.engine.endpoint_engine import JSON_OBJECT, request_body
from app.core.engine.sampling import SamplingParams
from tests.core.engine.test_endpoint_engine import engine  # noqa: F401 (fixture)
from tests.helpers.keychain import no_keychain  # noqa: F401 (fixture)
from tests.helpers.llama_server import llama_server  # noqa: F401 (fixture)

SCHEMA = {"type": "object", "properties": {"colour": {"enum": ["red", "green"]}, "n": {"type": "integer"}},
          "required": ["colour", "n"], "additionalProperties": False}


def test_the_schema_is_sent_only_when_asked_in_openais_form_or_the_older_one():
    messages = [{"role": "user", "content": "x"}]
    assert "response_format" not in request_body("m", messages, SamplingParams(), 10)
    body = request_body("m", messages, SamplingParams(json_schema=SCHEMA), 10)
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "answer", "schema": SCHEMA, "strict": True}}
    assert "guided_json" not in body
    older = request_body("m", messages, SamplingParams(json_schema=SCHEMA), 10, JSON_OBJECT)
    assert older["response_format"] == {"type": "json_object", "schema": SCHEMA} and older["guided_json"] == SCHEMA


@pytest.mark.slow
def test_the_servers_answer_keeps_to_the_schema(engine):  # noqa: F811
    # llama-cpp-python's server refuses OpenAI's json_schema form (HTTP 422): the engine asks again
    # in the json_object form it takes, and keeps to that form from then on.
    sampling = SamplingParams(temperature=0.0, max_tokens=40, seed=1, json_schema=SCHEMA)
    for _ in range(2):
        done = engine.chat("c", [{"role": "user", "content": "Pick a colour and a number, as JSON."}],
                           sampling).result(60)
        data = json.loads(done.text)
        assert set(data) == {"colour", "n"} and data["colour"] in ("red", "green") and isinstance(data["n"], int)
    assert engine._json_form == JSON_OBJECT
