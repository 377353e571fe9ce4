"""What `ask` and `chat` share: pick the backend (model.backend) and the model from settings or
--model, load it, report progress."""
from __future__ import annotations

import sys

from app.core.engine.backends import ENDPOINT, make_engine
from app.core.engine.interface import ChatEngine, EngineError, LoadedModel
from app.core.engine.sampling import SamplingParams
from app.core.models.registry import ModelInfo, Registry
from app.core.foundation.settings import Settings


class SessionError(Exception):
    """A plain-language reason the command cannot start."""


def _endpoint_model(settings: Settings, model_id: str | None) -> ModelInfo:
    from app.core.engine.endpoint_engine import endpoint_model

    return endpoint_model(model_id or settings.get("endpoint.model"), settings.get("endpoint.url"))


def open_engine(settings: Settings, model_id: str | None, quiet: bool = False) -> tuple[ChatEngine, LoadedModel]:
    """The backend model.backend names, with the model loaded (on the firm's server: checked served)."""
    registry = None
    if settings.get("model.backend") == ENDPOINT:
        info = _endpoint_model(settings, model_id)
    else:
        registry = Registry.from_settings(settings)
        wanted = model_id or settings.get("model.default_model")
        info = registry.find(wanted)
        if info is None:
            raise SessionError(f"no model with id {wanted!r}; see `strongroom models`")
    show = not quiet and sys.stderr.isatty()

    def progress(fraction: float) -> None:
        if show:
            print(f"\rloading {info.name}: {fraction * 100:3.0f}%", end="", file=sys.stderr, flush=True)

    engine = make_engine(settings.get("model.backend"), registry)
    try:
        loaded = engine.load(info, settings=settings, on_progress=progress).result()
    except EngineError as exc:
        engine.close()
        raise SessionError(str(exc)) from None
    finally:
        if show:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    if not quiet:
        for warning in loaded.warnings:
            print(f"strongroom: warning: {warning}", file=sys.stderr)
    return engine, loaded


def sampling_from(settings: Settings, args) -> SamplingParams:
    sampling = SamplingParams.from_settings(settings)
    if getattr(args, "max_tokens", None):
        sampling.max_tokens = args.max_tokens
    if getattr(args, "seed", None) is not None:
        sampling.seed = args.seed
    if getattr(args, "temperature", None) is not None:
        sampling.temperature = args.temperature
    return sampling


def add_sampling_arguments(p) -> None:
    p.add_argument("--model", help="model id (default: model.default_model, or endpoint.model with the endpoint backend)")
    p.add_argument("--max-tokens", type=int, help="longest answer, in tokens (default: sampling.max_tokens)")
    p.add_argument("--temperature", type=float, help="0 for the most likely words (default: sampling.temperature)")
    p.add_argument("--seed", type=int, help="fixed seed for repeatable answers (default: sampling.seed)")
