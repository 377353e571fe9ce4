"""strongroom ask [--no-rag] [--model ID] [--json] "question": one question, one streamed answer."""
from __future__ import annotations

import sys

from app.cli import fail, print_json
from app.cli.history_access import HistoryUnavailable, open_cli_history, title_for
from app.cli.engine_session import SessionError, add_sampling_arguments, open_engine, sampling_from
from app.core.engine import Completion, ContextTooSmall, Engine
from app.core.settings import Settings


def register(sub) -> None:
    p = sub.add_parser("ask", help="ask one question and print the answer")
    p.add_argument("question", help="the question (quote it)")
    p.add_argument("--no-rag", action="store_true", help="answer from the model alone, without searching a library")
    p.add_argument("--json", action="store_true", help='print {"answer", "model", "timings"} as JSON')
    p.add_argument("--no-history", action="store_true", help="do not save this exchange in the conversation history")
    add_sampling_arguments(p)
    p.set_defaults(func=run)


def build_messages(engine: Engine, settings: Settings, args) -> tuple[list[dict], list]:
    """The messages for the model, and the sources they were built from.

    Plain chat for now (`--no-rag`, or no library given). Retrieval plugs in here: search the library,
    then `engine.fit(system, [], passages, question, max_tokens)` picks the passages that fit.
    """
    system = settings.get("chat.system_prompt")
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": args.question})
    return messages, []


def open_history_for(settings: Settings, args):
    """The history to record in, opened before the model loads so a refusal costs nothing; None to skip."""
    if args.no_history or not settings.get("history.enabled"):
        return None
    return open_cli_history(settings.get("history.retention_days"),
                            skip_hint=" To ask without saving the exchange, add --no-history.")


def record_history(history, args, sources: list, completion: Completion, model_id: str) -> int | None:
    """`ask` is a one-turn conversation: the question and the answer, saved like the window saves them."""
    if history is None:
        return None
    t = completion.timings
    conv = history.create_conversation(title_for(args.question), libraries=[])
    history.add_message(conv, "user", args.question)
    history.add_message(conv, "assistant", completion.text, sources=sources, model=model_id,
                        timings={"ttft_ms": round(t.ttft_ms, 1), "tokens": t.tokens,
                                 "tokens_per_s": round(t.tokens_per_s, 2)})
    return conv


def run(args) -> int:
    question = (args.question or "").strip()
    if not question:
        return fail("the question is empty")
    settings = Settings()
    try:
        history = open_history_for(settings, args)
    except HistoryUnavailable as exc:
        return fail(str(exc))
    try:
        engine, loaded = open_engine(settings, args.model, quiet=args.json)
    except SessionError as exc:
        if history is not None:
            history.close()
        return fail(str(exc))
    try:
        messages, sources = build_messages(engine, settings, args)
        stream = None if args.json else (lambda piece: (sys.stdout.write(piece), sys.stdout.flush()))
        gen = engine.chat("cli-ask", messages, sampling_from(settings, args), on_token=stream)
        try:
            completion = gen.result()
        except KeyboardInterrupt:
            gen.cancel()
            completion = gen.result()
        except ContextTooSmall as exc:
            return fail(str(exc))
        conversation_id = record_history(history, args, sources, completion, loaded.info.id)
        if args.json:
            t = completion.timings
            print_json({
                "answer": completion.text,
                "model": loaded.info.id,
                "finish_reason": completion.finish_reason,
                "conversation_id": conversation_id,
                "timings": {"load_s": round(loaded.load_s, 3), "ttft_ms": round(t.ttft_ms, 1), "tokens": t.tokens,
                            "tokens_per_s": round(t.tokens_per_s, 2), "prompt_tokens": t.prompt_tokens},
            })
        else:
            print()
        return 130 if completion.finish_reason == "cancelled" else 0
    finally:
        engine.close()
        if history is not None:
            history.close()
