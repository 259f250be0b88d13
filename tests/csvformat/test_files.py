"""Whole files as people really send them: the shared samples and spreadsheet exports.

The fixtures in tests/fixtures/csv/ hold the exact bytes each program writes (see
the README there). Every test here reads a file and says what a plan owner would
see: which rows go to AchieveIt, and which findings they get.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from uploads import csvformat
from uploads.csvformat import PlanItemRule, Update

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"
SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
OCT_31 = date(2026, 10, 31)


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def summary(result: csvformat.Result) -> list[tuple[int | None, str | None, str, str]]:
    return [(f.line, f.column, f.severity, f.code) for f in result.findings]


def team_mapping() -> dict[str, PlanItemRule]:
    """The mapping plan_items.csv describes, as the portal would pass it."""
    rows = read("plan_items.csv").decode("utf-8").splitlines()[1:]
    mapping = {}
    for row in rows:
        external_id, _name, has_metric = row.split(",")
        mapping[external_id] = PlanItemRule(
            own=True, active=True, has_metric=has_metric == "yes"
        )
    return mapping


@pytest.mark.parametrize(
    "name", ["clean_updates.csv", "messy_updates.csv", "plan_items.csv"]
)
def test_fixture_copies_match_the_shared_samples(name):
    shared = SHARED_SAMPLES / name
    if not shared.exists():
        pytest.skip(f"{shared} is not beside this clone")
    assert read(name) == shared.read_bytes()


def test_clean_sample_is_sent_as_is_with_its_us_date_normalized():
    result = csvformat.parse(read("clean_updates.csv"), plan_items=team_mapping())

    assert result.findings == []
    assert result.is_valid
    assert csvformat.render_csv(result.updates) == (
        b"External ID,Status,Current Value,As Of Date\n"
        b"SALES-Q4-01,On Track,0.45,2026-10-31\n"
        b"SALES-Q4-02,At Risk,125000,2026-10-31\n"
        b"HR-RETENTION,Achieved,0.93,2026-10-31\n"
        b"IT-MIGRATION,Not Started,,2026-10-31\n"
    )


@pytest.mark.parametrize("plan_items", [None, "team"], ids=["no mapping", "mapping"])
def test_messy_sample_has_exactly_the_two_real_errors(plan_items):
    mapping = team_mapping() if plan_items else None
    result = csvformat.parse(read("messy_updates.csv"), plan_items=mapping)

    assert summary(result) == [
        (2, "Status", "fixed", "status.respelled"),
        (2, "Current Value", "fixed", "value.percentage"),
        (2, "As Of Date", "fixed", "date.time_dropped"),
        (3, "Status", "fixed", "status.respelled"),
        (4, None, "warning", "row.blank"),
        (5, "Status", "error", "status.unknown"),
        (6, "Status", "fixed", "status.respelled"),
        (6, "As Of Date", "error", "date.day_first"),
        (7, None, "warning", "row.blank"),
    ]
    errors = [finding.message for finding in result.errors]
    assert errors == [
        "Row 5, Status: 'Acheived' is not an AchieveIt status. Did you mean"
        " 'Achieved'?",
        "Row 6, As Of Date: '31/10/2026' looks like day/month/year, but dates with"
        " slashes are read as month/day/year. Write it as 2026-10-31 (or"
        " 10/31/2026).",
    ]
    assert result.encoding == "utf-8-sig"
    assert result.updates == [
        Update("SALES-Q4-01", "On Track", Decimal("0.45"), OCT_31),
        Update("SALES-Q4-02", "At Risk", Decimal("125000"), OCT_31),
    ]
    assert [update.line for update in result.updates] == [2, 3]


def test_messy_sample_fixes_are_worded_for_the_plan_owner():
    messages = [f.message for f in csvformat.parse(read("messy_updates.csv")).fixes]

    assert messages[:3] == [
        "Row 2, Status: 'on track' will be sent as 'On Track'.",
        "Row 2, Current Value: 45% was converted to 0.45 (AchieveIt takes"
        " percentages as decimals).",
        "Row 2, As Of Date: the time in '2026-10-31T16:30:00' was left out:"
        " AchieveIt takes the date as written, 2026-10-31.",
    ]


def test_excel_csv_utf8_with_bom_crlf_and_an_empty_row():
    result = csvformat.parse(read("excel_csv_utf8.csv"))

    assert result.encoding == "utf-8-sig"
    assert summary(result) == [
        (2, "Current Value", "fixed", "value.percentage"),
        (5, None, "warning", "row.blank"),
    ]
    assert [(u.external_id, u.value, u.as_of_date, u.line) for u in result.updates] == [
        ("SALES-Q4-01", Decimal("0.45"), OCT_31, 2),
        ("SALES-Q4-02", Decimal("125000"), OCT_31, 3),
        ("HR-RETENTION", Decimal("0.93"), OCT_31, 4),
        ("IT-MIGRATION", None, OCT_31, 6),
    ]


def test_excel_windows_1252_is_read_with_a_warning():
    result = csvformat.parse(read("excel_csv_windows1252.csv"))

    assert result.encoding == "windows-1252"
    assert summary(result) == [(None, None, "warning", "file.windows_1252")]
    assert [update.external_id for update in result.updates] == [
        "CAF\u00c9-R\u00c9NOVATION",
        "SALES-Q4-01",
    ]
    assert "CAFÉ-RÉNOVATION,On Track,0.5,2026-10-31\n".encode() in (
        csvformat.render_csv(result.updates)
    )


def test_excel_unicode_text_is_utf16_and_tab_separated():
    result = csvformat.parse(read("excel_unicode_text.txt"))

    assert (result.encoding, result.delimiter) == ("utf-16", "\t")
    assert result.findings == []
    assert [update.external_id for update in result.updates] == [
        "M\u00dcNCHEN-KPI",
        "SALES-Q4-02",
        "HR-RETENTION",
    ]


def test_excel_for_mac_cr_line_ends():
    result = csvformat.parse(read("excel_mac_csv_cr.csv"))

    assert result.findings == []
    assert [(u.external_id, u.line) for u in result.updates] == [
        ("SALES-Q4-01", 2),
        ("IT-MIGRATION", 3),
    ]


def test_excel_german_locale_is_read_and_its_number_and_date_explained():
    result = csvformat.parse(read("excel_german_semicolon.csv"))

    assert result.delimiter == ";"
    assert [f.message for f in result.errors] == [
        "Row 2, Current Value: '0,45' has a decimal comma. Write a decimal point"
        " instead: 0.45.",
        "Row 2, As Of Date: '31.10.2026' is not a date form AchieveIt accepts."
        " Write it as 2026-10-31.",
    ]
    assert [update.external_id for update in result.updates] == ["SALES-Q4-02"]


def test_google_sheets_crlf_without_final_line_end():
    result = csvformat.parse(read("google_sheets.csv"))

    assert summary(result) == [
        (2, "Current Value", "fixed", "value.percentage"),
        (3, None, "warning", "row.blank"),
    ]
    assert [(u.external_id, u.value, u.line) for u in result.updates] == [
        ("SALES-Q4-01", Decimal("0.45"), 2),
        ("SALES-Q4-02", Decimal("125000"), 4),
        ("HR-RETENTION", Decimal("0.93"), 5),
    ]


def test_libreoffice_default_date_format_has_two_digit_years():
    result = csvformat.parse(read("libreoffice_calc_default_dates.csv"))

    assert [(f.line, f.code) for f in result.errors] == [
        (2, "date.two_digit_year"),
        (3, "date.two_digit_year"),
    ]
    assert result.errors[0].message == (
        "Row 2, As Of Date: '10/31/26' has a two-digit year. Write the year in"
        " full: 10/31/2026."
    )
    assert result.updates == []


def test_libreoffice_iso_dates_trailing_space_and_quoted_comma():
    result = csvformat.parse(read("libreoffice_calc_iso_dates.csv"))

    assert summary(result) == [
        (2, "Status", "fixed", "status.respelled"),
        (4, "External ID", "error", "id.comma"),
    ]
    assert [update.external_id for update in result.updates] == [
        "SALES-Q4-01",
        "SALES-Q4-02",
    ]


@pytest.mark.parametrize(
    "name", sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".txt"))
)
def test_normalizing_any_fixture_twice_changes_nothing(name):
    once = csvformat.render_csv(csvformat.parse(read(name)).updates)
    twice = csvformat.render_csv(csvformat.parse(once).updates)

    assert twice == once
    assert not once.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in once
