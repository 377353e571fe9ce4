"""The evaluation runner's scoring: what counts as a hit, how ranks become hit@k and MRR."""
from __future__ import annotations

from tests.eval.evalset import CORPUS, Question
from tests.eval.run_eval import ModeResult, is_hit, reference_chunks


def test_a_hit_needs_the_file_and_for_pdfs_the_page():
    pdf = Question(id="p", question="?", file="licenses/MPL-1.1.pdf", page=6)
    txt = Question(id="t", question="?", file="licenses/GPL-3.txt")
    assert is_hit({"file": str(CORPUS / "licenses/MPL-1.1.pdf"), "page": 6}, pdf)
    assert not is_hit({"file": str(CORPUS / "licenses/MPL-1.1.pdf"), "page": 7}, pdf)
    assert is_hit({"file": str(CORPUS / "licenses/GPL-3.txt"), "page": None}, txt)
    # The near-duplicate version is a miss, and so is a path outside the corpus.
    assert not is_hit({"file": str(CORPUS / "licenses/GPL-2.txt"), "page": None}, txt)
    assert not is_hit({"file": "/elsewhere/licenses/GPL-3.txt"}, txt)
    assert not is_hit({}, txt)


def test_hit_rates_and_mrr_from_ranks():
    r = ModeResult(ranks=[1, 2, None, 6], seconds=[0.001, 0.002, 0.003, 0.004])
    assert r.hit_at(1) == 0.25
    assert r.hit_at(5) == 0.5
    assert abs(r.mrr - (1 + 1 / 2 + 1 / 6) / 4) < 1e-12
    assert r.ms(0.5) == 3.0


def test_reference_chunks_cover_the_text_with_overlap():
    text = (CORPUS / "licenses/GPL-2.txt").read_text(encoding="utf-8")
    chunks = reference_chunks(text)
    words = " ".join(text.split())
    assert len(chunks) > 10 and all(0 < len(c) <= 900 for c in chunks)
    assert chunks[0].startswith(words[:40]) and words.endswith(chunks[-1][-40:])
    for before, after in zip(chunks, chunks[1:]):
        assert after[:20] in before, "consecutive windows overlap"
    assert all(c in words for c in chunks)


def test_version_subset_keeps_only_flagged_questions():
    from tests.eval.evalset import load_questions
    from tests.eval.run_eval import subset

    questions = load_questions()
    ranks = list(range(1, len(questions) + 1))
    picked = subset({"hybrid": ModeResult(ranks=ranks, seconds=[0.0] * len(ranks))}, [q.versioned for q in questions])
    assert picked["hybrid"].ranks == [r for r, q in zip(ranks, questions) if q.versioned]
    assert 20 <= len(picked["hybrid"].ranks) < len(questions)


def test_claims_eval_alters_one_fact_and_builds_every_kind():
    import random

    from tests.eval.run_claims_eval import alter, build_cases

    changed, kind = alter("The notice period is 90 days from 1 March.", random.Random(1), ["Acme GmbH"])
    assert (changed, kind) == ("The notice period is 183 days from 1 March.", "number")
    changed, kind = alter("Signed in March by Acme Holdings Ltd in Oslo.", random.Random(1), ["Baker Partners"])
    assert kind == "month" and "April" in changed
    cases = build_cases(per_kind=4)
    assert {c.kind for c in cases} == {"copied", "altered", "unrelated"}
    assert all(c.truly_supported == (c.kind == "copied") for c in cases)
