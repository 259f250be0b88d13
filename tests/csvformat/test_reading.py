"""Reading bytes: encodings, line ends, separators, files that are not CSV at all,
size limits, and memory that stays bounded by the rows, not by the file."""

from __future__ import annotations

import codecs
import io
import tracemalloc
import zipfile
from datetime import date

import pytest

from uploads import csvformat

ROWS = (
    "External ID,Status,Current Value,As Of Date\n"
    "CAF\u00c9-01,On Track,0.5,2026-10-31\n"
    "SALES-Q4-02,At Risk,,10/31/2026\n"
)
EXPECTED = [("CAF\u00c9-01", "On Track"), ("SALES-Q4-02", "At Risk")]


def sent(result: csvformat.Result) -> list[tuple[str, str]]:
    return [(update.external_id, update.status) for update in result.updates]


def file_codes(result: csvformat.Result) -> list[str]:
    return [finding.code for finding in result.findings]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ROWS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ROWS.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + ROWS.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + ROWS.encode("utf-16-be"), "utf-16"),
        (ROWS.encode("utf-32"), "utf-32"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 LE", "utf-16 BE", "utf-32"],
)
def test_unicode_encodings_are_read_without_comment(data, encoding):
    result = csvformat.parse(data)

    assert (result.encoding, result.findings) == (encoding, [])
    assert sent(result) == EXPECTED


def test_windows_1252_is_the_fallback_with_a_warning():
    result = csvformat.parse(ROWS.encode("cp1252"))

    assert result.encoding == "windows-1252"
    assert file_codes(result) == ["file.windows_1252"]
    assert result.findings[0].line is None
    assert "Check that accented letters look right" in result.findings[0].message
    assert result.is_valid
    assert sent(result) == EXPECTED


def test_windows_1252_found_past_the_sniffed_start_restarts_cleanly():
    filler = "".join(f"ITEM-{n},On Track,1,2026-10-31\n" for n in range(5000))
    data = (ROWS + filler + "CAF\u00c9-99,On Track,1,2026-10-31\n").encode("cp1252")
    assert len(data) > 64 * 1024

    result = csvformat.parse(data)

    assert result.encoding == "windows-1252"
    assert file_codes(result) == ["file.windows_1252"]
    assert result.updates[-1].external_id == "CAF\u00c9-99"
    assert len(result.updates) == 5003


@pytest.mark.parametrize(
    "data",
    [
        b"External ID,Status\n\x81\x8d\x8f\x90\x9d,On Track\n",
        codecs.BOM_UTF16_LE + b"E\x00x\x00\x00\xd8",  # a lone surrogate
        codecs.BOM_UTF8 + b"External ID,\xff\xfe\n",
    ],
    ids=["undefined in windows-1252", "broken utf-16", "broken utf-8 after a BOM"],
)
def test_undecodable_text_is_one_clear_error(data):
    result = csvformat.parse(data)

    assert file_codes(result) == ["file.encoding"]
    assert result.findings[0].message.startswith(
        "The file's characters could not be read"
    )
    assert "CSV UTF-8" in result.findings[0].message
    assert result.updates == []


# Workbooks are read (issue 17): tests/csvformat/test_spreadsheet.py.
def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("[Content_Types].xml", "<Types/>")
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "file.binary", "This is a PDF document"),
        (b"<!DOCTYPE html><html><table>", "file.binary", "a web page or XML file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file.binary", "binary data"),
        (b"External ID,Status\x00,Current Value", "file.binary", "binary data"),
        (ROWS.encode("utf-16-le"), "file.binary", "binary data"),
    ],
    ids=["pdf", "html", "png", "nul byte", "utf-16 without BOM"],
)
def test_files_that_are_not_csv_are_one_clear_error(data, code, says):
    result = csvformat.parse(data)

    assert file_codes(result) == [code]
    assert says in result.findings[0].message
    assert "save it as CSV" in result.findings[0].message
    assert (result.findings[0].line, result.updates) == (None, [])


@pytest.mark.parametrize("data", [b"", b"\n\n", b"   \r\n", codecs.BOM_UTF8])
def test_an_empty_file_is_one_clear_error(data):
    result = csvformat.parse(data)

    assert file_codes(result) == ["file.empty"]


