"""A team's template as an Excel workbook, written with XlsxWriter.

One sheet, "Updates": External ID and Name of every item (Name is for reading,
never sent), Status as a drop-down of AchieveIt's seven statuses (a list data
validation), Metric Value a number cell, As Of Date a date cell (shown
year-month-day), Comment, then the last status and value sent, greyed, for
reference. The reader (``spreadsheet``) ignores the reference columns
(``spreadsheet.IGNORED_COLUMNS``) and skips the rows left blank, so the filled-in
workbook comes back with no mapping and no finding per untouched item.

Every ID, name and earlier value is written with ``write_string``: never a
formula, whatever it starts with.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import NamedTuple

from uploads.csvformat.messages import COLUMN_COMMENT, COLUMN_DATE, COLUMN_ID, STATUSES

SHEET = "Updates"
HEADER: tuple[str, ...] = (
    COLUMN_ID,
    "Name",
    "Status",
    "Metric Value",
    COLUMN_DATE,
    COLUMN_COMMENT,
    "Last status sent",
    "Last value sent",
)
_WIDTHS = (22, 40, 16, 14, 14, 50, 18, 16)
# Room for the rows a person adds under the listed items.
_EXTRA_ROWS = 200


class TemplateItem(NamedTuple):
    """A row of the template: an item and what was last sent for it."""

    external_id: str
    name: str
    last_status: str = ""
    last_value: str = ""


def render_workbook_template(items: Iterable[TemplateItem]) -> bytes:
    """The ``.xlsx`` template for ``items`` (see the module docstring)."""
    # Imported here: XlsxWriter is half of what importing csvformat costs, and
    # every process that reads a file imports csvformat (bench_spreadsheet).
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_formulas": False}
    )
    workbook.set_properties(
        {"title": "AchieveIt progress updates", "subject": "AchieveIt portal template"}
    )
    sheet = workbook.add_worksheet(SHEET)
    bold = workbook.add_format({"bold": True, "bottom": 1})
    grey_header = workbook.add_format(
        {"bold": True, "bottom": 1, "font_color": "#595959", "bg_color": "#EDEDED"}
    )
    grey = workbook.add_format({"font_color": "#595959", "bg_color": "#F2F2F2"})
    number = workbook.add_format({"num_format": "General"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text = workbook.add_format({"num_format": "@"})
    for column, (name, width) in enumerate(zip(HEADER, _WIDTHS, strict=True)):
        reference = column >= 6
        sheet.write_string(0, column, name, grey_header if reference else bold)
        sheet.set_column(column, column, width, None)
    sheet.freeze_panes(1, 1)
    row = 0
    for row, item in enumerate(items, 1):
        sheet.write_string(row, 0, item.external_id, text)
        sheet.write_string(row, 1, item.name)
        sheet.write_string(row, 6, item.last_status, grey)
        sheet.write_string(row, 7, item.last_value, grey)
    last = row + _EXTRA_ROWS
    sheet.set_column(0, 0, _WIDTHS[0], text)
    sheet.set_column(3, 3, _WIDTHS[3], number)
    sheet.set_column(4, 4, _WIDTHS[4], day)
    sheet.data_validation(
        1,
        2,
        last,
        2,
        {
            "validate": "list",
            "source": list(STATUSES),
            "error_title": "Status",
            "error_message": "Choose one of AchieveIt's statuses.",
        },
    )
    sheet.data_validation(
        1,
        3,
        last,
        3,
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": -1e15,
            "maximum": 1e15,
            "error_message": "Write a number (percentages as decimals: 45% is 0.45).",
        },
    )
    sheet.data_validation(
        1,
        4,
        last,
        4,
        {
            "validate": "date",
            "criteria": "greater than",
            "value": datetime.date(1900, 1, 1),
            "error_message": "Write the date of the update, e.g. 2026-10-31.",
        },
    )
    workbook.close()
    return output.getvalue()
