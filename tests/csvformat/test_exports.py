"""The CSV files the portal writes for people (problems.csv, the history export):
a byte-order mark for Excel, every cell formula-safe; and the copy kept of rows a
person entered, which reads back exactly as written."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

import pytest

from uploads import csvformat
from uploads.csvformat.exports import (
    PROBLEMS_HEADER,
    render_problems,
    render_rows,
    served_lines,
)
from uploads.csvformat.reading import read_rows
from uploads.csvformat.writing import safe_cell


def _read(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_served_lines_stream_a_header_then_formula_safe_rows():
    lines = list(served_lines(["name", "note"], [["=cmd", 42], ["plain", "-1"]]))

    assert lines == ["\ufeffname,note\r\n", "'=cmd,42\r\n", "plain,'-1\r\n"]


def test_the_problems_of_a_file_are_one_row_each_with_their_suggestion():
    result = csvformat.parse(
        b"External ID,Status,Current Value,As Of Date\n"
        b"=HYPERLINK(1),Acheived,1,2026-10-31\n"
    )

    header, *rows = _read(render_problems(asdict(f) for f in result.findings))

    assert tuple(header) == PROBLEMS_HEADER
    by_column = {row[1]: row for row in rows}
    assert by_column["External ID"][:4] == [
        "2",
        "External ID",
        "'=HYPERLINK(1)",
        "error",
    ]
    status = by_column["Status"]
    assert status[4].startswith("Row 2, Status: 'Acheived' is not an AchieveIt")
    assert status[5] == "Achieved"


def test_a_stored_finding_without_a_place_leaves_its_cells_empty():
    finding = {"severity": "warning", "message": "Made from upload #3."}

    assert _read(render_problems([finding]))[1] == [
        "",
        "",
        "",
        "warning",
        "Made from upload #3.",
        "",
    ]


@pytest.mark.parametrize(
    "rows",
    [
        [["External ID", "Status"], ["A, with comma", 'say "hi"'], ["", "x"]],
        [["ID-1", "On Track", "0.5", "2026-10-31"], ["=1+2", "", "", ""]],
    ],
)
def test_rows_kept_as_written_read_back_unchanged(rows):
    data = render_rows(rows)

    assert b"\r" not in data
    assert read_rows(data) == rows


def test_a_file_that_is_no_csv_text_has_no_rows():
    assert read_rows(b"%PDF-1.7 ...") is None
    assert read_rows(b"") is None


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_cell_that_a_spreadsheet_would_run_is_quoted(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_plain_cells_are_left_alone():
    assert safe_cell("On Track") == "On Track"
    assert safe_cell(42) == "42"
    assert safe_cell("") == ""


def test_a_kept_copy_can_start_with_a_header():
    data = render_rows([["A-1", "On Track"]], header=("External ID", "Status"))

    assert data == b"External ID,Status\nA-1,On Track\n"
