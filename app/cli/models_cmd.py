"""strongroom models [--json] | strongroom models verify [ID]"""
from __future__ import annotations

import sys

from app.cli import fail, print_json
from app.core.models.registry import Registry
from app.core.foundation.settings import Settings


def register(sub) -> None:
    p = sub.add_parser("models", help="list the models found on this machine")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    v = msub.add_parser("verify", help="check sha256 of model files against the catalog")
    v.add_argument("model", nargs="?", help="model id (default: all)")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_verify)


def _registry() -> Registry:
    return Registry.from_settings(Settings())


def _served(settings: Settings) -> tuple[list, str]:
    """What the firm's model server serves, when one is configured; (models, why none could be listed)."""
    if not settings.get("endpoint.url"):
        return [], ""
    from app.core.engine.backends import served_models
    from app.core.remote.errors import RemoteError

    try:
        return served_models(settings), ""
    except RemoteError as exc:
        return [], str(exc)


def run(args) -> int:
    settings = Settings()
    registry = Registry.from_settings(settings)
    models = registry.scan(role=None)  # chat and embedding models, each with its role
    registry.verify_pending([m for m in models if m.role == "chat"])
    served, problem = _served(settings)
    models += served
    if problem:
        print(f"strongroom: the model server's models are not listed: {problem}", file=sys.stderr)
    code = 1 if problem and settings.get("model.backend") == "endpoint" else 0
    if args.json:
        print_json([m.to_json() for m in models])
        return code
    if not models:
        print("No models found. Put .gguf files in one of the folders `strongroom doctor` lists.")
        return code
    for m in models:
        if m.origin == "endpoint":
            print(f"{m.id:40} {m.status:11} {m.origin:8} {m.description}")
            continue
        size = f"{m.size_bytes / 1024**3:.2f} GB" if m.size_bytes >= 1024**3 else f"{m.size_bytes / 1024**2:.0f} MB"
        fit = "" if m.fits_ram else "  (too large for this computer's memory)"
        role = "  (embedding)" if m.role == "embedding" else ""
        print(f"{m.id:40} {m.status:11} {m.origin:7} {size:>9}  {m.quantization:8} {m.path}{fit}{role}")
        if m.reason and m.status != "verified":
            print(f"{'':40} {m.reason}")
    return code


def run_verify(args) -> int:
    registry = _registry()
    models = registry.scan()
    if args.model:
        models = [m for m in models if m.id == args.model]
        if not models:
            return fail(f"no model with id {args.model!r}; see `strongroom models`")
    tty = sys.stderr.isatty() and not args.json
    for m in models:
        def progress(done: int, total: int, name=m.id) -> None:
            if tty:
                print(f"\rverifying {name}: {done * 100 // max(total, 1):3d}%", end="", file=sys.stderr, flush=True)

        registry.verify(m, progress)
        if tty:
            print(file=sys.stderr)
    if args.json:
        print_json([m.to_json() for m in models])
    else:
        for m in models:
            print(f"{m.id:40} {m.status:11} {m.reason}")
    return 1 if any(m.status in ("mismatch", "corrupt", "incomplete") for m in models) else 0
