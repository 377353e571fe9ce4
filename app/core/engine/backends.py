"""Which backend answers: model.backend picks the local llama.cpp engine or the firm's model server.
The one place that knows both; the CLI and the window ask here."""
from __future__ import annotations

from app.core.engine.interface import ChatEngine
from app.core.models.registry import ModelInfo, Registry

LOCAL, ENDPOINT = "local", "endpoint"


def backend_of(info: ModelInfo) -> str:
    return ENDPOINT if info.origin == ENDPOINT else LOCAL


def make_engine(backend: str, registry: Registry | None = None) -> ChatEngine:
    if backend == ENDPOINT:
        from app.core.engine.endpoint_engine import EndpointEngine

        return EndpointEngine()
    from app.core.engine.local_engine import Engine

    return Engine(registry)


def configured_model(settings) -> ModelInfo | None:
    """endpoint.model as a model entry, without asking the server (None when either is not set)."""
    from app.core.engine.endpoint_engine import endpoint_model

    name, url = settings.get("endpoint.model"), settings.get("endpoint.url")
    return endpoint_model(name, url) if name and url else None


def served_models(settings) -> list[ModelInfo]:
    """What the model server serves (GET /v1/models); raises RemoteError in plain words."""
    from app.core.engine.endpoint_engine import endpoint_model
    from app.core.remote.endpoint_config import EndpointConfig
    from app.core.remote.openai_api import ModelServer

    config = EndpointConfig.from_settings(settings)
    server = ModelServer(config)
    try:
        return [endpoint_model(m.id, config.v1, m.context or 0) for m in server.models()]
    finally:
        server.close()


def backend_refusal(info: ModelInfo, settings) -> str | None:
    """Why this model is not used under model.backend; None when its backend is the one in force."""
    backend = settings.get("model.backend")
    if backend_of(info) == backend:
        return None
    if backend == ENDPOINT:
        return (f"Answers come from the firm's model server (model.backend = endpoint); {info.name} on this "
                "computer is not used.")
    return (f"{info.name} is served by the firm's model server; set model.backend to endpoint in Settings to "
            "use it.")
