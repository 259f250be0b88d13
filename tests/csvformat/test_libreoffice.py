"""Files that LibreOffice Calc 7.4 really wrote (headless `soffice --convert-to`),
not files written by hand: see tests/fixtures/csv/README.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from uploads import csvformat

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "csv" / "libreoffice"
CLEAN_ROWS = [
    ("SALES-Q4-01", "On Track", "0.45", "2026-10-31"),
    ("SALES-Q4-02", "At Risk", "125000", "2026-10-31"),
    ("HR-RETENTION", "Achieved", "0.93", "2026-10-31"),
    ("IT-MIGRATION", "Not Started", "", "2026-10-31"),
]


def rows(result: csvformat.Result) -> list[tuple[str, str, str, str]]:
    return [
        (u.external_id, u.status, csvformat.format_value(u.value), str(u.as_of_date))
        for u in result.updates
    ]


@pytest.mark.parametrize(
    "name", ["clean_utf8.csv", "clean_semicolon.csv", "clean_utf16_tab.txt"]
)
def test_calcs_text_exports_of_the_clean_sample_are_read_unchanged(name):
    result = csvformat.parse((EXPORTS / name).read_bytes())
    assert result.findings == []
    assert rows(result) == CLEAN_ROWS


def test_the_messy_sample_reopened_in_calc_keeps_its_two_errors():
    # Calc opened the BOM file as Windows-1252 and saved it as UTF-8: the BOM came
    # back as the three characters 'ï»¿' in the header cell.
    result = csvformat.parse((EXPORTS / "messy_reopened_utf8.csv").read_bytes())
    assert [(f.line, f.column) for f in result.errors] == [
        (5, "Status"),
        (6, "As Of Date"),
    ]
    assert result.warnings[0].code == "header.garbled_bom"
    assert [u.external_id for u in result.updates] == ["SALES-Q4-01", "SALES-Q4-02"]


@pytest.mark.parametrize(
    ("name", "kind"), [("clean.xlsx", "xlsx"), ("clean.xls", "xls")]
)
def test_a_workbook_saved_by_calc_is_read_like_its_csv_export(name, kind):
    # Issue 17: a workbook is read (it used to be refused with "save it as CSV").
    result = csvformat.parse((EXPORTS / name).read_bytes())
    assert result.findings == []
    assert result.source_format == kind
    assert result.sheet == "clean_updates"
    assert rows(result) == CLEAN_ROWS
