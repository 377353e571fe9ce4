"""Fields files: the built-in templates load; every hostile file is refused naming the line or field."""
from __future__ import annotations

import pytest

from app.core.documents.fields import MAX_FILE_BYTES, FieldsError, load_fields, parse_fields, template_names, template_path


def test_built_in_contract_template_has_the_basic_facts():
    assert "contract-basics" in template_names()
    fields = load_fields(template_path("contract-basics"))
    assert [f.name for f in fields] == ["parties", "agreement_date", "term", "termination_notice", "governing_law",
                                        "fees", "renewal"]
    assert {f.type for f in fields} >= {"string", "date", "boolean"}
    for name in template_names():  # every shipped template loads
        assert load_fields(template_path(name))


def test_enum_field_keeps_its_values_and_describes_itself():
    [f] = parse_fields('[[field]]\nname = "law"\ntype = "enum"\nvalues = ["England", "France"]\ndescription = "x"\n')
    assert f.values == ("England", "France") and "one of: England, France" in f.prompt_line()


@pytest.mark.parametrize("text, says", [
    ('[[field]\nname = "a"', "not valid TOML"),
    ('[[field]]\nname = "a"\ntype = "money"\n', "unknown type 'money'"),
    ('[[field]]\nname = "a"\ntype = "enum"\n', "needs values"),
    ('[[field]]\nname = "a"\ntype = "enum"\nvalues = []\n', "needs values"),
    ('[[field]]\nname = "a"\ntype = "enum"\nvalues = ["x", "x"]\n', "listed twice"),
    ('[[field]]\nname = "a"\ntype = "string"\nvalues = ["x"]\n', "only an enum"),
    ('[[field]]\nname = "a"\ntype = "string"\n\n[[field]]\nname = "a"\ntype = "date"\n', "used twice"),
    ('[[field]]\nname = "1st party"\ntype = "string"\n', "the name must be"),
    ('[[field]]\ntype = "string"\n', "the name must be"),
    ('[[field]]\nname = "a"\ntype = "string"\ncolour = "red"\n', "unknown key 'colour'"),
    ('[[field]]\nname = "a"\ntype = "string"\ndescription = 5\n', "description must be text"),
    ('[[fields]]\nname = "a"\n', "unknown section or key 'fields'"),
    ('title = "x"\n', "unknown section or key 'title'"),
    ('', "no [[field]] entries"),
    ('field = 3\n', "no [[field]] entries"),
    ('field = [1, 2]\n', "not a table"),
])
def test_hostile_fields_files_are_refused_in_plain_words(text, says):
    with pytest.raises(FieldsError, match=None) as info:
        parse_fields(text, "f.toml")
    assert says in str(info.value) and "f.toml" in str(info.value)


def test_the_message_names_the_line_of_the_bad_field():
    text = '[[field]]\nname = "a"\ntype = "string"\n\n[[field]]\nname = "b"\ntype = "color"\n'
    with pytest.raises(FieldsError, match=r"field 2 \(line 5\), 'b': unknown type 'color'"):
        parse_fields(text, "f.toml")


def test_huge_and_unreadable_files_are_refused(tmp_path):
    huge = tmp_path / "huge.toml"
    huge.write_text('[[field]]\nname = "a"\ntype = "string"\ndescription = "' + "x" * MAX_FILE_BYTES + '"\n')
    with pytest.raises(FieldsError, match="at most 64 KB"):
        load_fields(huge)
    many = "".join(f'[[field]]\nname = "f{i}"\ntype = "string"\n' for i in range(41))
    with pytest.raises(FieldsError, match="41 fields"):
        parse_fields(many)
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FieldsError, match="not UTF-8"):
        load_fields(binary)
    with pytest.raises(FieldsError, match="cannot be read"):
        load_fields(tmp_path / "missing.toml")
    with pytest.raises(FieldsError, match="no built-in template named 'nope'"):
        template_path("nope")
