"""The `strongroom` command. No arguments opens the window; subcommands work headless.

Each subcommand lives in its own module with a `register(subparsers)` function.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from app.core.privacy import guard

COMMAND_MODULES = ("models", "doctor", "ask", "chat", "history", "library", "index", "search", "endpoint", "extract", "summarize", "intake")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strongroom", description="Private document Q&A, offline.")
    parser.add_argument("--version", action="version", version=f"Strongroom {__import__('app').__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"app.cli.{name}_cmd").register(sub)
    return parser


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = 1) -> int:
    print(f"strongroom: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    guard.offline_environment()
    guard.install()
    from app.core.foundation import logs

    logs.setup()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_optimize-shard"]:  # internal: app.core.index.shard_optimize, run as a child process
        from app.core.index import shard_optimize

        return shard_optimize.main(argv[1:])
    # The servers IT names (endpoint.url, libraries.server_url) are the only doors beyond loopback.
    from app.core.foundation.settings import Settings
    from app.core.remote import allowlist

    allowlist.apply(Settings())
    if not argv:
        from app.ui.launch import launch

        return launch()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
