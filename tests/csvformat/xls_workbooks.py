"""Real Excel 97-2003 workbooks (``.xls``, BIFF8 in an OLE container) made in the
tests with xlwt, as Excel writes them: dates are numbers with a date display
format, percentages numbers with a percent format."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

import xlwt

HEADER = ["External ID", "Status", "Metric Value", "As Of Date"]
# Display formats as a person in Excel might pick them: the cell holds the same
# date (or decimal) whatever it shows.
DATE_FORMAT = "MMM D, YYYY"
DATE_TIME_FORMAT = "DD/MM/YYYY hh:mm"
PERCENT_FORMAT = "0%"


class Percent(float):
    """A number shown as a percentage in Excel (the cell holds the decimal)."""


class Error(str):
    """An error cell, such as #DIV/0! or #N/A."""


def xls(
    sheets: dict[str, Sequence[Sequence[object]]],
    *,
    hidden: Sequence[str] = (),
) -> bytes:
    """An .xls with the given sheets of rows (None leaves a cell empty)."""
    book = xlwt.Workbook()
    styles = {
        datetime.datetime: xlwt.easyxf(num_format_str=DATE_TIME_FORMAT),
        datetime.date: xlwt.easyxf(num_format_str=DATE_FORMAT),
        Percent: xlwt.easyxf(num_format_str=PERCENT_FORMAT),
    }
    active = None
    for index, (name, rows) in enumerate(sheets.items()):
        sheet = book.add_sheet(name)
        if name in hidden:
            sheet.visibility = 1  # hidden (2 would be "very hidden")
        elif active is None:
            active = index  # Excel opens on a visible sheet
        for row_index, row in enumerate(rows):
            for column, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, Error):
                    sheet.row(row_index).set_cell_error(column, str(cell))
                    continue
                style = styles.get(type(cell))
                if style is None:
                    sheet.write(row_index, column, cell)
                else:
                    sheet.write(row_index, column, cell, style)
    book.active_sheet = active or 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def far_xls(cells: dict[tuple[int, int], object], name: str = "Updates") -> bytes:
    """An .xls of a header and cells by (row, column) from 0, however far (an
    .xls reaches row 65,536 and column IV)."""
    book = xlwt.Workbook()
    sheet = book.add_sheet(name)
    for column, cell in enumerate(HEADER):
        sheet.write(0, column, cell)
    for (row, column), cell in cells.items():
        sheet.write(row, column, cell)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
