"""Suggestions as data: a finding whose message proposes one thing for the cell
carries it as ``suggestion``, and every finding about a cell keeps the cell as
written as ``value``, so a person can apply the fix with one click."""

from __future__ import annotations

import pytest

from uploads import csvformat
from uploads.csvformat import PlanItemRule

HEADER = b"External ID,Status,Current Value,As Of Date\n"


def only_finding(line: str, **kwargs: object) -> csvformat.Finding:
    result = csvformat.parse(HEADER + line.encode("utf-8") + b"\n", **kwargs)
    assert len(result.findings) == 1, result.findings
    return result.findings[0]


@pytest.mark.parametrize(
    ("line", "column", "written", "suggestion"),
    [
        ("A-1,Acheived,,2026-10-31", "Status", "Acheived", "Achieved"),
        ("A-1,On Trak,,2026-10-31", "Status", "On Trak", "On Track"),
        ("A-1,On Track,,31/10/2026", "As Of Date", "31/10/2026", "2026-10-31"),
        ("A-1,On Track,,2026/10/31", "As Of Date", "2026/10/31", "2026-10-31"),
        ("A-1,On Track,,10/31/26", "As Of Date", "10/31/26", "10/31/2026"),
        ("A-1,On Track,,31.10.2026", "As Of Date", "31.10.2026", "2026-10-31"),
        ('A-1,On Track,"1,200",2026-10-31', "Current Value", "1,200", "1200"),
        ('A-1,On Track,"3,5",2026-10-31', "Current Value", "3,5", "3.5"),
        ("A-1,On Track,$1200,2026-10-31", "Current Value", "$1200", "1200"),
        ("A-1,On Track,1e3,2026-10-31", "Current Value", "1e3", "1000"),
    ],
)
def test_a_did_you_mean_carries_its_suggestion_and_the_cell(
    line: str, column: str, written: str, suggestion: str
) -> None:
    finding = only_finding(line)

    assert finding.severity == "error"
    assert finding.column == column
    assert finding.value == written
    assert finding.suggestion == suggestion
    # The message is unchanged: it still says what to write.
    assert suggestion in finding.message


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("A-1,Finished,,2026-10-31", "Finished"),  # nothing close: the list
        ("A-1,On Track,abc,2026-10-31", "abc"),
        ("A-1,On Track,,2/30/2026", "2/30/2026"),  # impossible either way
        ("A-1,On Track,,someday", "someday"),
    ],
)
def test_an_error_with_no_single_fix_has_no_suggestion(line: str, written: str) -> None:
    finding = only_finding(line)

    assert finding.severity == "error"
    assert finding.suggestion is None
    assert finding.value == written


def test_a_misspelt_external_id_suggests_the_teams_own_id() -> None:
    rules = {"SALES-Q4-01": PlanItemRule(own=True, active=True, has_metric=False)}

    finding = only_finding("SALES-Q4-O1,On Track,,2026-10-31", plan_items=rules)

    assert finding.code == "id.unknown"
    assert finding.value == "SALES-Q4-O1"
    assert finding.suggestion == "SALES-Q4-01"


def test_another_teams_id_is_never_suggested() -> None:
    rules = {"FIN-SECRET-7": PlanItemRule(own=False, active=True, has_metric=False)}

    finding = only_finding("FIN-SECRET-8,On Track,,2026-10-31", plan_items=rules)

    assert finding.code == "id.unknown"
    assert finding.suggestion is None


def test_a_missing_value_names_the_empty_cell() -> None:
    rules = {"A-1": PlanItemRule(own=True, active=True, has_metric=True)}

    finding = only_finding("A-1,On Track,,2026-10-31", plan_items=rules)

    assert finding.code == "value.missing"
    assert finding.value == ""
    assert finding.suggestion is None


def test_fixes_and_row_findings_carry_no_suggestion() -> None:
    result = csvformat.parse(HEADER + b"A-1,on track,45%,2026-10-31\n,,,\nB-2\n")

    by_code = {finding.code: finding for finding in result.findings}
    assert by_code["value.percentage"].value == "45%"
    assert by_code["value.percentage"].suggestion is None
    assert by_code["row.columns"].value is None
    assert all(finding.suggestion is None for finding in result.findings)


def test_an_ambiguous_date_suggests_its_day_first_reading() -> None:
    result = csvformat.parse(
        HEADER + b"A-1,On Track,,31/10/2026\nB-2,On Track,,3/4/2026\n"
    )

    ambiguous = next(f for f in result.findings if f.code == "date.ambiguous")
    assert ambiguous.line == 3
    assert ambiguous.value == "3/4/2026"
    assert ambiguous.suggestion == "2026-04-03"


def test_every_error_of_a_kind_keeps_its_suggestion() -> None:
    rows = b"".join(b"A-%d,On Track,,31/10/2026\n" % n for n in range(120))

    result = csvformat.parse(HEADER + rows)

    # Errors are listed in full (fixes stop at NOTES_PER_KIND), each with its fix.
    day_first = [f for f in result.errors if f.code == "date.day_first"]
    assert len(day_first) == 120
    assert {f.suggestion for f in day_first} == {"2026-10-31"}
