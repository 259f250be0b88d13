"""Error cells of an .ods as LibreOffice Calc writes them (a formula whose result
is an error: ``calcext:value-type="error"``, often with ``office:value="0"``),
which python-calamine reads as 0 or empty: each is a finding naming its place,
and the row is not sent (issue 17). The XML is written here as Calc writes it,
repeated rows and columns included; odfpy cannot write Calc's extension."""

from __future__ import annotations

import io
import zipfile

import python_calamine

from uploads import csvformat
from uploads.csvformat.ods_errors import scan_ods

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:'
    'calcext:1.0" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"'
)
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
    'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def text(value: str) -> str:
    return (
        '<table:table-cell office:value-type="string">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def number(value: float) -> str:
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def date(value: str) -> str:
    return (
        f'<table:table-cell office:value-type="date" office:date-value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def error(formula: str, shown: str) -> str:
    return (
        f'<table:table-cell table:formula="of:={formula}" office:value-type="float" '
        f'office:value="0" calcext:value-type="error"><text:p>{shown}</text:p>'
        "</table:table-cell>"
    )


def row(*cells: str, repeated: int = 1) -> str:
    times = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    return f"<table:table-row{times}>{''.join(cells)}</table:table-row>"


def ods(sheets: dict[str, list[str]]) -> bytes:
    tables = "".join(
        f'<table:table table:name="{name}">{"".join(rows)}</table:table>'
        for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {NAMESPACES} office:version="1.3"><office:body>'
        f"<office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        book.writestr("content.xml", content)
        book.writestr("META-INF/manifest.xml", MANIFEST)
    return buffer.getvalue()


HEADER = row(
    text("External ID"), text("Status"), text("Current Value"), text("As Of Date")
)
EMPTY = '<table:table-cell table:number-columns-repeated="2"/>'


def test_calamine_alone_would_send_the_error_as_zero():
    data = ods(
        {
            "KPIs": [
                HEADER,
                row(text("SALES-Q4-01"), text("On Track"), error("1/0", "#DIV/0!")),
            ]
        }
    )
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert sheet.get_sheet_by_name("KPIs").to_python()[1][2] == 0.0


def test_an_error_cell_is_a_finding_naming_its_place_and_its_row_is_not_sent():
    data = ods(
        {
            "Q4 KPIs": [
                HEADER,
                row(
                    text("SALES-Q4-01"),
                    text("On Track"),
                    error("1/0", "#DIV/0!"),
                    date("2026-10-31"),
                ),
                row(
                    text("SALES-Q4-02"),
                    text("At Risk"),
                    number(0.45),
                    date("2026-10-31"),
                ),
            ]
        }
    )

    result = csvformat.parse(data)

    [finding] = result.errors
    assert finding.code == "cell.error"
    assert "Sheet 'Q4 KPIs', row 2, column C (Current Value)" in str(finding)
    assert "#DIV/0!" in str(finding)
    assert [update.external_id for update in result.updates] == ["SALES-Q4-02"]


def test_repeated_rows_and_columns_place_the_error_where_calc_shows_it():
    data = ods(
        {
            "Sheet1": [
                row(EMPTY, text("External ID"), text("Status"), text("As Of Date")),
                row(EMPTY, repeated=3),  # three empty rows, written once
                row(
                    EMPTY,
                    text("SALES-Q4-01"),
                    error("NA()", "#N/A"),
                    date("2026-10-31"),
                ),
            ]
        }
    )

    scan = scan_ods(zipfile.ZipFile(io.BytesIO(data)))["Sheet1"]

    assert scan.errors == {(4, 3): "#N/A"}  # row 5, column D, as Calc numbers them


def test_only_the_chosen_sheets_errors_count():
    clean = [
        HEADER,
        row(text("SALES-Q4-01"), text("On Track"), number(0.5), date("2026-10-31")),
    ]
    broken = [
        HEADER,
        row(text("SALES-Q4-01"), text("On Track"), error("1/0", "#DIV/0!")),
    ]
    data = ods({"Now": clean, "Old": broken})

    assert scan_ods(zipfile.ZipFile(io.BytesIO(data)))["Now"].errors == {}
    assert scan_ods(zipfile.ZipFile(io.BytesIO(data)))["Old"].errors == {
        (1, 2): "#DIV/0!"
    }
    assert csvformat.parse(data, sheet="Now").errors == []
    no_errors = ods({"Now": clean})
    assert scan_ods(zipfile.ZipFile(io.BytesIO(no_errors)))["Now"].errors == {}
