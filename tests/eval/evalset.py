"""The retrieval evaluation set: the corpus, its questions, and an independent text reader.

The reader here is deliberately not the app's ingest code: it is the ground truth that
questions.toml is checked against, so a parser bug cannot make a wrong question look right.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
QUESTIONS = HERE / "questions.toml"
UNANSWERABLE = HERE / "unanswerable.toml"

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\ufffe": ""})


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    file: str  # relative to CORPUS, POSIX separators
    page: int | None = None  # 1-based, PDFs only
    expect: str | None = None
    versioned: bool = False  # must pick one version among near-duplicate agreements


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Raises ValueError naming the file and the broken entry, never a bare KeyError."""
    data = _read_toml(path)
    entries = data.get("question")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path} has no [[question]] entries")
    questions = []
    for n, entry in enumerate(entries, start=1):
        try:
            questions.append(Question(**entry))
        except TypeError as exc:
            raise ValueError(f"{path}, question {n} ({entry.get('id', 'no id')}): {exc}") from None
    return questions


def load_unanswerable(path: Path = UNANSWERABLE) -> list[str]:
    """Questions the corpus does not answer; ValueError naming the file for anything malformed."""
    questions = _read_toml(path).get("questions")
    if not isinstance(questions, list) or not questions:
        raise ValueError(f"{path} has no `questions = [...]` list")
    bad = [i for i, q in enumerate(questions, 1) if not isinstance(q, str) or not q.strip()]
    if bad:
        raise ValueError(f"{path}: question {bad[0]} is not a piece of text")
    return questions


def normalize(text: str) -> str:
    """Compares text across formats: curly quotes, PDF hyphenation marks and line breaks vary."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().lower()


def page_texts(path: Path) -> list[str]:
    """One string per page for PDFs, a single string for every other format."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path)
        try:
            return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        finally:
            pdf.close()
    if suffix == ".docx":
        import docx

        return ["\n".join(p.text for p in docx.Document(path).paragraphs)]
    if suffix in (".html", ".htm"):
        from bs4 import BeautifulSoup

        return [BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ")]
    return [path.read_text(encoding="utf-8")]
