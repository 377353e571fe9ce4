"""Checks an answer sentence by sentence against the numbered passages it was built from.

Each sentence is a claim. A claim is supported when one passage (the cited ones first) both says
much the same (embedding similarity or word overlap) and contains every hard fact of the claim:
each number (digits or number words), month, amount and defined term. "Three months" against a
passage saying "ninety days" is therefore unsupported, however similar the wording. Sentences that
say the documents do not answer carry no fact to check. The result reads as "check this", not as an
error: small models invent, and this is how the user sees where.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from app.core.answers.citations import MARKER_RE, cited_numbers

# Calibrated on tests/eval (make eval: claim check): sentences copied from passages against copies
# with one number, name or date changed.
MIN_SIMILARITY = 0.62
MIN_OVERLAP = 0.75

ABBREVIATIONS = ("e.g", "i.e", "etc", "art", "no", "nr", "sec", "p", "pp", "mr", "mrs", "ms", "dr", "vs", "cf",
                 "ca", "approx", "inc", "ltd", "co", "st", "para", "fig", "vol", "ch", "z.b", "bzw", "ggf", "s")
_BOUNDARY = re.compile(r"(?<=[.!?\u2026])((?:[\"'\u201d\u2019)\]]|\[\d[^\]]*\])*)(\s+)(?=[\"'\u201c\u2018(]?[A-Z\u00c0-\u024f0-9*\-\u2022])")
_NEWLINES = re.compile(r"\n+")
_WORD = re.compile(r"[^\W_]+(?:[.,'\u2019][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:[,.\u00a0' ]\d{3})+(?:[.,]\d+)?(?![\w])|(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")
_QUOTED = re.compile(r"[\"\u201c\u201e\u00ab]([^\"\u201c\u201d\u201e\u00ab\u00bb]{2,60})[\"\u201d\u00bb]")
_CAPITALISED_RUN = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w\u00c0-\u024f&'-]+(?:\s+(?:of|for|and|de|von|van|der|du|la|le)?\s*"
                              r"[A-Z][\w\u00c0-\u024f&'-]+)+)")
_ACRONYM = re.compile(r"\b[A-Z]{2,}[0-9]*\b")
# Sentences saying the documents do not answer: they carry no fact of the documents to check.
_DOCS = r"(?:documents?|excerpts?|sources?|passages?|texts?|context|materials?|files?|information provided)"
_ABSENCE = re.compile(
    rf"\b(?:the|these|your|provided) {_DOCS} (?:\w+ ){{0,2}}(?:do(?:es)? not|don't|doesn't|did not|never) "
    rf"(?:\w+ ){{0,2}}(?:answer|say|mention|state|contain|specify|provide|include|address|cover|tell)|"
    rf"\bnot (?:\w+ )?(?:mentioned|stated|specified|provided|found|covered|addressed|given) in (?:the|these|your) {_DOCS}|"
    rf"\bno (?:information|mention|details?) (?:about|of|on|regarding)\b|\bfound nothing\b|"
    rf"\bI (?:could not|cannot|can't|couldn't|did not|didn't) find\b",
    re.IGNORECASE)

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "tenth": 10, "twice": 2,
    "once": 1, "single": 1, "double": 2, "half": 0.5, "dozen": 12,
    # German, French, Norwegian: the app answers in the language of the question.
    "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    "zehn": 10, "zwölf": 12, "dreißig": 30, "neunzig": 90, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "douze": 12, "trente": 30, "to": None, "tre": 3,
    "fire": None, "fem": 5, "seks": 6, "sju": 7, "åtte": 8, "ni": 9, "ti": 10, "tolv": 12, "tretti": 30,
}
NUMBER_WORDS = {k: v for k, v in NUMBER_WORDS.items() if v is not None}  # ambiguous with English words
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4,
    "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "januar": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7, "oktober": 10, "dezember": 12,
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "août": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "décembre": 12, "desember": 12,
}
STOPWORDS = frozenset("""
a an the and or but if then so of to in on at by for with from as is are was were be been being it its this that these
those there here which who whom whose what when where why how not no nor can could may might must shall should will
would do does did done has have had having i you he she we they them their our your his her my me us also any all
each every some such than too very only own same other into onto about above below under over between within without
per via upon after before during until while both either neither more most less least just says say said according
excerpt excerpts document documents source sources answer question
der die das und oder ein eine nicht ist sind war mit von zu auf für le la les et ou un une des est sont pas du de
og eller en et er ikke som til på av for med det den
""".split())


@dataclass
class Claim:
    text: str  # exactly as in the answer, markers and trailing space included
    sources: list[int] = field(default_factory=list)  # the supporting passage first; else the cited ones
    supported: bool = True
    reason: str = ""

    def to_json(self) -> dict:
        return {"text": self.text, "sources": list(self.sources), "supported": self.supported, "reason": self.reason}


def split_claims(answer: str) -> list[str]:
    """Sentences (and list items) of the answer; joined, they give the answer back exactly."""
    pieces: list[str] = []
    start = 0
    for line_end in [m.end() for m in _NEWLINES.finditer(answer)] + [len(answer)]:
        line = answer[start:line_end]
        cut = 0
        for m in _BOUNDARY.finditer(line):
            before = line[cut:m.start()].rstrip(".!?\u2026")
            last_word = before.rsplit(None, 1)[-1].lower() if before.split() else ""
            if last_word.strip("(\"'") in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
                continue
            end = m.end(1) + len(m.group(2))
            pieces.append(line[cut:end])
            cut = end
        if cut < len(line):
            pieces.append(line[cut:])
        start = line_end
    merged: list[str] = []
    for piece in pieces:  # a piece of only markers or spaces belongs to the sentence before it
        if merged and not _WORD.search(MARKER_RE.sub("", piece)):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u00a0", " ")
    return " ".join(text.lower().split())


def _value(token: str) -> float | None:
    digits = re.sub(r"[\s\u00a0']", "", token)
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", digits):  # 5,000 / 5.000: thousands separators
        digits = re.sub(r"[,.]", "", digits)
    elif re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+[.,]\d+", digits):  # 5,000.50 / 5.000,50
        digits = re.sub(r"[,.]", "", digits[:-3]) + "." + digits[-2:]
    digits = digits.replace(",", ".")
    try:
        return float(digits)
    except ValueError:
        return None


def numbers(text: str) -> set[float]:
    """Every quantity the text states: digits (with separators) and number words."""
    found = {v for m in _NUMBER.finditer(text) if (v := _value(m.group(0))) is not None}
    for word in _WORD.findall(_fold(text)):
        if word in NUMBER_WORDS:
            found.add(float(NUMBER_WORDS[word]))
    return found


_NUMERIC_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})[./](\d{1,2})[./](\d{2,4})\b")


def months(text: str) -> set[int]:
    """Months the text names, in words or inside numeric dates (2024-03-01, 01.03.2024, 1/3/2024)."""
    found = {MONTHS[w] for w in _WORD.findall(_fold(text)) if w in MONTHS and (w != "may" or _looks_like_month(text))}
    for m in _NUMERIC_DATE.finditer(text):
        month = int(m.group(2) or m.group(5))
        if 1 <= month <= 12:
            found.add(month)
        if m.group(5) and 1 <= int(m.group(4)) <= 12:
            found.add(int(m.group(4)))  # 03/01/2024 may be March 1 (US) or 3 January: both count
    return found


def _looks_like_month(text: str) -> bool:
    return bool(re.search(r"\bMay\s+\d|\d\s+May\b", text))


def defined_terms(text: str) -> set[str]:
    """Names and defined terms the claim relies on: quoted terms, capitalised runs, acronyms."""
    plain = MARKER_RE.sub("", text)
    terms = {m.group(1) for m in _QUOTED.finditer(plain)}
    terms |= {m.group(1) for m in _CAPITALISED_RUN.finditer(plain)}
    terms |= {m.group(0) for m in _ACRONYM.finditer(plain)}
    return {_fold(t) for t in terms if not _fold(t) in STOPWORDS}


def _stem(word: str) -> str:
    word = word.removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(_fold(MARKER_RE.sub("", text)))
            if w not in STOPWORDS and len(w) > 2 and not w[0].isdigit()}


_TOKEN = re.compile(_NUMBER.pattern + r"|[^\W\d_]+", re.UNICODE)
NEAR = 3  # words either side of a number that say what it counts (90 *days*, EUR *5,000*)


def number_neighbours(text: str) -> dict[float, set[str]]:
    """Each stated quantity with the content words near it, so "90 days" and "90 pages" differ."""
    tokens = _TOKEN.findall(_fold(text))
    values = [_value(tok) if tok[0].isdigit() else NUMBER_WORDS.get(tok) for tok in tokens]
    found: dict[float, set[str]] = {}
    for i, value in enumerate(values):
        if value is None:
            continue
        near = tokens[max(0, i - NEAR):i] + tokens[i + 1:i + 1 + NEAR]
        found.setdefault(float(value), set()).update(
            _stem(w) for w in near if not w[0].isdigit() and w not in STOPWORDS and w not in NUMBER_WORDS)
    return found


@dataclass
class _Facts:
    numbers: dict[float, set[str]]  # value -> content words near it
    months: set[int]
    terms: set[str]
    words: set[str]
    folded: str


def _facts(text: str) -> _Facts:
    return _Facts(number_neighbours(text), months(text), defined_terms(text), content_words(text), _fold(text))


def missing_fact(claim: _Facts, passage: _Facts) -> str | None:
    """The first hard fact of the claim the passage does not contain, in words; None when all are there."""
    for value, near in sorted(claim.numbers.items()):
        if value not in passage.numbers:
            return f"the number {value:g} does not appear in"
        if near and not near & passage.numbers[value]:
            return f"the number {value:g} appears in another context in"
    for month in sorted(claim.months - passage.months):
        name = next(k for k, v in MONTHS.items() if v == month)
        return f"the month {name.capitalize()} does not appear in"
    for term in sorted(claim.terms):
        if term not in passage.folded:
            return f"\u201c{term}\u201d does not appear in"
    return None


def overlap(claim: _Facts, passage: _Facts) -> float:
    if not claim.words:
        return 0.0
    return len(claim.words & passage.words) / len(claim.words)


# A list item's marker that split_claims gives as a claim of its own ("3. ", "2) ", "- "): the item's
# number is not a fact. A number opening a sentence in running text ("7. dh-python ...") still is.
_LIST_MARKER = re.compile(r"\s*(?:\d{1,3}[.)]|[-*+\u2022])\s*")


def _statement(text: str) -> str:
    """What a claim states: its text without citation markers; nothing for a bare list marker."""
    plain = MARKER_RE.sub("", text).strip()
    return "" if _LIST_MARKER.fullmatch(plain) else plain


def check_claims(answer: str, passages: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> list[Claim]:
    """Claims of `answer`, each marked supported or not by the numbered passages (1-based)."""
    texts = split_claims(answer)
    claims = [Claim(t) for t in texts]
    to_check = [c for c in claims if content_words(c.text) or numbers(_statement(c.text))]
    for c in claims:
        if c not in to_check:
            c.reason = "no statement to check"
    if not passages:
        for c in to_check:
            c.supported, c.reason = False, "no source to check it against"
        return claims
    facts = [_facts(p) for p in passages]
    vectors = embed([_statement(c.text) for c in to_check] + list(passages))
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    claim_vecs, passage_vecs = vectors[: len(to_check)], vectors[len(to_check):]
    for claim, vec in zip(to_check, claim_vecs):
        _judge(claim, vec, passage_vecs, facts, len(passages))
    return claims


def _judge(claim: Claim, vec: np.ndarray, passage_vecs: np.ndarray, facts: list[_Facts], count: int) -> None:
    cited = [n for n in cited_numbers(claim.text) if 1 <= n <= count]
    mine = _facts(_statement(claim.text))
    if _ABSENCE.search(claim.text) and not mine.numbers:
        claim.sources, claim.reason = cited, "says the documents do not answer this"
        return
    sims = passage_vecs @ vec
    order = sorted(range(count), key=lambda i: (i + 1 not in cited, -sims[i]))  # cited first, then closest
    for i in order:
        if sims[i] < MIN_SIMILARITY and overlap(mine, facts[i]) < MIN_OVERLAP:
            continue
        if missing_fact(mine, facts[i]) is None:
            claim.sources = [i + 1]
            claim.reason = f"supported by [{i + 1}]" + ("" if not cited or i + 1 in cited else
                                                         f", not by the cited {''.join(f'[{n}]' for n in cited)}")
            return
    claim.supported, claim.sources = False, cited
    closest = order[0] if cited else max(range(count), key=lambda i: sims[i])
    missing = missing_fact(mine, facts[closest])
    claim.reason = f"{missing} [{closest + 1}]" if missing else "no source says this"
