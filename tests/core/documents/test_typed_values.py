"""What the model answers is checked, not trusted: types coerced or nulled with a note, and answers
that are not the JSON asked for refused with the reason."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from app.core.documents.extract import AnswerError, parse_answer
from app.core.documents.fields import Field
from app.core.documents.typed_values import coerce, job_schema, shown_in

F = {t: Field("x", t) for t in ("string", "integer", "number", "date", "boolean")}
ENUM = Field("law", "enum", values=("England", "France"))


@pytest.mark.parametrize("field, raw, value", [
    (F["integer"], 30, 30), (F["integer"], "30", 30), (F["integer"], 30.0, 30),
    (F["number"], "EUR 12,000", None), (F["number"], "$12,000.50", 12000.5), (F["number"], 7, 7),
    (F["date"], "2021-03-03", "2021-03-03"), (F["date"], "3 March 2021", "2021-03-03"),
    (F["date"], "March 3rd, 2021", "2021-03-03"), (F["date"], "2021-02-31", None),
    (F["boolean"], True, True), (F["boolean"], "no", False), (F["boolean"], "perhaps", None),
    (ENUM, "england", "England"), (ENUM, "Scotland", None),
    (F["string"], "  two   years ", "two years"), (F["string"], {"a": 1}, None),
    (F["integer"], True, None), (F["integer"], 2.5, None), (F["number"], float("nan"), None),
])
def test_values_get_their_type_or_null_with_the_raw_kept(field, raw, value):
    got, note = coerce(field, raw)
    assert got == value and type(got) is type(value)
    assert bool(note) == (value is None)


def test_nothing_found_is_null_without_a_note():
    assert coerce(F["date"], None) == (None, "") and coerce(F["string"], "  ") == (None, "")


def test_schema_lists_every_field_in_order_with_a_quote_first():
    fields = [Field("b", "date"), Field("a", "enum", values=("x",))]
    schema = job_schema(fields)
    assert list(schema["properties"]) == ["b", "a"] and schema["required"] == ["b", "a"]
    assert list(schema["properties"]["b"]["properties"]) == ["quote", "value"]
    assert schema["properties"]["a"]["properties"]["value"] == {"enum": ["x", None]}


FIELDS = [Field("a", "string"), Field("b", "integer")]


@pytest.mark.parametrize("text", [
    "", "not json", "[1, 2]", "null", '{"a": {"quote": "x", "value": "y"}}',
    '{"a": "y", "b": 3}', '{"a": {"quote": 5, "value": "y"}, "b": {"quote": "", "value": 1}}',
    '{"a": {"quote": "x"}, "b": {"quote": "", "value": 1}}', "[" * 100000,
])
def test_answers_that_are_not_the_json_asked_for_are_refused(text):
    with pytest.raises(AnswerError):
        parse_answer(text, FIELDS)


def test_control_characters_inside_strings_still_parse():
    text = '{"a": {"quote": "x\x0ey", "value": "v\tw"}, "b": {"quote": "", "value": 1}}'
    assert parse_answer(text, FIELDS) == {"a": ("x\x0ey", "v\tw"), "b": ("", 1)}


def test_a_good_answer_gives_quote_and_raw_value_per_field():
    text = '{"a": {"quote": "two years", "value": "two years"}, "b": {"quote": "", "value": null}, "extra": 1}'
    assert parse_answer(text, FIELDS) == {"a": ("two years", "two years"), "b": ("", None)}


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4)))
def test_any_json_either_parses_or_is_refused_and_coercion_never_raises(data):
    text = json.dumps(data)
    try:
        answers = parse_answer(text, FIELDS)
    except AnswerError:
        return
    for f in FIELDS:
        coerce(f, answers[f.name][1])


@pytest.mark.parametrize("field, value, quote, shown", [
    (Field("fees", "number"), 4000, "The rent is GBP 4,000 per quarter.", True),
    (Field("fees", "number"), 400, "The rent is GBP 4,000 per quarter.", False),
    (Field("notice_days", "integer"), 90, "by giving ninety days' written notice", True),
    (Field("agreement_date", "date"), "2021-03-03", "made on 3 March 2021 between", True),
    (Field("agreement_date", "date"), "2021-03-03", "made on 03/03/2021 between", True),
    (Field("agreement_date", "date"), "2021-04-03", "made on 3 March 2021 between", False),
    (Field("agreement_date", "date"), "2022-03-03", "made on 3 March 2021 between", False),
    (Field("parties", "string"), "Acme Widgets Ltd and Blue River Consulting LLP",
     "made on 3 March 2021 between Acme Widgets Ltd and Blue River Consulting LLP.", True),
    (Field("parties", "string"), "value", "between Acme Widgets Ltd and Blue River Consulting LLP.", False),
    (Field("termination_notice", "string"), "90 days", "by giving ninety days' written notice", True),
    (Field("termination_notice", "string"), "60 days", "by giving ninety days' written notice", False),
    (Field("renewal", "enum", values=("automatic", "none")), "automatic", "renews each year", True),
    (Field("assignable", "boolean"), False, "may not assign this lease", True),
])
def test_a_value_counts_as_shown_when_its_quote_holds_it_as_its_type_is_written(field, value, quote, shown):
    assert shown_in(field, value, quote) is shown
