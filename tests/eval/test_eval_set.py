"""The evaluation set itself is sound: every question points at a real file/page holding its answer."""
from __future__ import annotations

import functools
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.eval.evalset import (
    CORPUS,
    FIRM_CORPUS,
    KINDS,
    load_firm_questions,
    load_firm_unanswerable,
    load_multiturn,
    load_questions,
    load_unanswerable,
    normalize,
    page_texts,
)

QUESTIONS_LIST = load_questions()
CONVERSATIONS = load_multiturn()
FIRM_QUESTIONS_LIST = load_firm_questions()
FIRM_BUILDER = FIRM_CORPUS / "build_firm_corpus.py"
# What a naive "is this a follow-up?" rule keys on: a short question or a pronoun.
PRONOUN = re.compile(r"\b(it|this|that|there)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=None)
def _normalized_pages(path: Path) -> tuple[str, ...]:
    return tuple(normalize(t) for t in page_texts(path))


def _assert_answer_at(corpus: Path, label: str, file: str, page: int | None, expect: str | None) -> None:
    """`expect` occurs on `page` of `file` (anywhere in it for formats without pages)."""
    path = corpus / file
    assert path.is_file(), f"{label}: {file} is not in {corpus.name}/"
    pages = _normalized_pages(path)
    if path.suffix.lower() == ".pdf":
        assert page is not None, f"{label}: a PDF answer needs a page"
        assert 1 <= page <= len(pages), f"{label}: {file} has {len(pages)} pages, not {page}"
        where = [pages[page - 1]]
    else:
        assert page is None, f"{label}: only PDF answers have a page"
        where = list(pages)
    if expect:
        assert any(normalize(expect) in t for t in where), f"{label}: {expect!r} is not at {file} p.{page}"


def test_enough_questions_in_enough_formats():
    assert len(QUESTIONS_LIST) >= 40
    formats = Counter((CORPUS / q.file).suffix.lower() for q in QUESTIONS_LIST)
    assert len(formats) >= 4, formats
    assert formats[".pdf"] >= 5, "page-level questions are the point of PDFs"
    assert any(q.page and q.page > 1 for q in QUESTIONS_LIST)


def test_ids_unique_and_questions_distinct():
    assert len({q.id for q in QUESTIONS_LIST}) == len(QUESTIONS_LIST)
    assert len({normalize(q.question) for q in QUESTIONS_LIST}) == len(QUESTIONS_LIST)


def _assert_not_quoting(q) -> None:
    # The question must not simply quote its answer: retrieval should find it by meaning.
    if q.expect:
        phrase = normalize(q.expect)
        assert phrase not in normalize(q.question) or len(phrase) < 25, f"{q.id} copies its expected passage"


@pytest.mark.parametrize("q", QUESTIONS_LIST, ids=[q.id for q in QUESTIONS_LIST])
def test_question_points_at_its_answer(q):
    _assert_answer_at(CORPUS, q.id, q.file, q.page, q.expect)
    _assert_not_quoting(q)


def test_every_corpus_file_has_a_documented_source():
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for path in CORPUS.rglob("*"):
        if path.is_file() and path.name != "SOURCES.md":
            assert path.relative_to(CORPUS).as_posix() in sources, f"{path} has no entry in SOURCES.md"


@pytest.mark.parametrize("content, message", [
    ('[[question]]\nid = "x"\nquestion = "unterminated\n', "is not valid TOML"),
    ('title = "no questions here"\n', "has no [[question]] entries"),
    ('[[question]]\nid = "x"\nquestion = "q"\n', "question 1 (x)"),  # no file
    ('[[question]]\nid = "y"\nquestion = "q"\nfile = "a.txt"\npages = 2\n', "question 1 (y)"),  # typo
])
def test_hostile_questions_file_is_refused_plainly(tmp_path, content, message):
    bad = tmp_path / "questions.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_questions(bad)
    assert bad.read_text(encoding="utf-8") == content, "the file is left as it was"


def test_unanswerable_questions_are_distinct_from_the_answerable_ones():
    unanswerable = load_unanswerable()
    assert len(unanswerable) >= 20
    assert not {normalize(q) for q in unanswerable} & {normalize(q.question) for q in QUESTIONS_LIST}


@pytest.mark.parametrize("content, message", [
    ("questions = [\n", "is not valid TOML"),
    ("question = ['singular key']\n", "has no `questions = [...]` list"),
    ("questions = ['fine', 3]\n", "question 2 is not a piece of text"),
    ("questions = ['   ']\n", "question 1 is not a piece of text"),
])
def test_hostile_unanswerable_file_is_refused_plainly(tmp_path, content, message):
    bad = tmp_path / "unanswerable.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_unanswerable(bad)


# --- multiturn.toml: two-turn conversations over the same corpus ---


def test_conversations_are_enough_unique_and_balanced():
    assert len(CONVERSATIONS) >= 32
    assert len({c.id for c in CONVERSATIONS}) == len(CONVERSATIONS)
    assert len({normalize(c.turn2) for c in CONVERSATIONS if c.kind == "new-topic"}) == len(CONVERSATIONS) // 2
    kinds = Counter(c.kind for c in CONVERSATIONS)
    assert set(kinds) == set(KINDS) and kinds["follow-up"] == kinds["new-topic"], kinds
    assert all(normalize(c.turn1) != normalize(c.turn2) for c in CONVERSATIONS)


def test_many_new_topics_look_like_follow_ups():
    """A rule like "short, or has a pronoun, so rewrite it with turn 1" must be caught out."""
    lookalikes = [c.id for c in CONVERSATIONS
                  if c.kind == "new-topic" and (len(c.turn2.split()) <= 5 or PRONOUN.search(c.turn2))]
    assert len(lookalikes) >= 8, lookalikes
    openers = [c.id for c in CONVERSATIONS if c.kind == "new-topic" and c.turn2.split()[0] in ("And", "So")]
    assert openers, "some standalone questions open with And/So"


@pytest.mark.parametrize("c", CONVERSATIONS, ids=[c.id for c in CONVERSATIONS])
def test_second_turn_points_at_its_answer(c):
    _assert_answer_at(CORPUS, c.id, c.file, c.page, c.expect)
    assert c.expect, f"{c.id}: every conversation names the passage that answers turn 2"


@pytest.mark.parametrize("content, message", [
    ('[[conversation]]\nid = "x"\nturn1 = "unterminated\n', "is not valid TOML"),
    ('[[question]]\nid = "x"\n', "has no [[conversation]] entries"),
    ('[[conversation]]\nid = "a"\nkind = "follow-up"\nturn1 = "q"\nturn2 = "q2"\n', "conversation 1 (a)"),
    ('[[conversation]]\nid = "b"\nkind = "followup"\nturn1 = "q"\nturn2 = "q2"\nfile = "a.txt"\n',
     "conversation 1 (b): kind must be one of follow-up, new-topic, not 'followup'"),
])
def test_hostile_multiturn_file_is_refused_plainly(tmp_path, content, message):
    bad = tmp_path / "multiturn.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_multiturn(bad)


# --- firm/: a fictional law firm's documents, with questions in a client's words ---


def _firm_documents() -> list[Path]:
    return sorted(p for p in FIRM_CORPUS.rglob("*")
                  if p.is_file() and p.name != "SOURCES.md" and p != FIRM_BUILDER and "__pycache__" not in p.parts)


def test_firm_corpus_is_small_documented_and_in_every_format():
    documents = _firm_documents()
    names = [p.relative_to(FIRM_CORPUS).as_posix() for p in documents]
    sources = (FIRM_CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert "fictional" in sources
    assert [n for n in names if n not in sources] == [], "every document has a line in SOURCES.md"
    assert {p.suffix for p in documents} >= {".pdf", ".docx", ".eml", ".md", ".txt"}
    assert sum(1 for p in documents if p.suffix == ".eml") >= 3
    assert sum(p.stat().st_size for p in FIRM_CORPUS.rglob("*") if p.is_file()) < 1_000_000


def test_firm_corpus_is_what_its_builder_writes(tmp_path):
    """The committed files come from build_firm_corpus.py: same files, same text on every page."""
    subprocess.run([sys.executable, str(FIRM_BUILDER), "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=120)
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert built == [p.relative_to(FIRM_CORPUS) for p in _firm_documents()]
    for rel in built:
        committed, rebuilt = FIRM_CORPUS / rel, tmp_path / rel
        if rel.suffix in (".pdf", ".docx"):  # archives and compressed streams may differ with zlib builds
            assert page_texts(rebuilt) == page_texts(committed), f"{rel} is out of date: run {FIRM_BUILDER.name}"
        else:
            assert rebuilt.read_bytes() == committed.read_bytes(), f"{rel} is out of date: run {FIRM_BUILDER.name}"


def test_firm_questions_are_enough_unique_and_cover_every_document():
    assert len(FIRM_QUESTIONS_LIST) >= 30
    assert len({q.id for q in FIRM_QUESTIONS_LIST}) == len(FIRM_QUESTIONS_LIST)
    assert len({normalize(q.question) for q in FIRM_QUESTIONS_LIST}) == len(FIRM_QUESTIONS_LIST)
    asked = {q.file for q in FIRM_QUESTIONS_LIST}
    assert [p.relative_to(FIRM_CORPUS).as_posix() for p in _firm_documents()
            if p.relative_to(FIRM_CORPUS).as_posix() not in asked] == []
    assert any(q.page and q.page > 1 for q in FIRM_QUESTIONS_LIST)


@pytest.mark.parametrize("q", FIRM_QUESTIONS_LIST, ids=[q.id for q in FIRM_QUESTIONS_LIST])
def test_firm_question_points_at_its_answer(q):
    _assert_answer_at(FIRM_CORPUS, q.id, q.file, q.page, q.expect)
    assert q.expect, f"{q.id}: every firm question names the passage that answers it"
    _assert_not_quoting(q)


def test_firm_unanswerable_questions_are_enough_and_distinct():
    unanswerable = load_firm_unanswerable()
    assert len(unanswerable) >= 15
    assert len({normalize(q) for q in unanswerable}) == len(unanswerable)
    assert not {normalize(q) for q in unanswerable} & {normalize(q.question) for q in FIRM_QUESTIONS_LIST}
