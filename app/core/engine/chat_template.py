"""Chat templates from GGUF metadata, rendered in a Jinja sandbox.

A GGUF file carries its prompt format as a Jinja template (`tokenizer.chat_template`). The file may
come from anywhere, so the template runs in `ImmutableSandboxedEnvironment` (as transformers does):
a template that reaches for `__class__`, `os` or other Python internals fails with
ChatTemplateError instead of running code.

Mistral Instruct templates (v0.1 to v0.3) refuse a system message ("Conversation roles must
alternate"); for such templates the system prompt is folded into the first user turn.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence, TypedDict

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

log = logging.getLogger(__name__)

# Used when a model has no template: ChatML, the format most small instruct models are tuned on.
DEFAULT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
NO_TEMPLATE_WARNING = (
    "{name} has no chat template in its file; a generic format (ChatML) is used, "
    "so its answers may be poorer than with its own format."
)

class ChatTurn(TypedDict):
    """One turn as the model's chat template reads it: plain dicts, so callers build them inline."""

    role: str  # "system", "user" or "assistant"
    content: str


class ChatTemplateError(ValueError):
    """The model's chat template cannot be used; the message says why in plain words."""


class _TemplateRaised(Exception):
    """raise_exception() inside a template: the template rejects these messages."""


def _raise_exception(message: str):
    raise _TemplateRaised(message)


def _tojson(value, indent=None, ensure_ascii=False, sort_keys=False):
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env


def fold_system(messages: Sequence[ChatTurn]) -> list[ChatTurn]:
    """The system prompt moved to the start of the first user message (for templates without a system role)."""
    messages = [dict(m) for m in messages]
    system = [m["content"] for m in messages if m["role"] == "system"]
    rest = [m for m in messages if m["role"] != "system"]
    if not system:
        return rest
    prefix = "\n\n".join(s for s in system if s)
    for m in rest:
        if m["role"] == "user":
            m["content"] = f"{prefix}\n\n{m['content']}" if prefix else m["content"]
            return rest
    return [{"role": "user", "content": prefix}, *rest]


@dataclass
class ChatTemplate:
    source: str
    bos_token: str = ""
    eos_token: str = ""
    is_default: bool = False
    folds_system: bool = False  # learned on first render: the template refuses a system role

    def __post_init__(self):
        try:
            self._compiled = _environment().from_string(self.source)
        except jinja2.TemplateSyntaxError as exc:
            raise ChatTemplateError(f"the model's chat template is malformed (line {exc.lineno}: {exc.message})") from None

    @classmethod
    def for_model(cls, source: str | None, bos_token: str, eos_token: str, model_name: str) -> tuple["ChatTemplate", list[str]]:
        """The model's own template, or the default with a warning when it has none or it is malformed.

        A template that tries to escape the sandbox is not replaced silently: ChatTemplateError.
        """
        warnings: list[str] = []
        if source and source.strip():
            try:
                template = cls(source, bos_token, eos_token)
                template.check()
                return template, warnings
            except ChatTemplateError as exc:
                if isinstance(exc.__cause__, SecurityError):
                    raise
                warnings.append(f"{model_name}: {exc}; a generic format (ChatML) is used instead.")
        else:
            warnings.append(NO_TEMPLATE_WARNING.format(name=model_name))
        for w in warnings:
            log.warning("%s", w)
        return cls(DEFAULT_TEMPLATE, bos_token, eos_token, is_default=True), warnings

    def check(self) -> None:
        """A trial render, so a hostile or broken template is caught at load time, not mid-conversation."""
        self.render([{"role": "system", "content": "S"}, {"role": "user", "content": "Q"},
                     {"role": "assistant", "content": "A"}, {"role": "user", "content": "Q"}])

    def render(self, messages: Sequence[ChatTurn], add_generation_prompt: bool = True) -> str:
        messages = [{"role": m["role"], "content": m["content"]} for m in messages]
        if self.folds_system:
            return self._render(fold_system(messages), add_generation_prompt)
        try:
            return self._render(messages, add_generation_prompt)
        except _TemplateRaised as first:
            if not any(m["role"] == "system" for m in messages):
                raise ChatTemplateError(f"the model's chat template rejected the conversation: {first}") from None
            try:
                text = self._render(fold_system(messages), add_generation_prompt)
            except _TemplateRaised as exc:
                raise ChatTemplateError(f"the model's chat template rejected the conversation: {exc}") from None
            self.folds_system = True
            log.info("chat template has no system role: the system prompt goes into the first user turn")
            return text

    def _render(self, messages: list[ChatTurn], add_generation_prompt: bool) -> str:
        try:
            return self._compiled.render(
                messages=messages, add_generation_prompt=add_generation_prompt,
                bos_token=self.bos_token, eos_token=self.eos_token,
            )
        except _TemplateRaised:
            raise
        except SecurityError as exc:
            raise ChatTemplateError(
                f"the model's chat template tried to use Python internals ({exc}); "
                "Strongroom refuses to run it. The model file may have been tampered with."
            ) from exc
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
            raise ChatTemplateError(f"the model's chat template failed ({type(exc).__name__}: {exc})") from None
