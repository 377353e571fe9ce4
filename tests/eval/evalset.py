"""The retrieval evaluation set: the corpus, its questions, and an independent text reader.

Beside questions.toml: multiturn.toml (two-turn conversations over the same corpus) and a second,
fictional corpus of a small law firm (firm/) with questions in a client's words.

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
MULTITURN = HERE / "multiturn.toml"  # two-turn conversations over CORPUS
FIRM_CORPUS = HERE / "firm"  # fictional documents of a small law firm (firm/SOURCES.md)
FIRM_QUESTIONS = HERE / "firm_questions.toml"
FIRM_UNANSWERABLE = HERE / "firm_unanswerable.toml"

KINDS = ("follow-up", "new-topic")

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\ufffe": ""})


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    file: str  # relative to its corpus (CORPUS, or FIRM_CORPUS for the firm set), POSIX separators
    page: int | None = None  # 1-based, PDFs only
    expect: str | None = None
    versioned: bool = False  # must pick one version among near-duplicate agreements


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None


@dataclass(frozen=True)
class Conversation:
    """Two turns of a chat; file/page/expect say where the answer to turn2 is."""

    id: str
    kind: str  # "follow-up": turn2 needs turn1 to be understood; "new-topic": turn2 stands alone
    turn1: str
    turn2: str
    file: str  # relative to CORPUS, POSIX separators
    page: int | None = None  # 1-based, PDFs only
    expect: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")


def _load_entries(path: Path, table: str, cls: type) -> list:
    """The [[table]] entries of a TOML file as `cls` instances; ValueError naming the file and entry."""
    entries = _read_toml(path).get(table)
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path} has no [[{table}]] entries")
    loaded = []
    for n, entry in enumerate(entries, start=1):
        try:
            loaded.append(cls(**entry))
        except (TypeError, ValueError) as exc:
            name = entry.get("id", "no id") if isinstance(entry, dict) else "no id"
            raise ValueError(f"{path}, {table} {n} ({name}): {exc}") from None
    return loaded


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Raises ValueError naming the file and the broken entry, never a bare KeyError."""
    return _load_entries(path, "question", Question)


def load_multiturn(path: Path = MULTITURN) -> list[Conversation]:
    """Two-turn conversations over CORPUS; ValueError naming the file and entry for anything malformed."""
    return _load_entries(path, "conversation", Conversation)


def load_firm_questions(path: Path = FIRM_QUESTIONS) -> list[Question]:
    """Questions in a client's words over FIRM_CORPUS (their `file` is relative to it)."""
    return load_questions(path)


def load_unanswerable(path: Path = UNANSWERABLE) -> list[str]:
    """Questions the corpus does not answer; ValueError naming the file for anything malformed."""
    questions = _read_toml(path).get("questions")
    if not isinstance(questions, list) or not questions:
        raise ValueError(f"{path} has no `questions = [...]` list")
    bad = [i for i, q in enumerate(questions, 1) if not isinstance(q, str) or not q.strip()]
    if bad:
        raise ValueError(f"{path}: question {bad[0]} is not a piece of text")
    return questions


def load_firm_unanswerable(path: Path = FIRM_UNANSWERABLE) -> list[str]:
    """Questions that sound like the firm's documents but that FIRM_CORPUS does not answer."""
    return load_unanswerable(path)


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
