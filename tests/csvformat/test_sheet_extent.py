"""A sheet whose cells reach far is refused before python-calamine reads it
(``sheet_extent``): calamine holds a sheet as one dense grid, and two cells far
apart in a 5 KB file made it ask for 550 GB and abort the process. Each case
runs in a child process with its address space capped, so that a guard that
fails is a failed test, not a machine out of memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from uploads import csvformat
from uploads.csvformat import workbook_guards
from uploads.csvformat.sheet_extent import column_letters, column_number

from . import workbooks
from .xls_workbooks import far_xls

REPO = Path(__file__).resolve().parents[2]
ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>External ID</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>Status</t></is></c></row>'
)
HOSTILE = {
    "two corners": workbooks.far_xlsx({(1_048_575, 16_383): "x"}),
    "far right": workbooks.far_xlsx({(5, 2_000): "x"}),
    "far below": workbooks.far_xlsx({(900_000, 1): "x"}),
    # Cells without a reference go one after another, as calamine places them.
    "a row of unnamed cells": workbooks.with_sheet_data(
        workbooks.far_xlsx({}),
        ROW + b"<row>" + b"<c><v>1</v></c>" * 3_000 + b"</row>",
    ),
    "a reference not first": workbooks.with_sheet_data(
        workbooks.far_xlsx({}),
        ROW + b'<row spans="1:2" r="2"><c s="0" r="ZZ2"><v>1</v></c></row>',
    ),
    # Calamine reads any tag whose local name is c, however it is written.
    **{
        f"a cell written {how}": workbooks.with_sheet_data(
            workbooks.far_xlsx({}),
            ROW + b'<row r="2">' + cell + b"</row>",
        )
        for how, cell in (
            ("with a new line after its name", b'<c\nr="XFD1048576"><v>1</v></c>'),
            ("with a tab after its name", b'<c\tr="XFD1048576"><v>1</v></c>'),
            (
                "with a namespace prefix",
                b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
                b'2006/main" r="XFD1048576"><x:v>1</x:v></x:c>',
            ),
            ("with a lower-case reference", b'<c r="xfd1048576"><v>1</v></c>'),
            ("with single quotes", b"<c r='XFD1048576'><v>1</v></c>"),
            ("with spaces around its equals sign", b'<c r = "XFD1048576"><v>1</v></c>'),
            (
                "with its reference padded with zeros",
                b'<c r="A0001048576"><v>1</v></c>',
            ),
            # quick-xml lets an attribute repeat, and calamine takes the last.
            ("with a second reference", b'<c r="A2" r="XFD1048576"><v>1</v></c>'),
            (
                "with a second reference touching the first",
                b'<c r="A2"r="XFD1048576"><v>1</v></c>',
            ),
            (
                "with a second reference after its style",
                b'<c r="A2" s="0"r="XFD1048576"><v>1</v></c>',
            ),
            (
                "with a second reference with a prefix",
                b'<c r="A2" t="n"\n x:r="XFD1048576"><v>1</v></c>',
            ),
        )
    },
    "rows out of order": workbooks.with_sheet_data(
        workbooks.far_xlsx({}),
        ROW
        + b'<row r="700000"><c r="B700000"><v>1</v></c></row>'
        + b'<row r="2"><c r="A2"><v>1</v></c></row>',
    ),
}


def parse_capped(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(data)
    code = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
        sys.path.insert(0, {str(REPO)!r})
        from uploads import csvformat
        result = csvformat.parse(open({str(path)!r}, "rb").read())
        print([finding.code for finding in result.findings])
        print(result.findings[0].message if result.findings else "")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_sheet_reaching_far_is_refused_in_bounded_memory(case, tmp_path):
    answer = parse_capped(HOSTILE[case], tmp_path)

    assert answer.returncode == 0, answer.stderr[-2000:]
    codes, message = answer.stdout.splitlines()[:2]
    assert codes == "['sheet.far_cell']"
    assert "Sheet 'Updates' has something in" in message
    assert "Delete what is below or to the right of your updates" in message


def test_the_message_names_the_far_place():
    (far,) = csvformat.parse(HOSTILE["far right"]).findings

    assert far.message.startswith(
        "Sheet 'Updates' has something in column BXY, past column BL"
    )
    (below,) = csvformat.parse(HOSTILE["far below"]).findings
    assert "has something in row 900,001, past row 101,001" in below.message


def test_a_sheet_as_wide_and_long_as_allowed_is_read():
    data = workbooks.far_xlsx({(3, 63): "note", (101_000, 0): "ITEM-1"})

    codes = {finding.code for finding in csvformat.parse(data).findings}

    assert "sheet.far_cell" not in codes


def test_empty_cells_far_away_are_read_as_calamine_reads_them():
    # Excel writes formatted empty cells (<c r="A1048576" s="1"/>); calamine
    # keeps none of them, so they make no grid and are not refused.
    data = workbooks.with_sheet_data(
        workbooks.far_xlsx({}),
        b'<row r="1">'
        + b"".join(
            b'<c r="'
            + bytes([letter])
            + b'1" t="inlineStr"><is><t>'
            + name.encode()
            + b"</t></is></c>"
            for letter, name in zip(b"ABCD", workbooks.HEADER, strict=True)
        )
        + b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>ITEM-1</t></is></c>'
        b'<c r="B2" t="inlineStr"><is><t>On Track</t></is></c><c r="C2"><v>5</v>'
        b'</c><c r="D2" t="inlineStr"><is><t>2026-10-31</t></is></c>'
        b'<c r="XFD2" s="0"/></row>'
        b'<row r="1048576"><c r="A1048576" s="0" /></row>',
    )

    result = csvformat.parse(data)

    assert [finding.code for finding in result.findings] == []
    assert [update.external_id for update in result.updates] == ["ITEM-1"]


def test_cells_without_references_are_read_as_calamine_places_them():
    data = workbooks.with_sheet_data(
        workbooks.far_xlsx({}),
        b"<row>"
        + b"".join(
            b'<c t="inlineStr"><is><t>' + name.encode() + b"</t></is></c>"
            for name in workbooks.HEADER
        )
        + b'</row><row><c t="inlineStr"><is><t>ITEM-1</t></is></c>'
        b'<c t="inlineStr"><is><t>On Track</t></is></c><c><v>5</v></c>'
        b'<c t="inlineStr"><is><t>2026-10-31</t></is></c></row>',
    )

    result = csvformat.parse(data)

    assert [update.external_id for update in result.updates] == ["ITEM-1"]


@pytest.mark.parametrize("number", [1, 26, 27, 52, 53, 64, 65, 702, 703, 16_384])
def test_column_letters_and_numbers_agree(number):
    assert column_number(column_letters(number)) == number
    assert column_letters(64) == "BL"


def test_an_xls_reaching_far_to_the_right_is_refused():
    from .xls_workbooks import xls

    data = xls({"Updates": [[*workbooks.HEADER, *[None] * 196, "far"]]})

    (far,) = csvformat.parse(data).findings
    assert far.code == "sheet.far_cell"
    assert "column GS, past column BL" in far.message


def test_a_large_usual_sheet_is_checked_without_placing_every_cell(monkeypatch):
    # The XML is read in pieces of a megabyte: a tag cut at the end of one is
    # no missing reference.
    placed = []
    monkeypatch.setattr(
        workbook_guards, "exact_extent", lambda *arguments: placed.append(1)
    )
    rows = [workbooks.HEADER] + [
        [f"ITEM-{n}", "On Track", n, "2026-10-31"] for n in range(30_000)
    ]

    result = csvformat.parse(workbooks.xlsx({"Updates": rows}))

    assert placed == []
    assert len(result.updates) == 30_000
    assert result.findings == []


def repeated_ods(rows: int, columns: int) -> bytes:
    """An .ods of a header and one filled cell repeated over rows and columns."""
    return workbooks.ods([workbooks.HEADER], "Updates", repeated=(rows, columns))


@pytest.mark.parametrize(
    ("rows", "columns", "place"),
    [(200_000, 200, "column GR"), (1_048_575, 4, "row 1,048,576")],
)
def test_an_ods_repeating_a_cell_far_is_refused_before_calamine_opens_it(
    rows, columns, place, tmp_path
):
    # calamine reads every sheet of an .ods as it opens it: this 1.5 KB file took
    # it 2.5 GB and 15 s before the check came first.
    answer = parse_capped(repeated_ods(rows, columns), tmp_path)

    assert answer.returncode == 0, answer.stderr[-2000:]
    codes, message = answer.stdout.splitlines()[:2]
    assert codes == "['sheet.far_cell']"
    assert f"has something in {place}" in message


def test_an_ods_with_calcs_empty_rows_to_the_end_of_the_sheet_is_read():
    # Calc writes the empty rows and cells after the last filled one as repeated
    # to the end of the sheet: they reach nowhere.
    from .test_ods_errors import HEADER, ods, row, text

    rows = [
        HEADER,
        row(text("SALES-Q4-01"), text("On Track")),
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="1024"/>'
        "</table:table-row>",
    ]

    result = csvformat.parse(ods({"Updates": rows}))

    assert "sheet.far_cell" not in {finding.code for finding in result.findings}


def test_an_xls_with_cells_in_two_corners_is_refused_before_calamine_opens_it(
    tmp_path,
):
    # calamine reads every sheet of an .xls as it opens it, as one grid: this
    # 5.6 KB file took it 530 MB at once.
    path = tmp_path / "far.xls"
    path.write_bytes(far_xls({(65_535, 255): "x"}))
    code = textwrap.dedent(
        f"""
        import re, sys
        sys.path.insert(0, {str(REPO)!r})
        from uploads import csvformat
        result = csvformat.parse(open({str(path)!r}, "rb").read())
        print(result.findings[0].code)
        # This process's own peak (ru_maxrss would count the parent's, forked).
        status = open("/proc/self/status").read()
        print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
        """
    )
    answer = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )

    code, peak_mb = answer.stdout.split()
    assert code == "sheet.far_cell"
    assert int(peak_mb) < 150
