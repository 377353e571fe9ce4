"""strongroom ask [--library NAME]... [--no-rag] [--model ID] [--json] "question": one question, one
streamed answer; with libraries, a grounded answer with its numbered sources."""
from __future__ import annotations

import sys
from contextlib import ExitStack

from app.cli import fail, print_json
from app.cli.history_access import HistoryUnavailable, open_cli_history, title_for
from app.cli.engine_session import SessionError, add_sampling_arguments, open_engine, sampling_from
from app.cli.library_sources import Sources, add_library_arguments, print_sources, stream_grounded
from app.core.engine.local_engine import Completion, ContextTooSmall, Engine
from app.core.foundation.settings import Settings


def register(sub) -> None:
    p = sub.add_parser("ask", help="ask one question and print the answer")
    p.add_argument("question", help="the question (quote it)")
    add_library_arguments(p)
    p.add_argument("--no-rag", action="store_true", help="answer from the model alone, without searching a library")
    p.add_argument("--json", action="store_true", help='print {"answer", "model", "sources", "timings"} as JSON')
    p.add_argument("--no-history", action="store_true", help="do not save this exchange in the conversation history")
    add_sampling_arguments(p)
    p.set_defaults(func=run)


def plain_messages(settings: Settings, question: str) -> list[dict]:
    system = settings.get("chat.system_prompt")
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]


def open_history_for(settings: Settings, args):
    """The history to record in, opened before the model loads so a refusal costs nothing; None to skip."""
    if args.no_history or not settings.get("history.enabled"):
        return None
    return open_cli_history(settings.get("history.retention_days"),
                            skip_hint=" To ask without saving the exchange, add --no-history.")


def record_history(history, args, text: str, sources: list, timings: dict, model_id: str) -> int | None:
    """`ask` is a one-turn conversation: the question and the answer, saved like the window saves them."""
    if history is None:
        return None
    conv = history.create_conversation(title_for(args.question), libraries=list(dict.fromkeys(args.library)))
    history.add_message(conv, "user", args.question)
    history.add_message(conv, "assistant", text, sources=sources or None, model=model_id, timings=timings)
    return conv


def run(args) -> int:
    question = (args.question or "").strip()
    if not question:
        return fail("the question is empty")
    if args.no_rag and args.library:
        return fail("--no-rag and --library contradict each other")
    settings = Settings()
    try:
        history = open_history_for(settings, args)
    except HistoryUnavailable as exc:
        return fail(str(exc))
    with ExitStack() as stack:
        if history is not None:
            stack.callback(history.close)
        try:
            sources = stack.enter_context(Sources(settings, args)) if args.library else None
            engine, loaded = open_engine(settings, args.model, quiet=args.json)
        except SessionError as exc:
            return fail(str(exc))
        stack.callback(engine.close)
        try:
            if sources is None:
                result = _plain(engine, settings, args)
            else:
                result = _grounded(engine, settings, args, sources)
        except ContextTooSmall as exc:
            return fail(str(exc))
        text, cited, finish, timings, extra = result
        conversation_id = record_history(history, args, text, cited, timings, loaded.info.id)
        if args.json:
            print_json({"answer": text, "model": loaded.info.id, "finish_reason": finish,
                        "conversation_id": conversation_id, **extra,
                        "timings": {"load_s": round(loaded.load_s, 3), **timings}})
        else:
            print()
            print_sources(cited)
            for note in extra.get("notes", []):
                print(f"strongroom: note: {note}", file=sys.stderr)
        return 130 if finish == "cancelled" else 0


def _stream(args):
    return None if args.json else (lambda piece: (sys.stdout.write(piece), sys.stdout.flush()))


def _plain(engine: Engine, settings: Settings, args):
    gen = engine.chat("cli-ask", plain_messages(settings, args.question), sampling_from(settings, args),
                      on_token=_stream(args))
    try:
        completion: Completion = gen.result()
    except KeyboardInterrupt:
        gen.cancel()
        completion = gen.result()
    t = completion.timings
    timings = {"ttft_ms": round(t.ttft_ms, 1), "tokens": t.tokens, "tokens_per_s": round(t.tokens_per_s, 2),
               "prompt_tokens": t.prompt_tokens}
    return completion.text, [], completion.finish_reason, timings, {}


def _grounded(engine: Engine, settings: Settings, args, sources: Sources):
    result = stream_grounded(engine, settings, args, sources, "cli-ask", [], args.question, _stream(args))
    extra = {"query": result.query, "sources": result.sources, "notes": result.notes}
    return result.text, result.sources, result.finish_reason, result.timings(), extra
