from hypothesis import given
from hypothesis import strategies as st

from app.core.answers.citations import MARKER_RE, cited_numbers, clean_markers, footnotes


def test_cited_numbers_forms():
    text = "The term is 30 days [2]. See also [1, 3] and [4-5][2]; never [x] or [2024-2025 is a range too big]."
    assert cited_numbers(text) == [2, 1, 3, 4, 5]


def test_clean_removes_markers_that_point_nowhere():
    text = "Notice must be written [1][7]. Damages are capped [9]. Law of Delaware [2, 8]."
    assert clean_markers(text, {1, 2}) == "Notice must be written [1]. Damages are capped. Law of Delaware [2]."


def test_clean_leaves_non_citations_alone():
    text = "Array a[i] and list [a, b] and the year [2024]"
    assert clean_markers(text, range(1, 4)) == text


def test_footnotes_list_cited_sources_only():
    sources = [{"n": 1, "file": "/m/a.pdf", "page": 3}, {"n": 2, "file": "/m/b.txt", "page": None}]
    out = footnotes("Yes [2].", sources)
    assert out == "Yes [2].\n\n[2] /m/b.txt"


@given(st.text(max_size=300), st.sets(st.integers(min_value=1, max_value=12), max_size=6))
def test_clean_is_safe_on_any_text(text, valid):
    cleaned = clean_markers(text, valid)
    assert set(cited_numbers(cleaned)) <= valid
    assert clean_markers(cleaned, valid) == cleaned  # idempotent


@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=5))
def test_markers_round_trip(numbers):
    text = "claim " + "".join(f"[{n}]" for n in numbers)
    assert cited_numbers(text) == list(dict.fromkeys(numbers))
    assert MARKER_RE.search(text)
