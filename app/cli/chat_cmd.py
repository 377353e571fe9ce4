"""strongroom chat [--library NAME]...: an interactive conversation in the terminal, on the same engine
as the window; with libraries, every answer comes from them, with its numbered sources.

Ctrl-C while an answer streams stops that answer; Ctrl-C or Ctrl-D at the prompt, or /quit, leaves.
"""
from __future__ import annotations

import sys
import uuid
from contextlib import ExitStack

from app.cli import fail
from app.cli.engine_session import SessionError, add_sampling_arguments, open_engine, sampling_from
from app.cli.library_sources import (Sources, add_library_arguments, print_sources, print_unsupported,
                                    stream_grounded)
from app.core.engine.context_budget import ContextTooSmall
from app.core.engine.repetition import FINISH_REASON as REPETITION, NOTE as REPETITION_NOTE
from app.core.foundation.settings import Settings

HELP = "Type a question. /reset starts over, /quit leaves. Ctrl-C stops an answer."


def register(sub) -> None:
    p = sub.add_parser("chat", help="chat with the model in the terminal")
    add_library_arguments(p)
    add_sampling_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    settings = Settings()
    with ExitStack() as stack:
        try:
            sources = stack.enter_context(Sources(settings, args)) if args.library else None
            engine, loaded = open_engine(settings, args.model)
        except SessionError as exc:
            return fail(str(exc))
        return _loop(engine, loaded, settings, args, sources)


def _write(piece: str) -> None:
    sys.stdout.write(piece)
    sys.stdout.flush()


def _loop(engine, loaded, settings: Settings, args, sources: Sources | None) -> int:
    system = settings.get("chat.system_prompt")
    sampling = sampling_from(settings, args)
    interactive = sys.stdin.isatty()
    where = f" Answers come from: {', '.join(lib.name for lib in sources.libraries)}." if sources else ""
    print(f"{loaded.info.name}, context {loaded.n_ctx} tokens.{where} {HELP}", file=sys.stderr)
    conversation = str(uuid.uuid4())
    history: list[dict] = []
    try:
        while True:
            try:
                line = input("> " if interactive else "")
            except (EOFError, KeyboardInterrupt):
                print(file=sys.stderr)
                return 0
            line = line.strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                return 0
            if line == "/reset":
                history, conversation = [], str(uuid.uuid4())
                print("(new conversation)", file=sys.stderr)
                continue
            if sources is not None:
                try:
                    result = stream_grounded(engine, settings, args, sources, conversation, history, line, _write)
                except KeyboardInterrupt:
                    print("\n(stopped)", file=sys.stderr)
                    continue
                except ContextTooSmall as exc:
                    print(f"\nstrongroom: {exc}", file=sys.stderr)
                    continue
                print()
                if result.finish_reason == REPETITION:
                    print(f"({REPETITION_NOTE})", file=sys.stderr)
                print_unsupported([c.to_json() for c in result.claims])
                print_sources(result.sources)
                history += [{"role": "user", "content": line}, {"role": "assistant", "content": result.text}]
                continue
            history.append({"role": "user", "content": line})
            head = [{"role": "system", "content": system}] if system else []
            gen = engine.chat(conversation, head + history, sampling, on_token=_write)
            try:
                completion = gen.result()
            except KeyboardInterrupt:
                gen.cancel()
                completion = gen.result()
            except ContextTooSmall as exc:
                history.pop()
                print(f"\nstrongroom: {exc}", file=sys.stderr)
                continue
            print()
            if completion.finish_reason == "cancelled":
                print("(stopped)", file=sys.stderr)
            elif completion.finish_reason == REPETITION:
                print(f"({REPETITION_NOTE})", file=sys.stderr)
            history.append({"role": "assistant", "content": completion.text})
    finally:
        engine.close()
