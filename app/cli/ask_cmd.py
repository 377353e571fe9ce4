"""strongroom ask [--library NAME]... [--continue ID] [--no-rag] [--model ID] [--json] "question": one
question, one streamed answer; with libraries, a grounded answer with its numbered sources and its
statements checked against them. --continue adds the exchange to a saved conversation and reads the
question in its light (a follow-up is searched together with the question it follows)."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import dataclass

from app.cli import fail, print_json
from app.cli.history_access import HistoryUnavailable, open_cli_history, title_for
from app.cli.engine_session import SessionError, add_sampling_arguments, open_engine, sampling_from
from app.cli.library_sources import (Sources, add_library_arguments, print_sources, print_unsupported,
                                    stream_grounded)
from app.core.engine.context_budget import ContextTooSmall
from app.core.engine.interface import CUT_OFF, CUT_OFF_NOTE, ChatEngine, Completion
from app.core.engine.repetition import FINISH_REASON as REPETITION, NOTE as REPETITION_NOTE
from app.core.foundation.settings import Settings


def register(sub) -> None:
    p = sub.add_parser("ask", help="ask one question and print the answer")
    p.add_argument("question", help="the question (quote it)")
    add_library_arguments(p)
    p.add_argument("--no-rag", action="store_true", help="answer from the model alone, without searching a library")
    p.add_argument("--json", action="store_true", help='print {"answer", "model", "sources", "timings"} as JSON')
    p.add_argument("--no-history", action="store_true", help="do not save this exchange in the conversation history")
    p.add_argument("--continue", dest="continue_id", metavar="ID", type=int,
                   help="continue the saved conversation ID (from `ask --json`'s conversation_id or `history list`); "
                        "its libraries are searched unless --library names others")
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


@dataclass
class Earlier:
    """The saved conversation `--continue` adds to: its id, libraries and turns so far."""

    id: int
    libraries: list[str]
    turns: list[dict]


def earlier_conversation(history, conversation_id: int) -> Earlier:
    summary = next((s for s in history.list_conversations() if s.id == conversation_id), None)
    if summary is None:
        raise SessionError(f"there is no saved conversation {conversation_id}; see `strongroom history list`")
    turns = [{"role": m.role, "content": m.content} for m in history.messages(conversation_id)
             if m.role in ("user", "assistant") and m.content]
    return Earlier(conversation_id, list(summary.libraries), turns)


def record_history(history, args, earlier: Earlier | None, text: str, sources: list, timings: dict,
                   model_id: str, claims: list[dict]) -> int | None:
    """Saves the question and the answer like the window does: in a new conversation, or at the end
    of the one being continued."""
    if history is None:
        return None
    if earlier is not None:
        conv = earlier.id
    else:
        conv = history.create_conversation(title_for(args.question), libraries=list(dict.fromkeys(args.library)))
    history.add_message(conv, "user", args.question)
    history.add_message(conv, "assistant", text, sources=sources or None, model=model_id, timings=timings,
                        claims=claims or None)
    return conv


def run(args) -> int:
    question = (args.question or "").strip()
    if not question:
        return fail("the question is empty")
    if args.no_rag and args.library:
        return fail("--no-rag and --library contradict each other")
    if args.continue_id is not None and args.no_history:
        return fail("--continue adds to a saved conversation: it cannot be combined with --no-history")
    settings = Settings()
    try:
        history = open_history_for(settings, args)
    except HistoryUnavailable as exc:
        return fail(str(exc))
    if args.continue_id is not None and history is None:
        return fail("history is switched off (history.enabled): there is no saved conversation to continue")
    with ExitStack() as stack:
        if history is not None:
            stack.callback(history.close)
        try:
            earlier = earlier_conversation(history, args.continue_id) if args.continue_id is not None else None
            if earlier is not None and not args.library and not args.no_rag:
                args.library = earlier.libraries
            sources = stack.enter_context(Sources(settings, args)) if args.library else None
            engine, loaded = open_engine(settings, args.model, quiet=args.json)
        except SessionError as exc:
            return fail(str(exc))
        stack.callback(engine.close)
        turns = earlier.turns if earlier is not None else []
        try:
            if sources is None:
                result = _plain(engine, settings, args, turns)
            else:
                result = _grounded(engine, settings, args, sources, turns)
        except ContextTooSmall as exc:
            return fail(str(exc))
        text, cited, finish, timings, extra = result
        conversation_id = record_history(history, args, earlier, text, cited, timings, loaded.info.id,
                                         extra.get("claims", []))
        if args.json:
            print_json({"answer": text, "model": loaded.info.id, "finish_reason": finish,
                        "conversation_id": conversation_id, **extra,
                        "timings": {"load_s": round(loaded.load_s, 3), **timings}})
        else:
            print()
            if finish == REPETITION:
                print(f"strongroom: {REPETITION_NOTE}", file=sys.stderr)
            if finish == CUT_OFF:
                print(f"strongroom: {CUT_OFF_NOTE}", file=sys.stderr)
            print_unsupported(extra.get("claims", []))
            print_sources(cited)
            for note in extra.get("notes", []):
                print(f"strongroom: note: {note}", file=sys.stderr)
        return 130 if finish == "cancelled" else 1 if finish == CUT_OFF else 0


def _stream(args):
    return None if args.json else (lambda piece: (sys.stdout.write(piece), sys.stdout.flush()))


def _plain(engine: ChatEngine, settings: Settings, args, turns: list[dict]):
    messages = plain_messages(settings, args.question)
    messages[-1:-1] = turns  # earlier turns of a continued conversation go before the question
    gen = engine.chat("cli-ask", messages, sampling_from(settings, args), on_token=_stream(args))
    try:
        completion: Completion = gen.result()
    except KeyboardInterrupt:
        gen.cancel()
        completion = gen.result()
    t = completion.timings
    timings = {"ttft_ms": round(t.ttft_ms, 1), "tokens": t.tokens, "tokens_per_s": round(t.tokens_per_s, 2),
               "prompt_tokens": t.prompt_tokens}
    return completion.text, [], completion.finish_reason, timings, {}


def _grounded(engine: ChatEngine, settings: Settings, args, sources: Sources, turns: list[dict]):
    result = stream_grounded(engine, settings, args, sources, "cli-ask", turns, args.question, _stream(args))
    extra = {"query": result.query, "sources": result.sources, "notes": result.notes,
             "claims": [c.to_json() for c in result.claims]}
    return result.text, result.sources, result.finish_reason, result.timings(), extra
