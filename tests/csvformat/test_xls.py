"""Excel 97-2003 workbooks (.xls) made in the test with xlwt, read as issue 17 asks:
cells keep their meaning (a date cell whatever its display format, a number as
typed, a percentage as its decimal), findings name the sheet, row and column
letter, and with several sheets the one holding updates is picked, or named."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from tests.csvformat.xls_workbooks import HEADER, Error, Percent, xls
from uploads import csvformat

DAY = datetime.date(2026, 10, 31)
UPDATES = [
    HEADER,
    ["SALES-Q4-01", "On Track", 0.1, DAY],
    ["SALES-Q4-02", "At Risk", 125000, DAY],
    ["HR-RETENTION", "Achieved", Percent(0.25), datetime.datetime(2026, 10, 31)],
    ["IT-MIGRATION", "Not Started", None, DAY],
]
NOTES = [["Read me"], ["Fill in the Q4 KPIs sheet and upload the file."]]
LIBREOFFICE_XLS = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "csv"
    / "libreoffice"
    / "clean.xls"
)


def rows(result: csvformat.Result) -> list[tuple[str, str, str, str]]:
    return [
        (u.external_id, u.status, csvformat.format_value(u.value), str(u.as_of_date))
        for u in result.updates
    ]


def test_the_file_is_a_real_biff_workbook_in_an_ole_container():
    data = xls({"Q4 KPIs": UPDATES})
    # The OLE compound file signature, as Excel 97-2003 writes it.
    assert data.startswith(bytes.fromhex("d0cf11e0a1b11ae1"))
    assert b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in data  # the BIFF8 stream


def test_an_xls_is_read_with_each_cell_meaning_what_it_shows():
    result = csvformat.parse(xls({"Q4 KPIs": UPDATES, "Notes": NOTES}))

    assert result.findings == []
    assert result.source_format == "xls"
    # The sheet with an External ID header is the one with updates.
    assert result.sheet == "Q4 KPIs"
    assert result.sheet_names == ("Q4 KPIs", "Notes")
    assert rows(result) == [
        # A date cell shown as "Oct 31, 2026" is that date; 0.1 stays 0.1.
        ("SALES-Q4-01", "On Track", "0.1", "2026-10-31"),
        ("SALES-Q4-02", "At Risk", "125000", "2026-10-31"),
        # Shown as 25%: the cell holds 0.25, and 0.25 is sent.
        ("HR-RETENTION", "Achieved", "0.25", "2026-10-31"),
        ("IT-MIGRATION", "Not Started", "", "2026-10-31"),
    ]
    assert result.updates[0].value == Decimal("0.1")


def test_it_reads_as_the_xls_libreoffice_saved_from_the_same_rows():
    # tests/fixtures/csv/libreoffice/clean.xls: the clean sample, saved by Calc.
    clean = [
        HEADER,
        ["SALES-Q4-01", "On Track", 0.45, DAY],
        ["SALES-Q4-02", "At Risk", 125000, DAY],
        ["HR-RETENTION", "Achieved", 0.93, DAY],
        ["IT-MIGRATION", "Not Started", None, DAY],
    ]
    made = csvformat.parse(xls({"clean_updates": clean}))
    saved = csvformat.parse(LIBREOFFICE_XLS.read_bytes())

    assert made.findings == saved.findings == []
    assert (made.source_format, made.sheet) == (saved.source_format, saved.sheet)
    assert rows(made) == rows(saved)


def test_a_date_with_a_time_of_day_keeps_its_date_and_says_so():
    with_time = [
        HEADER,
        ["SALES-Q4-01", "On Track", 1, datetime.datetime(2026, 10, 31, 14, 30)],
    ]

    result = csvformat.parse(xls({"Q4 KPIs": with_time}))

    assert rows(result) == [("SALES-Q4-01", "On Track", "1", "2026-10-31")]
    (finding,) = result.findings
    assert finding.code == "date.time_dropped"
    assert finding.message.startswith("Sheet 'Q4 KPIs', row 2, column D (As Of Date):")


def test_a_number_in_the_date_column_is_no_date():
    # The serial number a date cell holds, but without a date format: a number.
    serial = (DAY - datetime.date(1899, 12, 30)).days
    result = csvformat.parse(
        xls({"Q4 KPIs": [HEADER, ["SALES-Q4-01", "On Track", 1, serial]]})
    )

    (error,) = result.errors
    assert error.code == "date.invalid"
    assert error.message.startswith("Sheet 'Q4 KPIs', row 2, column D (As Of Date):")


def test_findings_name_the_sheet_the_row_as_excel_numbers_it_and_the_column():
    typo = [HEADER, UPDATES[1], ["SALES-Q4-02", "Acheived", 3, DAY]]

    result = csvformat.parse(xls({"Notes": NOTES, "Q4 KPIs": typo}))

    (error,) = result.errors
    assert (error.line, error.column, error.suggestion) == (3, "Status", "Achieved")
    assert error.message.startswith("Sheet 'Q4 KPIs', row 3, column B (Status):")
    assert rows(result) == [("SALES-Q4-01", "On Track", "0.1", "2026-10-31")]


def test_two_sheets_of_updates_ask_which_one_to_read():
    october = [HEADER, ["SALES-Q4-01", "On Track", 0.4, datetime.date(2026, 10, 31)]]
    november = [HEADER, ["SALES-Q4-01", "At Risk", 0.5, datetime.date(2026, 11, 30)]]
    data = xls({"October": october, "November": november})

    asked = csvformat.parse(data)
    (finding,) = asked.findings
    assert finding.code == "sheet.choose"
    assert "'October', 'November'" in finding.message
    assert asked.updates == []
    assert asked.sheet_names == ("October", "November")

    chosen = csvformat.parse(data, sheet="November")
    assert chosen.findings == []
    assert chosen.sheet == "November"
    assert rows(chosen) == [("SALES-Q4-01", "At Risk", "0.5", "2026-11-30")]

    unknown = csvformat.parse(data, sheet="December")
    (finding,) = unknown.findings
    assert finding.code == "sheet.unknown"
    assert finding.message == (
        "The workbook has no sheet 'December'. Its sheets are 'October', 'November'."
    )


def test_a_hidden_sheet_is_never_picked_nor_offered():
    old = [HEADER, ["SALES-Q4-01", "Off Track", 0.2, datetime.date(2026, 9, 30)]]
    data = xls({"Old": old, "Q4 KPIs": UPDATES}, hidden=["Old"])

    result = csvformat.parse(data)

    assert result.sheet == "Q4 KPIs"
    assert result.sheet_names == ("Q4 KPIs",)
    assert csvformat.sheet_names(data) == ["Q4 KPIs"]
    # Named, a hidden sheet is read (the person asked for it).
    assert rows(csvformat.parse(data, sheet="Old"))[0][1] == "Off Track"


def test_an_error_cell_in_an_xls_is_a_finding():
    broken = [HEADER, ["SALES-Q4-01", "On Track", Error("#DIV/0!"), DAY]]

    result = csvformat.parse(xls({"Q4 KPIs": broken}))

    assert [finding.code for finding in result.errors] == ["cell.error"]
    assert result.updates == []
