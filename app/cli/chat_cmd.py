"""strongroom chat: an interactive conversation in the terminal, on the same engine as the window.

Ctrl-C while an answer streams stops that answer; Ctrl-C or Ctrl-D at the prompt, or /quit, leaves.
"""
from __future__ import annotations

import sys
import uuid

from app.cli import fail
from app.cli.engine_session import SessionError, add_sampling_arguments, open_engine, sampling_from
from app.core.engine import ContextTooSmall
from app.core.settings import Settings

HELP = "Type a question. /reset starts over, /quit leaves. Ctrl-C stops an answer."


def register(sub) -> None:
    p = sub.add_parser("chat", help="chat with the model in the terminal")
    add_sampling_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    settings = Settings()
    try:
        engine, loaded = open_engine(settings, args.model)
    except SessionError as exc:
        return fail(str(exc))
    system = settings.get("chat.system_prompt")
    sampling = sampling_from(settings, args)
    interactive = sys.stdin.isatty()
    print(f"{loaded.info.name}, context {loaded.n_ctx} tokens. {HELP}", file=sys.stderr)
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
            history.append({"role": "user", "content": line})
            head = [{"role": "system", "content": system}] if system else []
            gen = engine.chat(conversation, head + history, sampling,
                              on_token=lambda piece: (sys.stdout.write(piece), sys.stdout.flush()))
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
            history.append({"role": "assistant", "content": completion.text})
    finally:
        engine.close()
