"""What the engine samples with. The settings section defines the fields and their defaults once;
this type adds only how to read them from settings."""
from __future__ import annotations

import dataclasses

from app.core.foundation.settings import SamplingSettings


@dataclasses.dataclass
class SamplingParams(SamplingSettings):
    """temperature, top_p, top_k, min_p, repeat_penalty, max_tokens, seed (-1: a fresh random seed).

    json_schema: when set, the answer is constrained to JSON of this schema (locally a llama.cpp
    grammar; on an endpoint its structured-output option). Per request, never a setting."""

    json_schema: dict | None = None

    @classmethod
    def from_settings(cls, settings) -> "SamplingParams":
        return cls(**{name: settings.get(f"sampling.{name}") for name in SamplingSettings.__dataclass_fields__})
