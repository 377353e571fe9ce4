"""strongroom endpoint set-key | clear-key | test [--json]: the firm's model server (model.backend =
endpoint). The key is read from stdin or typed at a prompt, never from the command line (which the
shell's history and `ps` would show), and kept in the OS keychain."""
from __future__ import annotations

import sys

from app.cli import fail, print_json
from app.cli.secret_input import store_secret
from app.core.foundation.settings import Settings
from app.core.privacy.keystore import KeyStoreError
from app.core.remote.endpoint_config import API_KEY, EndpointConfig
from app.core.remote.errors import RemoteError


def register(sub) -> None:
    p = sub.add_parser("endpoint", help="the firm's model server: its API key, and a connection test")
    esub = p.add_subparsers(dest="endpoint_command", metavar="ACTION", required=True)
    s = esub.add_parser("set-key", help="store the model server's API key in the OS keychain (read from stdin "
                                        "or typed at the prompt)")
    s.set_defaults(func=run_set_key)
    c = esub.add_parser("clear-key", help="remove the model server's API key from the OS keychain")
    c.set_defaults(func=run_clear_key)
    t = esub.add_parser("test", help="connect to endpoint.url: TLS, latency, the models it serves")
    t.add_argument("--json", action="store_true", help="machine-readable output")
    t.set_defaults(func=run_test)


def run_set_key(args) -> int:
    return store_secret(API_KEY, "API key of the model server: ")


def run_clear_key(args) -> int:
    try:
        removed = API_KEY.clear()
    except KeyStoreError as exc:
        return fail(str(exc))
    print("The API key was removed from the OS keychain." if removed else "The OS keychain held no API key.")
    return 0


def run_test(args) -> int:
    from app.core.remote.openai_api import ModelServer

    settings = Settings()
    config = EndpointConfig.from_settings(settings)
    try:
        server = ModelServer(config)
        try:
            probe = server.probe()
        finally:
            server.close()
    except RemoteError as exc:
        return fail(str(exc))
    report = {"url": probe.url, "tls": probe.tls, "latency_ms": round(probe.latency_ms, 1), "models": probe.models,
              "model": config.model, "model_served": config.model in probe.models,
              "key": API_KEY.source() or "none", "backend": settings.get("model.backend")}
    if args.json:
        print_json(report)
    else:
        print(f"Model server: {probe.url}\nTLS:          {probe.tls}\nLatency:      {probe.latency_ms:.0f} ms "
              f"(GET /v1/models)\nAPI key:      {report['key']}\nServes:       {', '.join(probe.models) or 'nothing'}")
        if config.model and not report["model_served"]:
            print(f"strongroom: endpoint.model {config.model!r} is not among them", file=sys.stderr)
    return 0 if report["model_served"] or not config.model else 1
