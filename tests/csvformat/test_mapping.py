"""A team's plan-item mapping file (External ID, Name, Has Metric): read whole or
not at all, every problem named by row and column, External IDs held to the rules
of an upload."""

from __future__ import annotations

import pytest

from uploads.csvformat.mapping import (
    MappingInvalid,
    MappingRow,
    MappingUnreadable,
    read_mapping,
)


def test_a_mapping_is_read_with_or_without_a_header():
    with_header = read_mapping(
        b"\xef\xbb\xbfExternal ID,Name,Has Metric\r\nA-1,First,yes\r\n\r\n"
        b"A-2, Second ,0\r\nA-3,Third,TRUE\r\n"
    )
    assert with_header == [
        MappingRow("A-1", "First", True),
        MappingRow("A-2", "Second", False),
        MappingRow("A-3", "Third", True),
    ]
    assert read_mapping(b"A-1,First,yes\n") == [MappingRow("A-1", "First", True)]


def test_every_bad_row_is_named_by_row_and_column():
    with pytest.raises(MappingInvalid) as error:
        read_mapping(
            b"External ID,Name,Has Metric\n"
            b"A-1,First,yes\n"
            b"A-2,Second\n"
            b"A-3,Third,maybe\n"
            b",Nameless,no\n"
        )
    assert str(error.value) == (
        "Row 3: expected 3 columns (External ID, Name, Has Metric), found 2.\n"
        "Row 4, Has Metric: 'maybe' is not yes/no, true/false or 1/0.\n"
        "Row 5, External ID: it is empty. Write the plan item's External ID as"
        " AchieveIt has it, or delete the row."
    )


def test_external_ids_are_checked_with_the_rules_of_an_upload():
    with pytest.raises(MappingInvalid) as error:
        read_mapping(
            b"External ID,Name,Has Metric\n"
            b"A-1,Fine,yes\n"
            b'"A,2",Comma,no\n'
            b'"=HYPERLINK(""http://evil.example/"")",Quoted formula,no\n'
            b"=1+2,Formula,no\n"
            b"@cmd,At sign,no\n"
            b"-A,Minus,no\n"
            b"+A,Plus,no\n"
            b"My External KPI,The word,no\n"
            b'"A\x07B",Bell,no\n'
            b'"A\tB",Tab,no\n'
            b"A=B,Fine inside,no\n"
        )
    problems = [(p.line, p.column) for p in error.value.problems]
    assert problems == [(n, "External ID") for n in range(3, 12)]
    messages = [p.message for p in error.value.problems]
    assert messages[0] == (
        "'A,2' contains a comma, which AchieveIt does not allow in an External ID."
        " Correct the ID, or delete the row."
    )
    assert str(error.value.problems[3]) == (
        "Row 6, External ID: '@cmd' starts with '@', which makes a spreadsheet run"
        " the cell as a formula, so the portal takes no External ID starting with ="
        " + - or @. Correct the ID, or delete the row."
    )
    assert "invisible character" in messages[7]


def test_a_file_that_is_not_utf8_is_refused_with_what_to_do():
    with pytest.raises(MappingUnreadable, match="not UTF-8 text: save it as CSV UTF-8"):
        read_mapping("A-1,Café,yes\n".encode("cp1252"))


def test_an_external_id_twice_in_a_file_is_refused_naming_both_rows():
    with pytest.raises(MappingInvalid) as error:
        read_mapping(b"A-1,First,yes\nA-2,Second,no\nA-1,Again,no\n")
    assert str(error.value) == (
        "Row 3, External ID: 'A-1' is already on row 1; keep one of the two."
    )
