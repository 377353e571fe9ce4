"""Answer-path evaluation beyond single questions: follow-ups, and a firm's files in a client's words.

1. Two-turn conversations (multiturn.toml): hit@5 on turn 2, for follow-ups and for new topics,
   with each way of reading turn 2: alone, always joined to turn 1, the word rule the app used
   before (any short question, or one with it/this/that/there, joined), and the app's own
   (rag.Retriever.retrieve_turn: word cues say a question may depend, closer passages decide).
2. The firm corpus (firm/, firm_questions.toml, firm_unanswerable.toml): how often "nothing
   found" is said wrongly (false refusals) and rightly (correct refusals), gating hits by dense
   similarity alone and by the app's gate (dense similarity, or enough of the question's words).

    .venv/bin/python tests/eval/run_conversation_eval.py [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

from tests.eval.evalset import (CORPUS, FIRM_CORPUS, Question, load_firm_questions,  # noqa: E402
                                load_firm_unanswerable, load_multiturn)

HIT_AT = 5


def index_folder(embedder, name: str, folder: Path):
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import open_library_store, sync_library

    manager = LibraryManager()
    lib = manager.create(name, folders=[folder], exclude=["SOURCES.md", "*.py"])
    store = open_library_store(lib, embedder.dimensions)
    report = sync_library(lib, embedder, store=store, manager=manager)
    if report.failed:
        print(f"files the app could not index: {report.failed}", file=sys.stderr)
    return store, manager.get(name)


def is_hit(passage, root: Path, file: str, page: int | None) -> bool:
    try:
        relative = Path(passage.file).resolve().relative_to(root).as_posix()
    except ValueError:
        return False
    return relative == file and (page is None or passage.page == page)


# The app's reading before: a question of five words or fewer, or one with a pointing word or a
# leading "and", was joined to the question before it.
_OLD_LEADS = re.compile(r"^\s*(and what about|and how about|what about|how about|what if|same for|and|also|but|so|"
                        r"or|then|likewise|et|und|y|e)\b[\s,]*", re.IGNORECASE)
_OLD_ANAPHORA = re.compile(r"\b(it|its|it's|that|this|these|those|they|them|their|there|he|she|him|her|the same|"
                           r"the former|the latter|above|previous|said)\b", re.IGNORECASE)


def old_rule(question: str, previous: str) -> str:
    words = re.findall(r"\w+", question)
    if words and (_OLD_LEADS.match(question) or _OLD_ANAPHORA.search(question) or len(words) <= 5):
        return f"{previous} {_OLD_LEADS.sub('', question).strip() or question}"
    return question


def conversations(retriever, lib) -> dict:
    from app.core.answers.followup import joined_query

    readings = {
        "alone": lambda c: retriever.retrieve([lib], c.turn2, HIT_AT),
        "always joined": lambda c: retriever.retrieve([lib], joined_query(c.turn2, [c.turn1]), HIT_AT),
        "word rule (before)": lambda c: retriever.retrieve([lib], old_rule(c.turn2, c.turn1), HIT_AT),
        "app (retrieve_turn)": lambda c: retriever.retrieve_turn([lib], c.turn2, [c.turn1], HIT_AT),
    }
    result = {}
    convs = load_multiturn()
    for name, read in readings.items():
        row = {}
        for kind in ("follow-up", "new-topic"):
            picked = [c for c in convs if c.kind == kind]
            hits = sum(any(is_hit(p, CORPUS, c.file, c.page) for p in read(c).passages[:HIT_AT]) for c in picked)
            row[kind] = (hits, len(picked))
        result[name] = row
    return result


def firm_refusals(embedder, retriever, lib) -> dict:
    from app.core.answers import rag

    questions: list[Question] = load_firm_questions()
    unanswerable = load_firm_unanswerable()
    gates = {"dense floor only": rag.Retriever(embedder, retriever.open_store), "app (dense or words)": retriever}
    gates["dense floor only"].relevant = lambda hit, words: (  # type: ignore[method-assign]
        hit.similarity is None or hit.similarity >= retriever.min_similarity)
    result = {}
    for name, gate in gates.items():
        answers = [gate.retrieve([lib], q.question, 6).passages for q in questions]
        result[name] = {
            "false_refusals": sum(not a for a in answers), "answerable": len(questions),
            "hit": sum(any(is_hit(p, FIRM_CORPUS, q.file, q.page) for p in a) for q, a in zip(questions, answers)),
            "correct_refusals": sum(not gate.retrieve([lib], q, 6).passages for q in unanswerable),
            "unanswerable": len(unanswerable),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    os.environ["STRONGROOM_HOME"] = tempfile.mkdtemp(prefix="strongroom-eval-")
    from app.core.answers import rag
    from app.core.index.embedder import Embedder, resolve_model

    embedder = Embedder(resolve_model("all-minilm-l6-v2"))
    store, lib = index_folder(embedder, "Evaluation", CORPUS)
    multiturn = conversations(rag.Retriever(embedder, lambda _lib: nullcontext(store)), lib)
    firm_store, firm_lib = index_folder(embedder, "Firm", FIRM_CORPUS)
    firm = firm_refusals(embedder, rag.Retriever(embedder, lambda _lib: nullcontext(firm_store)), firm_lib)

    print(f"| turn 2 read as | follow-ups hit@{HIT_AT} | new topics hit@{HIT_AT} |\n|---|---|---|")
    for name, row in multiturn.items():
        cells = " | ".join(f"{h}/{n} ({h / n:.2f})" for h, n in (row["follow-up"], row["new-topic"]))
        print(f"| {name} | {cells} |")
    print("\n| firm corpus, gate | answerable: passage from the expected file/page | false refusals |"
          " correct refusals |\n|---|---|---|---|")
    for name, r in firm.items():
        print(f"| {name} | {r['hit']}/{r['answerable']} | {r['false_refusals']}/{r['answerable']} | "
              f"{r['correct_refusals']}/{r['unanswerable']} |")
    if args.json:
        args.json.write_text(json.dumps({"multiturn": multiturn, "firm": firm}, indent=1))
    store.close()
    firm_store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
