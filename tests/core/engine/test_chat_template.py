"""Chat templates rendered in the sandbox: Mistral's no-system-role rule, defaults, hostile templates."""
from __future__ import annotations

import pytest

from app.core.engine.chat_template import DEFAULT_TEMPLATE, ChatTemplate, ChatTemplateError, fold_system
from tests.core.chat_templates import HOSTILE, MISTRAL_V03

CONVO = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "First?"},
    {"role": "assistant", "content": "One."},
    {"role": "user", "content": "Second?"},
]


def test_mistral_template_refuses_system_and_the_system_prompt_is_folded():
    t = ChatTemplate(MISTRAL_V03, bos_token="<s>", eos_token="</s>")
    text = t.render(CONVO)
    assert text == "<s>[INST] Be brief.\n\nFirst? [/INST]One.</s>[INST] Second? [/INST]"
    assert t.folds_system
    # Later renders fold straight away and give the same text.
    assert t.render(CONVO) == text


def test_template_with_system_role_keeps_it():
    t = ChatTemplate(DEFAULT_TEMPLATE)
    text = t.render(CONVO)
    assert text.startswith("<|im_start|>system\nBe brief.<|im_end|>\n")
    assert text.endswith("<|im_start|>assistant\n")
    assert not t.folds_system


def test_fold_system_without_user_turn_makes_one():
    assert fold_system([{"role": "system", "content": "S"}]) == [{"role": "user", "content": "S"}]


def test_rejected_conversation_is_a_plain_error():
    t = ChatTemplate(MISTRAL_V03, "<s>", "</s>")
    with pytest.raises(ChatTemplateError, match="roles must alternate"):
        t.render([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_template_is_refused_not_run(source, tmp_path):
    with pytest.raises(ChatTemplateError, match="Python internals|refuses"):
        ChatTemplate.for_model(source, "<s>", "</s>", "Evil")
    import os

    assert not os.path.exists("/tmp/strongroom-pwned")


def test_missing_or_malformed_template_gets_default_with_warning():
    t, warnings = ChatTemplate.for_model(None, "", "", "Bare")
    assert t.is_default and "no chat template" in warnings[0]
    t, warnings = ChatTemplate.for_model("{% for m in messages %}", "", "", "Broken")
    assert t.is_default and "malformed" in warnings[0]
    assert "<|im_start|>user\nQ<|im_end|>" in t.render([{"role": "user", "content": "Q"}])
