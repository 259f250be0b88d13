"""The words of AchieveIt's CSV format and of every finding about a file.

``MESSAGES`` is the catalogue a plan owner reads: each finding's wording by severity
and code, in plain English that says what to do. A ``Note`` is one of those messages
filled in for a particular cell, before it is tied to a row; ``Problem`` is the
exception carrying one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "fixed"]
ERROR: Severity = "error"
WARNING: Severity = "warning"
FIXED: Severity = "fixed"

STATUSES: tuple[str, ...] = (
    "On Track",
    "Off Track",
    "At Risk",
    "Achieved",
    "Not Achieved",
    "Canceled",
    "Not Started",
)
HEADER: tuple[str, str, str, str] = (
    "External ID",
    "Status",
    "Current Value",
    "As Of Date",
)
COLUMN_ID, COLUMN_STATUS, COLUMN_VALUE, COLUMN_DATE = HEADER
HEADER_LIST = ", ".join(HEADER)
STATUS_LIST = ", ".join(STATUSES)

_SAVE_AS_CSV = (
    " Open it in your spreadsheet program, save it as CSV (in Excel: File > Save As >"
    " 'CSV UTF-8 (Comma delimited)') and upload that file."
)
_DATE_EXAMPLE = "2026-10-31 (or 10/31/2026)"
_WRITE_DATE = f"Write it as year-month-day or month/day/year, e.g. {_DATE_EXAMPLE}."
_WRITE_NUMBER = (
    "Write a plain number such as 1200, -3.5 or 0.45 (percentages as decimals: 45%"
    " is 0.45), or leave the cell empty if the plan item has no metric."
)

MESSAGES: dict[Severity, dict[str, str]] = {
    ERROR: {
        "file.too_large": "The file is {size}, more than the {limit} an upload may"
        " be. Split it into smaller files and upload each one.",
        "file.empty": "The file is empty. Fill in your team's template ({header}).",
        "file.workbook": "This looks like {kind}, not a CSV file." + _SAVE_AS_CSV,
        "file.binary": "This is {kind}, not a CSV file." + _SAVE_AS_CSV,
        "file.encoding": "The file's characters could not be read: it is not UTF-8,"
        " UTF-16 or Windows-1252 text." + _SAVE_AS_CSV,
        "file.unreadable": "The file could not be read at line {line} ({reason})."
        + _SAVE_AS_CSV,
        "file.too_many_rows": "The file has more than {limit:,} rows, the most one"
        " upload may have. Split it into files of at most {limit:,} rows.",
        "file.no_updates": "The file has no updates. Under the header, add one row"
        " per plan item: {header}.",
        "header.first_cell": "the first row starts with {cell!r}. A header row must"
        " start with exactly 'External ID', and an External ID may not contain the"
        " word 'external'. Rename the cell to 'External ID', or delete the row.",
        "header.unmarked": "this looks like a header row, but it starts with"
        " {cell!r}. AchieveIt only recognizes a header whose first cell is"
        " 'External ID': rename that cell, or delete the row.",
        "header.columns": "the header has {count} columns ({found}). It must have"
        " exactly four, in this order: {header}.",
        "header.order": "column {position} is headed {cell!r}, but AchieveIt reads"
        " columns by position and takes column {position} as the {column}. Put the"
        " columns in this order: {header}.",
        "row.columns": "this row has {count} {cells} ({found}); AchieveIt needs"
        " exactly four: {header}.{hint}",
        "row.conflict": "row {first} already gives {id!r} an update for {date}, with"
        " a different Status or Current Value. Keep the right one of rows {first}"
        " and {line}, and delete the other.",
        "id.empty": "the External ID is empty. Write the plan item's External ID"
        " (your team's template lists them).",
        "id.external": "{id!r} contains the word 'external', which AchieveIt does not"
        " allow in an External ID (it marks the header row). Correct the ID, or"
        " delete the row.",
        "id.comma": "{id!r} contains a comma, which AchieveIt does not allow in an"
        " External ID. Correct the ID, or delete the row.",
        "id.quote": "{id!r} contains a quotation mark, which AchieveIt does not allow"
        " in an External ID. Remove it.",
        "id.invisible": "{id!r} contains an invisible character (a line break, tab"
        " or special space). Retype the External ID.",
        "id.formula": "{id!r} starts with {first!r}, which makes a spreadsheet run"
        " the cell as a formula, so the portal takes no External ID starting with ="
        " + - or @. Correct the ID, or delete the row.",
        # One message for an ID nobody has and for another team's: an upload must
        # not tell which IDs other teams have.
        "id.unknown": "{id!r} is not one of this team's plan items. {hint}",
        "id.inactive": "{id!r} is an inactive plan item, so it takes no updates."
        " Delete the row, or ask an administrator to reactivate it.",
        "status.empty": "the Status is empty. Write one of: {statuses}.",
        "status.unknown": "{status!r} is not an AchieveIt status. {hint}",
        "value.missing": "{id!r} has a metric, so its update needs a Current Value."
        " Write it as a number (percentages as decimals: 45% is 0.45).",
        "value.spreadsheet_error": "{written!r} is a spreadsheet error or"
        " placeholder, not a number. Correct it in your sheet, or leave the cell"
        " empty if the plan item has no metric.",
        "value.thousands": "{written!r} has a thousands separator. Write the number"
        " without it: {value}.",
        "value.decimal_comma": "{written!r} has a decimal comma. Write a decimal"
        " point instead: {value}.",
        "value.currency": "{written!r} has a currency sign. Write just the number:"
        " {value}.",
        "value.exponent": "{written!r} is in scientific notation. Write the number"
        " out: {value}.",
        "value.invalid": "{written!r} is not a number. " + _WRITE_NUMBER,
        "value.too_long": "{written!r} has more than {limit} digits, more than any"
        " real value. Check what was pasted into this cell.",
        "date.empty": f"the As Of Date is empty. Write the date of the update, e.g."
        f" {_DATE_EXAMPLE}.",
        "date.invalid": "{written!r} is not a date AchieveIt accepts. " + _WRITE_DATE,
        "date.other_form": "{written!r} is not a date form AchieveIt accepts. Write it"
        " as {suggestion}.",
        "date.no_day": "{written!r} has no day. " + _WRITE_DATE,
        "date.impossible": "{written!r} is a day that does not exist. Check the day"
        " and month. " + _WRITE_DATE,
        "date.two_digit_year": "{written!r} has a two-digit year. Write the year in"
        " full: {suggestion}.",
        "date.day_first": "{written!r} looks like day/month/year, but dates with"
        " slashes are read as month/day/year. Write it as {suggestion}.",
        "date.year_first": "{written!r} is year/month/day, but dates with slashes are"
        " read as month/day/year. Write it as {suggestion}.",
        "write.invalid": "{what} cannot be written into an AchieveIt file.",
    },
    WARNING: {
        "header.garbled_bom": "the first cell starts with 'ï»¿': the file went"
        " through a program that read it in the wrong encoding, which garbles"
        " accented letters the same way. That mark was ignored; check the other"
        " cells, and save the file again as 'CSV UTF-8'.",
        "file.windows_1252": "The file is not UTF-8, so it was read as Windows-1252"
        " (what Excel's plain 'CSV (Comma delimited)' writes). Check that accented"
        " letters look right; saving as 'CSV UTF-8' avoids this.",
        "header.name": "column {position} is headed {cell!r}; AchieveIt takes column"
        " {position} as the {column}. Check that this is what it holds.",
        "row.blank": "this row is empty, so it was left out (AchieveIt accepts no"
        " empty rows). Nothing to do unless it should have held an update.",
        "row.id_only": "{id!r} has no Status, Current Value or As Of Date, so this"
        " row was left out. Fill them in to send an update for it.",
        "row.repeated_header": "this row repeats the header row, so it was left out.",
        "row.duplicate": "this row repeats row {first} (same External ID, As Of Date,"
        " Status and Current Value), so the update will be sent once.",
        "date.ambiguous": "{written!r} is read as month/day/year ({long_date}), but"
        " row {other} is written day/month/year. If this date is day/month/year"
        " too, write it as {suggestion}.",
        "date.more_ambiguous": "... and {count:,} more {dates} like these, which may"
        " be day/month/year too. Check them, or write them as year-month-day.",
    },
    FIXED: {
        "row.extra_cells": "{count} empty cells after As Of Date were left out.",
        "id.trimmed": "the spaces around {id!r} were removed.",
        "status.respelled": "{written!r} will be sent as {status!r}.",
        "value.percentage": "{written} was converted to {value} (AchieveIt takes"
        " percentages as decimals).",
        "date.time_dropped": "the time in {written!r} was left out: AchieveIt takes"
        " the date as written, {date}.",
    },
}
_SEVERITY_AND_TEMPLATE: dict[str, tuple[Severity, str]] = {
    code: (severity, template)
    for severity, templates in MESSAGES.items()
    for code, template in templates.items()
}


@dataclass(slots=True)
class Note:
    """A finding before it is tied to a row: a catalogue message and what fills it in.

    The sentence is only written when asked for: a fix on 50,000 rows is read for
    the first few of them. Read-only by agreement (see ``cells``).
    """

    severity: Severity
    code: str
    fields: dict[str, object]

    @property
    def detail(self) -> str:
        """The whole sentence, e.g. "'on track' will be sent as 'On Track'."."""
        return _SEVERITY_AND_TEMPLATE[self.code][1].format(**self.fields)


def note(code: str, **fields: object) -> Note:
    """The message ``code`` of ``MESSAGES``, to be filled in with ``fields``."""
    return Note(_SEVERITY_AND_TEMPLATE[code][0], code, fields)


class Problem(ValueError):
    """Data that cannot be read or written as a valid AchieveIt CSV file."""

    def __init__(self, code: str, **fields: object) -> None:
        self.code = code
        self.message = note(code, **fields).detail
        super().__init__(self.message)


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, so a pasted essay stays readable."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