def test_a_file_over_the_size_limit_is_one_clear_error():
    data = ROWS.encode("utf-8")

    assert csvformat.parse(data, max_bytes=len(data)).is_valid
    result = csvformat.parse(data, max_bytes=len(data) - 1)
    assert file_codes(result) == ["file.too_large"]
    assert result.findings[0].message == (
        "The file is 0.0 MB, more than the 0.0 MB an upload may be. Split it into"
        " smaller files and upload each one."
    )


def test_the_default_size_limit_is_ten_megabytes():
    big = b"x" * (10_000_000 + 1)

    assert file_codes(csvformat.parse(big)) == ["file.too_large"]
    assert "10.0 MB" in csvformat.parse(big).findings[0].message


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_end_gives_the_same_rows_and_numbers(line_end):
    text = (
        ROWS.replace("\n", line_end) + line_end + "HR-RETENTION,Achieved,1,2026-10-31"
    )

    result = csvformat.parse(text.encode("utf-8"))

    assert [(u.external_id, u.line) for u in result.updates] == [
        ("CAF\u00c9-01", 2),
        ("SALES-Q4-02", 3),
        ("HR-RETENTION", 5),
    ]
    assert file_codes(result) == ["row.blank"]


def test_mixed_line_ends_are_read_as_rows():
    data = (
        b"A,On Track,1,2026-10-31\r\nB,On Track,1,2026-10-31\rC,On Track,1,2026-10-31\n"
    )

    assert [u.external_id for u in csvformat.parse(data).updates] == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("delimiter", "value"),
    [(",", "0.5"), (";", "0.5"), ("\t", "0.5"), ("\t", "1,250"), (";", "1,250")],
)
def test_the_separator_is_sniffed_among_comma_semicolon_and_tab(delimiter, value):
    rows = [
        ["External ID", "Status", "Current Value", "As Of Date"],
        ["SALES-Q4-01", "On Track", value, "2026-10-31"],
        ["SALES-Q4-02", "At Risk", "", "2026-10-31"],
    ]
    data = "\r\n".join(delimiter.join(row) for row in rows).encode("utf-8")

    result = csvformat.parse(data)

    assert result.delimiter == delimiter
    assert [u.external_id for u in result.updates][-1] == "SALES-Q4-02"
    if value == "1,250":
        assert [(f.line, f.code) for f in result.errors] == [(2, "value.thousands")]


def test_a_comma_file_with_quoted_semicolons_stays_a_comma_file():
    data = (
        b'External ID,Status,Current Value,As Of Date\n"A;B;C",On Track,1,2026-10-31\n'
    )

    result = csvformat.parse(data)

    assert result.delimiter == ","
    assert [u.external_id for u in result.updates] == ["A;B;C"]


def test_a_cell_longer_than_the_csv_module_accepts_is_one_clear_error():
    data = b'External ID,Status,Current Value,As Of Date\n"' + b"x" * 200_000 + b'"\n'

    result = csvformat.parse(data)

    assert file_codes(result) == ["file.unreadable"]
    assert result.findings[0].message.startswith(
        "The file could not be read at line 2 (field larger than field limit"
    )


def test_a_time_zone_far_east_of_utc_does_not_move_the_date_back():
    result = csvformat.parse(b"A,On Track,1,2026-11-01T00:30:00+14:00\n")

    assert result.updates[0].as_of_date == date(2026, 11, 1)


def test_memory_is_bounded_by_the_rows_not_by_copies_of_the_file():
    # 3.2 MB of text that holds a single update: anything that decoded the whole
    # file, or split it into a list of lines, would allocate more than the input.
    data = (ROWS + ",,,\n" * 800_000).encode("utf-8")
    tracemalloc.start()
    try:
        result = csvformat.parse(data, max_rows=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert len(result.updates) == 2
    assert peak < len(data) / 4


@pytest.mark.parametrize(
    "cells",
    [
        "A,On Track,1,1/1/" + "9" * 5000,
        "A,On Track,1e999999,2026-10-31",
        "A,On Track,1," + "2" * 5000 + "-10-31",
        "A,On Track," + "9" * 100_000 + ",2026-10-31",
        "A," + "On Track" + " " * 100_000 + ",1,26-10-31",
    ],
    ids=["long year", "huge exponent", "long iso year", "long number", "long status"],
)
def test_hostile_cells_give_findings_not_exceptions_or_huge_messages(cells):
    result = csvformat.parse(cells.encode("ascii"))

    assert result.errors
    assert all(len(finding.message) < 400 for finding in result.findings)
