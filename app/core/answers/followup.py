"""Turns a follow-up question ("and what about section 5?") into a standalone retrieval query.

Retrieval sees one query, not the conversation. A follow-up that leans on earlier turns (a
pronoun, a leading "and", a bare fragment) is joined to the previous question so the search has
its subject. Rewriting with the chat model itself is better when the model is large; this rule
works with any model, costs nothing, and never invents words.
"""
from __future__ import annotations

import re

_LEADS = re.compile(
    r"^\s*(and what about|and how about|what about|how about|what if|same for|and|also|but|so|or|then|likewise|"
    r"et|und|y|e)\b[\s,]*",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(it|its|it's|that|this|these|those|they|them|their|there|he|she|him|her|the same|the former|the latter|"
    r"above|previous|said)\b",
    re.IGNORECASE,
)
SHORT_WORDS = 5


def is_follow_up(question: str) -> bool:
    words = re.findall(r"\w+", question)
    if not words:
        return False
    return bool(_LEADS.match(question)) or bool(_ANAPHORA.search(question)) or len(words) <= SHORT_WORDS


def standalone_query(question: str, previous_questions: list[str]) -> str:
    """The query to retrieve with: the question itself, or joined to the last question it follows."""
    question = question.strip()
    if not previous_questions or not is_follow_up(question):
        return question
    previous = previous_questions[-1].strip()
    remainder = _LEADS.sub("", question).strip() or question
    return f"{previous} {remainder}"
