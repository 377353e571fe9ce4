"""The evaluation set itself is sound: every question points at a real file/page holding its answer."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.eval.evalset import CORPUS, load_questions, load_unanswerable, normalize, page_texts

QUESTIONS_LIST = load_questions()


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    files = {q.file for q in QUESTIONS_LIST}
    return {f: page_texts(CORPUS / f) for f in files if (CORPUS / f).is_file()}


def test_enough_questions_in_enough_formats():
    assert len(QUESTIONS_LIST) >= 40
    formats = Counter((CORPUS / q.file).suffix.lower() for q in QUESTIONS_LIST)
    assert len(formats) >= 4, formats
    assert formats[".pdf"] >= 5, "page-level questions are the point of PDFs"
    assert any(q.page and q.page > 1 for q in QUESTIONS_LIST)


def test_ids_unique_and_questions_distinct():
    assert len({q.id for q in QUESTIONS_LIST}) == len(QUESTIONS_LIST)
    assert len({normalize(q.question) for q in QUESTIONS_LIST}) == len(QUESTIONS_LIST)


@pytest.mark.parametrize("q", QUESTIONS_LIST, ids=[q.id for q in QUESTIONS_LIST])
def test_question_points_at_its_answer(q, texts):
    path = CORPUS / q.file
    assert path.is_file(), f"{q.id}: {q.file} is not in the corpus"
    pages = texts[q.file]
    if path.suffix.lower() == ".pdf":
        assert q.page is not None, f"{q.id}: a PDF question needs a page"
        assert 1 <= q.page <= len(pages), f"{q.id}: {q.file} has {len(pages)} pages, not {q.page}"
        where = [pages[q.page - 1]]
    else:
        assert q.page is None, f"{q.id}: only PDF questions have a page"
        where = pages
    if q.expect:
        phrase = normalize(q.expect)
        assert any(phrase in normalize(t) for t in where), f"{q.id}: {q.expect!r} is not at {q.file} p.{q.page}"
        # The question must not simply quote its answer: retrieval should find it by meaning.
        assert phrase not in normalize(q.question) or len(phrase) < 25, f"{q.id} copies its expected passage"


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
