"""The claim check on statements whose support is known: precision and recall of `supported`.

From the evaluation corpora (tests/eval/corpus/ and, when present, the firm corpus) it takes
sentences that state a fact (a number, a month, a name or a defined term) and checks three kinds
of claim against the passage the sentence came from plus one passage of another document:

- copied: the sentence itself (truly supported);
- altered: the same sentence with one number, month or name changed (truly unsupported);
- unrelated: a fact-bearing sentence of another document (truly unsupported).

    .venv/bin/python tests/eval/run_claims_eval.py [--per-kind 150] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

from app.core.answers.claims import (MONTHS, _CAPITALISED_RUN, _NUMBER, check_claims, defined_terms,  # noqa: E402
                                     months, numbers, split_claims)
from tests.eval.evalset import CORPUS, FIRM_CORPUS, page_texts  # noqa: E402

WINDOW = 900
SUFFIXES = {".txt", ".md", ".pdf", ".docx", ".html", ".eml"}


@dataclass
class Case:
    kind: str  # copied, altered, unrelated
    claim: str
    passages: list[str]
    truly_supported: bool
    change: str = ""  # what was altered: number, month, name


def windows(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text)
    return [text[i:i + WINDOW] for i in range(0, max(len(text) - 200, 1), WINDOW)]


def corpus_windows() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for root in (CORPUS, FIRM_CORPUS):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in SUFFIXES or path.name == "SOURCES.md":
                continue
            texts = [path.read_text(encoding="utf-8", errors="replace")] if path.suffix == ".eml" else page_texts(path)
            found[str(path.relative_to(root.parent))] = [w for t in texts for w in windows(t) if len(w) > 300]
    return found


def fact_sentences(window: str) -> list[str]:
    """Whole sentences inside the window (not cut at its edges) that state a checkable fact."""
    parts = split_claims(window)[1:-1]
    keep = []
    for s in parts:
        s = s.strip()
        words = len(s.split())
        if 8 <= words <= 45 and (numbers(s) or months(s) or defined_terms(s)):
            keep.append(s)
    return keep


def alter(sentence: str, rng: random.Random, other_names: list[str]) -> tuple[str, str] | None:
    m = _NUMBER.search(sentence)
    if m:
        value = numbers(m.group(0))
        new = str(int(max(value or {1}) * 2 + 3))
        return sentence[:m.start()] + new + sentence[m.end():], "number"
    for word, month in MONTHS.items():
        hit = re.search(rf"\b{word}\b", sentence, re.IGNORECASE)
        if hit and len(word) > 3:
            other = next(k for k, v in MONTHS.items() if v == (month % 12) + 1 and len(k) > 3)
            return sentence[:hit.start()] + other.capitalize() + sentence[hit.end():], "month"
    hit = _CAPITALISED_RUN.search(sentence)
    if hit and other_names:
        candidates = [n for n in other_names if n.lower() != hit.group(1).lower()]
        if candidates:
            return sentence[:hit.start(1)] + rng.choice(candidates) + sentence[hit.end(1):], "name"
    return None


def build_cases(per_kind: int, seed: int = 7) -> list[Case]:
    rng = random.Random(seed)
    docs = corpus_windows()
    pool = [(doc, w, s) for doc, ws in docs.items() for w in ws for s in fact_sentences(w)]
    rng.shuffle(pool)
    names = sorted({m.group(1) for _, w, _ in pool for m in _CAPITALISED_RUN.finditer(w)})
    cases: list[Case] = []
    counts = {"copied": 0, "altered": 0, "unrelated": 0}
    for doc, window, sentence in pool:
        others = [(d, w) for d in docs if d != doc for w in docs[d][:3]]
        distractor_doc, distractor = rng.choice(others)
        passages = [window, distractor]
        if counts["copied"] < per_kind:
            cases.append(Case("copied", f"{sentence} [1]", passages, True))
            counts["copied"] += 1
        altered = alter(sentence, rng, names)
        if altered and counts["altered"] < per_kind and altered[0] != sentence:
            cases.append(Case("altered", f"{altered[0]} [1]", passages, False, altered[1]))
            counts["altered"] += 1
        if counts["unrelated"] < per_kind:
            foreign = [s for d, w, s in pool[:400] if d not in (doc, distractor_doc)]
            if foreign:
                cases.append(Case("unrelated", f"{rng.choice(foreign)} [1]", passages, False))
                counts["unrelated"] += 1
        if all(n >= per_kind for n in counts.values()):
            break
    return cases


def score(cases: list[Case], embed) -> dict:
    predictions = []
    for case in cases:
        claims = [c for c in check_claims(case.claim, case.passages, embed) if c.reason != "no statement to check"]
        predictions.append(all(c.supported for c in claims) if claims else True)
    tp = sum(1 for c, p in zip(cases, predictions) if p and c.truly_supported)
    fp = sum(1 for c, p in zip(cases, predictions) if p and not c.truly_supported)
    fn = sum(1 for c, p in zip(cases, predictions) if not p and c.truly_supported)
    by_kind = {}
    for kind in ("copied", "altered", "unrelated"):
        picked = [(c, p) for c, p in zip(cases, predictions) if c.kind == kind]
        by_kind[kind] = {"n": len(picked), "marked_supported": sum(1 for _, p in picked if p)}
    changes = {}
    for change in ("number", "month", "name"):
        picked = [(c, p) for c, p in zip(cases, predictions) if c.change == change]
        changes[change] = {"n": len(picked), "caught": sum(1 for _, p in picked if not p)}
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1), "by_kind": by_kind,
            "altered_by_change": changes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=150)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from app.core.index.embedder import Embedder, resolve_model

    embedder = Embedder(resolve_model("all-minilm-l6-v2"))
    cases = build_cases(args.per_kind)
    result = score(cases, embedder.embed_passages)
    k = result["by_kind"]
    print("| claims | n | marked supported |\n|---|---|---|")
    for kind, row in k.items():
        print(f"| {kind} | {row['n']} | {row['marked_supported']} |")
    changes = ", ".join(f"{c} {r['caught']}/{r['n']}" for c, r in result["altered_by_change"].items())
    print(f"\nprecision {result['precision']:.3f}, recall {result['recall']:.3f}; altered caught: {changes}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
