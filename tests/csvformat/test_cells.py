"""Cell rules, table by table: what is accepted (and how it is sent), what is fixed,
and what is an error with a hint.

Each case is one data row under the standard header; ``row()`` parses it and
returns the result, so every rule is checked through ``parse`` as an upload is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from uploads import csvformat

HEADER = b"External ID,Status,Current Value,As Of Date\n"
OCT_31 = date(2026, 10, 31)


def row(line: str) -> csvformat.Result:
    return csvformat.parse(HEADER + line.encode("utf-8") + b"\n")


def only_finding(result: csvformat.Result) -> csvformat.Finding:
    assert len(result.findings) == 1, result.findings
    return result.findings[0]


# --- Current Value -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        (".2", "0.2"),
        ("0.20", "0.20"),
        ("1200", "1200"),
        ("-3.5", "-3.5"),
        ("+5", "5"),
        ("007", "7"),
        ("5.", "5"),
        ("-0", "0"),
        ("-0.00", "0.00"),
        (" 12 ", "12"),
        ("", ""),
        ("12345678901234567890.1234567890", "12345678901234567890.1234567890"),
        ("-" + "9" * 30, "-" + "9" * 30),
    ],
)
def test_plain_decimals_are_accepted_silently(written, sent):
    result = row(f"SALES-Q4-01,On Track,{written},2026-10-31")

    assert result.findings == []
    assert csvformat.format_value(result.updates[0].value) == sent


@pytest.mark.parametrize(
    ("written", "value", "sent"),
    [
        ("20%", Decimal("0.2"), "0.2"),
        ("45%", Decimal("0.45"), "0.45"),
        ("45.00%", Decimal("0.45"), "0.45"),
        ("12.5 %", Decimal("0.125"), "0.125"),
        ("100%", Decimal("1"), "1"),
        ("-5%", Decimal("-0.05"), "-0.05"),
        ("0%", Decimal("0"), "0"),
    ],
)
def test_percentages_become_decimals_as_a_visible_fix(written, value, sent):
    result = row(f"SALES-Q4-01,On Track,{written},2026-10-31")

    finding = only_finding(result)
    assert (finding.severity, finding.column, finding.code) == (
        "fixed",
        "Current Value",
        "value.percentage",
    )
    assert finding.message == (
        f"Row 2, Current Value: {written.strip()} was converted to {sent}"
        " (AchieveIt takes percentages as decimals)."
    )
    assert result.updates[0].value == value
    assert csvformat.format_value(result.updates[0].value) == sent


@pytest.mark.parametrize(
    ("written", "code", "hint"),
    [
        ('"1,200"', "value.thousands", "Write the number without it: 1200."),
        ('"1,200,000.5"', "value.thousands", "without it: 1200000.5."),
        ('"0,45"', "value.decimal_comma", "Write a decimal point instead: 0.45."),
        ("$5", "value.currency", "Write just the number: 5."),
        ("5 €", "value.currency", "Write just the number: 5."),
        ("£1200.50", "value.currency", "Write just the number: 1200.50."),
        ("1e5", "value.exponent", "Write the number out: 100000."),
        ("2.5E-3", "value.exponent", "Write the number out: 0.0025."),
        ("#DIV/0!", "value.spreadsheet_error", "Correct it in your sheet"),
        ("#N/A", "value.spreadsheet_error", "leave the cell empty"),
        ("N/A", "value.spreadsheet_error", "leave the cell empty"),
        ("abc", "value.invalid", "Write a plain number such as 1200"),
        ("NaN", "value.invalid", "Write a plain number"),
        ("Infinity", "value.invalid", "Write a plain number"),
        ("-inf", "value.invalid", "Write a plain number"),
        ("1_000", "value.invalid", "Write a plain number"),
        ("\u0661\u0662", "value.invalid", "Write a plain number"),
        ("%", "value.invalid", "Write a plain number"),
        ("1.2.3", "value.invalid", "Write a plain number"),
        ("0x10", "value.invalid", "Write a plain number"),
        ("12 34", "value.invalid", "Write a plain number"),
    ],
)
def test_values_that_are_not_plain_numbers_are_errors_with_a_hint(written, code, hint):
    result = row(f"SALES-Q4-01,On Track,{written},2026-10-31")

    finding = only_finding(result)
    assert (finding.severity, finding.column, finding.code) == (
        "error",
        "Current Value",
        code,
    )
    assert finding.message.startswith("Row 2, Current Value: ")
    assert hint in finding.message
    assert result.updates == []


# --- Status --------------------------------------------------------------------------


@pytest.mark.parametrize("status", csvformat.STATUSES)
def test_every_canonical_status_is_accepted_silently(status):
    result = row(f"SALES-Q4-01,{status},0.5,2026-10-31")

    assert result.findings == []
    assert result.updates[0].status == status


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("on track", "On Track"),
        ("ON TRACK", "On Track"),
        ("not achieved", "Not Achieved"),
        (" At Risk ", "At Risk"),
        ("Not  Started", "Not Started"),
        ("canceled", "Canceled"),
    ],
)
def test_status_case_and_spacing_are_fixed_visibly(written, status):
    result = row(f"SALES-Q4-01,{written},0.5,2026-10-31")

    finding = only_finding(result)
    assert (finding.severity, finding.code) == ("fixed", "status.respelled")
    assert finding.message == (
        f"Row 2, Status: {written!r} will be sent as {status!r}."
    )
    assert result.updates[0].status == status


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("Ontrack", "Did you mean 'On Track'?"),
        ("Acheived", "Did you mean 'Achieved'?"),
        ("Cancelled", "Did you mean 'Canceled'?"),
        ("on-track", "Did you mean 'On Track'?"),
        ("In Progress", "Use one of: On Track, Off Track, At Risk, Achieved,"),
        ("Done", "Use one of:"),
    ],
)
def test_misspelled_statuses_are_errors_with_a_suggestion(written, hint):
    finding = only_finding(row(f"SALES-Q4-01,{written},0.5,2026-10-31"))

    assert (finding.severity, finding.code) == ("error", "status.unknown")
    assert finding.message.startswith(
        f"Row 2, Status: {written!r} is not an AchieveIt status. {hint}"
    )


def test_empty_status_lists_the_statuses():
    finding = only_finding(row("SALES-Q4-01,,0.5,2026-10-31"))

    assert (finding.code, finding.column) == ("status.empty", "Status")
    assert "Not Started" in finding.message


# --- As Of Date ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "as_of"),
    [
        ("2026-10-31", OCT_31),
        ("20261031", OCT_31),
        ("2026-W48-6", date(2026, 11, 28)),
        ("2026W486", date(2026, 11, 28)),
        ("2026-w48-6", date(2026, 11, 28)),
        ("2026-W53-1", date(2026, 12, 28)),
        ("2026-332", date(2026, 11, 28)),
        ("2026332", date(2026, 11, 28)),
        ("2024-366", date(2024, 12, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        ("10/31/2026", OCT_31),
        ("1/5/2026", date(2026, 1, 5)),
        ("01/05/2026", date(2026, 1, 5)),
        (" 2026-10-31 ", OCT_31),
    ],
)
def test_iso_and_us_dates_are_accepted_silently(written, as_of):
    result = row(f"SALES-Q4-01,On Track,0.5,{written}")

    assert result.findings == []
    assert result.updates[0].as_of_date == as_of


@pytest.mark.parametrize(
    "written",
    [
        "2026-10-31T16:30:00",
        "2026-10-31T16:30",
        "2026-10-31T16",
        "2026-10-31T23:59:59.999999Z",
        "2026-10-31T23:30:00-05:00",  # already Nov 1 in UTC: must not shift
        "2026-10-31T00:30:00+14:00",  # still Oct 30 in UTC: must not shift
        "2026-10-31T24:00:00",
        "2026-10-31T23:59:60Z",
        "20261031T163000Z",
        "20261031T163000+0100",
        "2026-10-31t16:30z",
        "2026-10-31 16:30:00",
        "2026-W44-6T12:00",
        "2026-304T08:00Z",
        "10/31/2026 16:30",
        "10/31/2026 4:30 PM",
        "10/31/2026 4:30:15 pm",
    ],
)
def test_a_time_or_zone_is_dropped_and_never_shifts_the_date(written):
    result = row(f"SALES-Q4-01,On Track,0.5,{written}")

    finding = only_finding(result)
    assert (finding.severity, finding.code) == ("fixed", "date.time_dropped")
    assert finding.message == (
        f"Row 2, As Of Date: the time in {written!r} was left out: AchieveIt takes"
        " the date as written, 2026-10-31."
    )
    assert result.updates[0].as_of_date == OCT_31


@pytest.mark.parametrize(
    ("written", "code", "hint"),
    [
        ("2026-02-29", "date.impossible", "a day that does not exist"),
        ("2026-13-01", "date.impossible", "a day that does not exist"),
        ("2026-04-31", "date.impossible", "a day that does not exist"),
        ("2026-366", "date.impossible", "a day that does not exist"),
        ("2025-W53-1", "date.impossible", "a day that does not exist"),
        ("2026-W48-8", "date.impossible", "a day that does not exist"),
        ("2/30/2026", "date.impossible", "a day that does not exist"),
        ("13/13/2026", "date.impossible", "a day that does not exist"),
        ("10/31/26", "date.two_digit_year", "Write the year in full: 10/31/2026."),
        ("31/10/2026", "date.day_first", "Write it as 2026-10-31 (or 10/31/2026)."),
        ("2026/10/31", "date.year_first", "Write it as 2026-10-31."),
        ("31.10.2026", "date.other_form", "Write it as 2026-10-31."),
        ("31-Oct-2026", "date.other_form", "Write it as 2026-10-31."),
        ('"Oct 31, 2026"', "date.other_form", "Write it as 2026-10-31."),
        ("31 October 2026", "date.other_form", "Write it as 2026-10-31."),
        ("2026.10.31", "date.other_form", "Write it as 2026-10-31."),
        ("2026-10", "date.no_day", "has no day"),
        ("2026", "date.no_day", "has no day"),
        ("2026-W48", "date.no_day", "has no day"),
        ("yesterday", "date.invalid", "e.g. 2026-10-31 (or 10/31/2026)"),
        ("2026-10-31T25:00", "date.invalid", "e.g. 2026-10-31"),
        ("2026-10-31T", "date.invalid", "e.g. 2026-10-31"),
        ("+002026-10-31", "date.invalid", "e.g. 2026-10-31"),
        ("2026-1-5", "date.invalid", "e.g. 2026-10-31"),
        ("10/31/2026 lunchtime", "date.invalid", "e.g. 2026-10-31"),
        ("10/31", "date.invalid", "e.g. 2026-10-31"),
        ("\uff12\uff10\uff12\uff16-10-31", "date.invalid", "e.g. 2026-10-31"),
        ("", "date.empty", "Write the date of the update, e.g. 2026-10-31"),
    ],
)
def test_dates_that_are_not_accepted_are_errors_with_an_example(written, code, hint):
    result = row(f"SALES-Q4-01,On Track,0.5,{written}")

    finding = only_finding(result)
    assert (finding.severity, finding.column, finding.code) == (
        "error",
        "As Of Date",
        code,
    )
    assert finding.message.startswith("Row 2, As Of Date: ")
    assert hint in finding.message
    assert result.updates == []


def test_month_first_dates_are_questioned_when_the_file_writes_day_first():
    result = csvformat.parse(
        HEADER + b"SALES-Q4-01,On Track,1,31/10/2026\n"
        b"SALES-Q4-02,On Track,1,3/4/2026\n"
        b"HR-RETENTION,On Track,1,4/4/2026\n"
        b"IT-MIGRATION,On Track,1,10/31/2026\n"
    )

    assert [(f.line, f.code) for f in result.findings] == [
        (2, "date.day_first"),
        (3, "date.ambiguous"),
    ]
    assert result.findings[1].message == (
        "Row 3, As Of Date: '3/4/2026' is read as month/day/year (March 4, 2026),"
        " but row 2 is written day/month/year. If this date is day/month/year too,"
        " write it as 2026-04-03."
    )
    assert [u.as_of_date for u in result.updates] == [
        date(2026, 3, 4),
        date(2026, 4, 4),
        OCT_31,
    ]


def test_month_first_dates_are_not_questioned_in_a_month_first_file():
    result = csvformat.parse(
        HEADER + b"SALES-Q4-01,On Track,1,10/31/2026\nSALES-Q4-02,On Track,1,3/4/2026\n"
    )

    assert result.findings == []


# --- External ID ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "external_id",
    ["SALES-Q4-01", "Sales Q4 #1 (north) & co.", "ÉCOLE/2026:1", "x", "A;B"],
)
def test_external_ids_may_hold_spaces_and_special_characters(external_id):
    result = row(f"{external_id},On Track,0.5,2026-10-31")

    assert result.findings == []
    assert result.updates[0].external_id == external_id


def test_spaces_around_an_external_id_are_removed_visibly():
    result = row(" SALES-Q4-01  ,On Track,0.5,2026-10-31")

    finding = only_finding(result)
    assert (finding.severity, finding.code, finding.message) == (
        "fixed",
        "id.trimmed",
        "Row 2, External ID: the spaces around 'SALES-Q4-01' were removed.",
    )
    assert result.updates[0].external_id == "SALES-Q4-01"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("", "id.empty"),
        ("   ", "id.empty"),
        ("My External KPI", "id.external"),
        ("EXTERNAL-1", "id.external"),
        ("nonexternal", "id.external"),
        ('"SALES,Q4"', "id.comma"),
        ('"SALES ""Q4"""', "id.quote"),
        ("O'Brien KPI", "id.quote"),
        ("\u201cKPI\u201d", "id.quote"),
        ("\u2018KPI\u2019", "id.quote"),
        ('"SALES\nQ4"', "id.invisible"),
        ("SALES\tQ4", "id.invisible"),
        ("SALES\u00a0Q4", "id.invisible"),
        ("\ufeffSALES", "id.invisible"),
        ("SALES\x07Q4", "id.invisible"),
        ('"=HYPERLINK(""http://evil.example/"")"', "id.quote"),
        ("=1+2", "id.formula"),
        ("+SALES", "id.formula"),
        ("-SALES", "id.formula"),
        ("@cmd", "id.formula"),
        ("  =SALES", "id.formula"),
    ],
)
def test_external_ids_breaking_achieveits_rules_are_errors(cell, code):
    result = csvformat.parse(
        HEADER + f"{cell},On Track,0.5,2026-10-31\n".encode(),
    )

    finding = only_finding(result)
    assert (finding.severity, finding.column, finding.code) == (
        "error",
        "External ID",
        code,
    )
    assert finding.message.startswith("Row 2, External ID: ")
    assert result.updates == []


def test_a_row_with_several_problems_reports_each_in_column_order():
    result = row("EXTERNAL-1,Ontrack,abc,31/10/2026")

    assert [(f.column, f.code) for f in result.findings] == [
        ("External ID", "id.external"),
        ("Status", "status.unknown"),
        ("Current Value", "value.invalid"),
        ("As Of Date", "date.day_first"),
    ]


def test_an_id_a_spreadsheet_would_run_says_why_and_what_to_do():
    result = csvformat.parse(HEADER + b"@cmd,On Track,0.5,2026-10-31\n")

    assert only_finding(result).message == (
        "Row 2, External ID: '@cmd' starts with '@', which makes a spreadsheet run"
        " the cell as a formula, so the portal takes no External ID starting with ="
        " + - or @. Correct the ID, or delete the row."
    )


@pytest.mark.parametrize("external_id", ["SALES=Q4", "Q4-SALES", "A+B", "x@y.z"])
def test_a_formula_sign_inside_an_id_is_fine(external_id):
    result = csvformat.parse(HEADER + f"{external_id},On Track,1,2026-10-31\n".encode())

    assert result.findings == []
    assert result.updates[0].external_id == external_id
