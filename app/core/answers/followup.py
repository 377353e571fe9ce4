"""Reads a question in the light of the conversation: is it a follow-up that needs the question
before it ("and what about version 2?"), or a new topic ("What is the governing law?")?

Retrieval sees one query, not the conversation. Word cues alone misjudge short new questions and
ones that use "it" or "this" without pointing back, so the cues only say whether a question *may*
depend on the one before; the retriever then searches both readings and fuses them
(rag.Retriever.retrieve_turn). Rewriting with the chat model is left out: a small model rewrites
badly, and this costs one extra search and never invents words.
"""
from __future__ import annotations

import re

# Openings that only make sense after an earlier question.
_EXPLICIT = re.compile(
    r"^\s*(and what about|and how about|what about|how about|what if|same for|and for|and in|and under|"
    r"and if|and when|and by|and the|und was ist mit|et pour|et si|og hva med)\b[\s,]*",
    re.IGNORECASE,
)
_LEADS = re.compile(r"^\s*(and|also|but|so|or|then|likewise|et|und|og|y|e)\b[\s,]*", re.IGNORECASE)
_POINTERS = re.compile(
    r"\b(it|its|it's|itself|they|them|their|theirs|he|she|him|her|that|this|these|those|there|one|ones|"
    r"the same|the former|the latter|above|previous|aforementioned|said|version \d)\b",
    re.IGNORECASE,
)
SHORT_WORDS = 6

EXPLICIT, POSSIBLE, NONE = "explicit", "possible", "none"


def dependence(question: str) -> str:
    """EXPLICIT when the wording needs an earlier question, POSSIBLE when it might, NONE otherwise."""
    words = re.findall(r"\w+", question)
    if not words:
        return NONE
    if _EXPLICIT.match(question):
        return EXPLICIT
    if _LEADS.match(question) or _POINTERS.search(question) or len(words) <= SHORT_WORDS:
        return POSSIBLE
    return NONE


def joined_query(question: str, previous_questions: list[str]) -> str:
    """The question joined to the last question it may follow, without its leading "and"."""
    question = question.strip()
    if not previous_questions:
        return question
    remainder = _LEADS.sub("", _EXPLICIT.sub("", question)).strip() or question
    return f"{previous_questions[-1].strip()} {remainder}"
