"""The error cells of a legacy Excel (.xls) sheet.

python-calamine reads an .xls error cell (``#DIV/0!``, ``#N/A``, a formula whose
cached result is an error) as an empty one, as it does in an .xlsx, whose XML
workbook_guards scans. An .xls is a binary BIFF8 file inside an OLE2 container,
so xlrd, the reader made for that format, finds them here: only the error cells
are kept, and the rows and values are still read by calamine. An .xls holds at
most 65,536 rows, so xlrd's whole-sheet read is bounded (about 0.8 s and the
sheet's cells in memory for a full one).
"""

from __future__ import annotations

import xlrd

from uploads.csvformat.sheet_extent import SPARE_ROWS, Extent, refuse_far
from uploads.csvformat.workbook_guards import DEFAULT_ROWS, Scan


def scan_xls(data: bytes, name: str) -> Scan:
    """The error cells of the sheet ``name`` by (row, column), both from 0, with
    their text ("#DIV/0!"); none when xlrd cannot read the file (calamine, which
    read it, has the last word on whether it is a workbook)."""
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_name(name)
    except Exception:
        return Scan(0, {})
    errors: dict[tuple[int, int], str] = {}
    for row_index in range(sheet.nrows):
        types = sheet.row_types(row_index)
        if xlrd.XL_CELL_ERROR not in types:
            continue
        for column_index, kind in enumerate(types):
            if kind == xlrd.XL_CELL_ERROR:
                code = sheet.cell_value(row_index, column_index)
                text = xlrd.error_text_from_code.get(code, "#VALUE!")
                errors[(row_index, column_index)] = text
    book.release_resources()
    # calamine holds the sheet as one grid: a cell far to the right (an .xls may
    # have 256 columns, and 65,536 rows) makes it large.
    extent = Extent()
    extent.see(sheet.nrows, sheet.ncols)
    refuse_far(name, extent, DEFAULT_ROWS + 1 + SPARE_ROWS)
    return Scan(sheet.nrows, errors)
