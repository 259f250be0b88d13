"""Workbooks made in the tests: XlsxWriter for .xlsx, odfpy for .ods."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence

import xlsxwriter

HEADER = ["External ID", "Status", "Metric Value", "As Of Date"]


def xlsx(
    sheets: dict[str, Sequence[Sequence[object]]],
    *,
    hidden: Sequence[str] = (),
    formats: dict[tuple[str, int, int], dict[str, object]] | None = None,
) -> bytes:
    """An .xlsx with the given sheets of rows; a cell tuple ("=F", cached) is a
    formula with its cached value; ``formats`` by (sheet, row, column)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        if name in hidden:
            sheet.hide()
        for row_index, row in enumerate(rows):
            for column, cell in enumerate(row):
                style = (formats or {}).get((name, row_index, column))
                if style is None and isinstance(cell, datetime.date):
                    style = {"num_format": "yyyy-mm-dd"}  # Excel's dates are formatted
                style = book.add_format(style) if style else None
                if isinstance(cell, tuple):
                    sheet.write_formula(row_index, column, cell[0], style, cell[1])
                elif cell is None:
                    continue
                else:
                    sheet.write(row_index, column, cell, style)
    book.close()
    return buffer.getvalue()


def ods(
    rows: Sequence[Sequence[object]],
    name: str = "Sheet1",
    *,
    repeated: tuple[int, int] | None = None,
) -> bytes:
    """An .ods of one sheet: str cells as text, numbers as floats, dates as dates;
    ``repeated`` (rows, columns) adds a row of the number 1 repeated that many
    times across and down, as Calc writes repeats."""
    import datetime

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name=name)
    for row in rows:
        table_row = TableRow()
        for cell in row:
            if isinstance(cell, datetime.date):
                table_cell = TableCell(valuetype="date", datevalue=cell.isoformat())
                table_cell.addElement(P(text=cell.strftime("%d %b %Y")))
            elif isinstance(cell, (int, float)):
                table_cell = TableCell(valuetype="float", value=cell)
                table_cell.addElement(P(text=str(cell)))
            else:
                table_cell = TableCell(valuetype="string")
                table_cell.addElement(P(text=str(cell)))
            table_row.addElement(table_cell)
        table.addElement(table_row)
    if repeated is not None:
        down, across = repeated
        table_row = TableRow(numberrowsrepeated=down)
        table_cell = TableCell(valuetype="float", value=1, numbercolumnsrepeated=across)
        table_cell.addElement(P(text="1"))
        table_row.addElement(table_cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def far_xlsx(cells: dict[tuple[int, int], object], name: str = "Updates") -> bytes:
    """An .xlsx of a header and cells by (row, column) from 0, however far."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(name)
    for column, cell in enumerate(HEADER):
        sheet.write(0, column, cell)
    for (row, column), cell in cells.items():
        sheet.write(row, column, cell)
    book.close()
    return buffer.getvalue()


def with_sheet_data(data: bytes, sheet_data: bytes) -> bytes:
    """An .xlsx made by XlsxWriter with its first sheet's cells replaced by the
    XML ``sheet_data`` (as another program, or a hand, may write them)."""
    part = "xl/worksheets/sheet1.xml"
    content = zipfile.ZipFile(io.BytesIO(data)).read(part)
    start = content.index(b"<sheetData")
    end = content.index(b"</sheetData>") + len(b"</sheetData>")
    sheet = content[:start] + b"<sheetData>" + sheet_data + b"</sheetData>"
    return repacked(data, changed={part: sheet + content[end:]})


def repacked(
    data: bytes,
    compress_type: int = zipfile.ZIP_DEFLATED,
    level: int | None = None,
    changed: dict[str, bytes] | None = None,
) -> bytes:
    """The same zip with every part packed another way, and the ``changed`` parts
    holding what they are given."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in source.infolist():
            content = (changed or {}).get(member.filename)
            archive.writestr(
                member.filename,
                source.read(member.filename) if content is None else content,
                compress_type=compress_type,
                compresslevel=level,
            )
    return buffer.getvalue()
