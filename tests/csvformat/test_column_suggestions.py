"""Another system's columns: the field suggested for each, from its name and from
its values; the status suggested for a team's own words; the mapping applied by the
checker (status words read with a fix, columns left out said so)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from uploads import csvformat
from uploads.csvformat import suggest

EXPORT = (
    b"KPI Code,RAG,Actual,Period End,Owner,Notes\n"
    b"HR-1,Green,0.5,2026-10-31,Ann,on plan\n"
    b"HR-2,Amber,12,2026-10-31,Bob,slow\n"
    b"HR-3,Red,,2026-10-31,Cy,\n"
)


def fields(suggestions: list[suggest.ColumnSuggestion]) -> list[str | None]:
    return [suggestion.field for suggestion in suggestions]


def test_it_suggests_fields_from_names_alone() -> None:
    header = ["KPI Code", "RAG", "Actual", "Period End", "Owner", "Notes"]
    suggestions = suggest.suggest_columns(header, [])
    assert fields(suggestions) == [
        "External ID",
        "Status",
        "Metric Value",
        "As Of Date",
        None,
        "Comment",
    ]
    assert suggestions[0].reason == "from its name"
    assert suggestions[4].reason == "nothing in it matches a field"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("Measure", "External ID"),
        ("Code", "External ID"),
        ("ID", "External ID"),
        ("Health", "Status"),
        ("Project Health", "Status"),
        ("State", "Status"),
        ("Result", "Metric Value"),
        ("Value", "Metric Value"),
        ("Current", "Metric Value"),
        ("Reporting date", "As Of Date"),
        ("As of", "As Of Date"),
        ("Commentary", "Comment"),
        ("Remarks", "Comment"),
        ("Owner", None),
        ("Target", None),
        ("Description", None),
    ],
)
def test_each_synonym_names_its_field(name: str, field: str | None) -> None:
    assert suggest.name_field(name)[0] == field


def test_values_name_columns_whatever_they_are_called() -> None:
    header = ["Ref", "A", "B", "C"]
    rows = [["X1", "2026-01-01", "Done", "3"], ["x2", "2026-01-02", "Late", "4"]]
    suggestions = suggest.suggest_columns(header, rows, own_ids={"X1", "X2"})
    assert fields(suggestions) == [
        "External ID",
        "As Of Date",
        "Status",
        "Metric Value",
    ]
    assert [suggestion.reason for suggestion in suggestions] == [
        "its values are your team's External IDs",
        "its values are dates",
        "its values are statuses",
        "its values are numbers",
    ]
    assert suggestions[0].samples == ("X1", "x2")


def test_clear_values_outweigh_a_name() -> None:
    # 'Status' holds dates and 'Measure' numbers: the values win over the names.
    header = ["Status", "When", "Measure"]
    rows = [["2026-01-01", "x", "1"], ["2026-01-02", "y", "2"]]
    assert fields(suggest.suggest_columns(header, rows)) == [
        "As Of Date",
        None,
        "Metric Value",
    ]


def test_the_team_s_ids_are_the_external_id_even_when_named_like_a_value() -> None:
    header = ["Value", "Actual", "Status", "Date"]
    rows = [
        ["101", "5", "On Track", "2026-01-01"],
        ["102", "6", "On Track", "2026-01-02"],
    ]
    suggestions = suggest.suggest_columns(header, rows, own_ids={"101", "102"})
    assert fields(suggestions) == [
        "External ID",
        "Metric Value",
        "Status",
        "As Of Date",
    ]


def test_each_field_goes_to_one_column() -> None:
    header = ["Date", "Reporting date", "Notes", "Comments"]
    rows = [["2026-01-01", "2026-01-02", "a", "b"]]
    assert fields(suggest.suggest_columns(header, rows)) == [
        "As Of Date",
        None,
        "Comment",
        None,
    ]


def test_status_words_get_suggestions() -> None:
    words = suggest.foreign_words(
        ["Green", "green", "Amber", "Red", "On Track", "Done", "Complete", "Late"]
        + ["On hold", "", "Wibble", "Ontrack"]
    )
    assert words == [
        "Green",
        "Amber",
        "Red",
        "Done",
        "Complete",
        "Late",
        "On hold",
        "Wibble",
        "Ontrack",
    ]
    assert suggest.suggest_status_words(words) == {
        "Green": "On Track",
        "Amber": "At Risk",
        "Red": "Off Track",
        "Done": "Achieved",
        "Complete": "Achieved",
        "Late": "Off Track",
        "On hold": "At Risk",
        "Wibble": None,
        "Ontrack": "On Track",
    }


def test_header_signature_ignores_case_spacing_and_trailing_blanks() -> None:
    signature = suggest.header_signature(["KPI Code", "RAG"])
    assert suggest.header_signature([" kpi  code", "rag", "", " "]) == signature
    assert suggest.header_signature(["KPI Code", "RAG", "Notes"]) != signature
    assert len(signature) == 64


def test_needs_mapping() -> None:
    assert suggest.needs_mapping(["KPI Code", "RAG", "Actual", "Period End"])
    assert suggest.needs_mapping(["Status", "Current Value", "As Of Date"])
    assert not suggest.needs_mapping(
        ["External ID", "Status", "Metric Value", "As Of Date"]
    )
    assert not suggest.needs_mapping(["status", "external id", "as of date", "comment"])


def test_column_map_refuses_a_field_twice() -> None:
    with pytest.raises(ValueError, match="'Status' is given to two columns"):
        suggest.column_map({0: "Status", 1: "Status"}, 2)
    with pytest.raises(ValueError, match="'Owner' is not a field"):
        suggest.column_map({0: "Owner"}, 2)


def test_a_mapped_export_reads_with_status_words_and_left_out_columns() -> None:
    header, rows = suggest.header_and_samples(EXPORT)
    columns = suggest.column_map(
        {s.index: s.field for s in suggest.suggest_columns(header, rows)}, len(header)
    )
    result = csvformat.parse(
        EXPORT,
        columns=columns,
        status_words={"green": "On Track", "AMBER": "At Risk", "Red": "Off Track"},
    )
    assert [(f.severity, f.message) for f in result.findings] == [
        ("warning", "Column E (Owner) is left out: nothing in it is sent."),
        ("fixed", "Row 2, Status: Green read as On Track (the team's mapping)."),
        ("fixed", "Row 3, Status: Amber read as At Risk (the team's mapping)."),
        ("fixed", "Row 4, Status: Red read as Off Track (the team's mapping)."),
    ]
    assert result.is_valid
    assert result.updates == [
        csvformat.Update(
            "HR-1", "On Track", Decimal("0.5"), date(2026, 10, 31), 2, "on plan"
        ),
        csvformat.Update(
            "HR-2", "At Risk", Decimal("12"), date(2026, 10, 31), 3, "slow"
        ),
        csvformat.Update("HR-3", "Off Track", None, date(2026, 10, 31), 4, ""),
    ]


def test_a_status_word_fix_is_listed_once_per_kind() -> None:
    rows = "".join(f"HR-{n},Green,1,2026-10-31,x,\n" for n in range(60))
    data = b"KPI Code,RAG,Actual,Period End,Owner,Notes\n" + rows.encode()
    columns = suggest.column_map(
        {0: "External ID", 1: "Status", 2: "Metric Value", 3: "As Of Date"}, 6
    )
    result = csvformat.parse(data, columns=columns, status_words={"Green": "On Track"})
    mapped = [f for f in result.fixes if f.code == "status.mapped"]
    assert len(mapped) == csvformat.NOTES_PER_KIND + 1
    assert mapped[-1].message == (
        "... and 10 more rows like this, the last one: Row 61, Status: Green read as"
        " On Track (the team's mapping)."
    )
    # Both columns left out are named, Notes (F) as well as Owner (E).
    assert [w.message for w in result.warnings] == [
        "Column E (Owner) is left out: nothing in it is sent.",
        "Column F (Notes) is left out: nothing in it is sent.",
    ]


def test_an_unmapped_word_is_still_an_unknown_status() -> None:
    columns = suggest.column_map({0: "External ID", 1: "Status", 2: "As Of Date"}, 3)
    data = b"Code,RAG,When\nHR-1,Purple,2026-10-31\n"
    result = csvformat.parse(data, columns=columns, status_words={"Green": "On Track"})
    assert [f.code for f in result.errors] == ["status.unknown"]
