"""A JSON schema reaches the firm's model server as its structured-output option, and the answer
keeps to it (a real llama_cpp.server on loopback)."""
from __future__ import annotations

import json

import pytest

from app.core.engine.endpoint_engine import request_body
from app.core.engine.sampling import SamplingParams
from tests.core.engine.test_endpoint_engine import engine  # noqa: F401 (fixture)
from tests.helpers.keychain import no_keychain  # noqa: F401 (fixture)
from tests.helpers.llama_server import llama_server  # noqa: F401 (fixture)

SCHEMA = {"type": "object", "properties": {"colour": {"enum": ["red", "green"]}, "n": {"type": "integer"}},
          "required": ["colour", "n"], "additionalProperties": False}


def test_the_schema_is_sent_only_when_asked():
    messages = [{"role": "user", "content": "x"}]
    assert "response_format" not in request_body("m", messages, SamplingParams(), 10)
    body = request_body("m", messages, SamplingParams(json_schema=SCHEMA), 10)
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA} and body["guided_json"] == SCHEMA


@pytest.mark.slow
def test_the_servers_answer_keeps_to_the_schema(engine):  # noqa: F811
    sampling = SamplingParams(temperature=0.0, max_tokens=40, seed=1, json_schema=SCHEMA)
    done = engine.chat("c", [{"role": "user", "content": "Pick a colour and a number, as JSON."}], sampling).result(60)
    data = json.loads(done.text)
    assert set(data) == {"colour", "n"} and data["colour"] in ("red", "green") and isinstance(data["n"], int)
