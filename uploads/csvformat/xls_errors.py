"""The error cells of a legacy Excel (.xls) sheet.

python-calamine reads an .xls error cell (``#DIV/0!``, ``#N/A``, a formula whose
cached result is an error) as an empty one, as it does in an .xlsx, whose XML
workbook_guards scans. An .xls is a binary BIFF8 file inside an OLE2 container,
so xlrd, the reader made for that format, finds them here: only the error cells
are kept, and the rows and values are still read by calamine. An .xls holds at
most 65,536 rows and 256 columns, so xlrd's read of every sheet is bounded (about
0.8 s and the sheet's cells in memory for a full one).
"""

from __future__ import annotations

import xlrd

from uploads.csvformat.sheet_extent import Extent, refuse_far, row_limit
from uploads.csvformat.workbook_guards import Scan


def scan_xls(data: bytes) -> dict[str, Scan]:
    """The error cells of each sheet by its name, by (row, column), both from 0,
    with their text ("#DIV/0!"). Raises ``Problem`` when a sheet reaches past the
    columns a sheet may have (``sheet_extent``): calamine reads every sheet of an
    .xls as it opens it, as one grid (two cells in corners of a 5.6 KB file took
    it 530 MB), so this is called first. Rows are read as long as they are
    (``ragged_rows``): xlrd's grid would cost as much. Nothing is found when xlrd
    cannot read the file (calamine has the last word on whether it is a
    workbook)."""
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
    except Exception:
        return {}
    scans = {}
    try:
        for index, name in enumerate(book.sheet_names()):
            sheet = _sheet(book, index)
            if sheet is None:
                continue  # calamine has the last word on it
            extent = Extent()
            extent.see(sheet.nrows, sheet.ncols)
            refuse_far(name, extent, row_limit())
            scans[name] = Scan(sheet.nrows, _errors(sheet))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return scans


def _sheet(book: xlrd.Book, index: int) -> xlrd.sheet.Sheet | None:
    try:
        return book.sheet_by_index(index)
    except Exception:  # what xlrd raises for a sheet it cannot read varies
        return None


def _errors(sheet: xlrd.sheet.Sheet) -> dict[tuple[int, int], str]:
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
    return errors
