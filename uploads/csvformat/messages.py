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
COLUMN_COMMENT = "Comment"
# The columns a finding may name, in the order the template writes them.
COLUMNS: tuple[str, ...] = (*HEADER, COLUMN_COMMENT)
# What AchieveIt's metric updates are sent with (they have no Status).
METRIC_HEADER: tuple[str, str, str] = (
    "External ID",
    "Current Metric Value",
    "As Of Date",
)
# The two kinds of update: with a Status (progress), or a value only (metric).
PROGRESS = "progress"
METRIC = "metric"
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
        "file.too_many_rows": "The file has more than {limit:,} {rows}, the most one"
        " upload may have. Split it into files of at most {limit:,} {rows}.",
        "file.workbook_corrupt": "The workbook could not be read ({reason}): it is"
        " damaged or not really a workbook. Open it in your spreadsheet program,"
        " save it again and upload that file.",
        "file.workbook_password": "The workbook is protected by a password, so the"
        " portal cannot read it. Save a copy without the password (in Excel: File >"
        " Info > Protect Workbook > Encrypt with Password, and clear it) and upload"
        " that.",
        "file.workbook_bomb": "The workbook unpacks to {size}, more than the {limit}"
        " an upload may hold. Delete what the updates do not need (other sheets,"
        " pictures) or split it, and upload it again.",
        "file.workbook_fake": "The file is named as a workbook but is not one (nor"
        " CSV text). Open it in your spreadsheet program, save it as .xlsx or CSV"
        " and upload that file.",
        "sheet.choose": "The workbook has several sheets that could hold the"
        " updates ({sheets}). Choose the sheet to read.",
        "sheet.unknown": "The workbook has no sheet {sheet!r}. Its sheets are"
        " {sheets}.",
        "sheet.far_cell": "Sheet {sheet!r} has something in {place}, past"
        " {where} (the sheet may be at most {rows:,} rows and {columns} columns, up"
        " to column {last}). Delete what is below or to the right of your updates"
        " (select those rows or columns, right-click, Delete) and upload it again.",
        "sheet.none": "The workbook has no visible sheet with anything in it. Fill"
        " in your team's template and upload it again.",
        "cell.error": "the cell shows the spreadsheet error {error} instead of a"
        " value, so this row is not sent. Correct the formula (or type the value)"
        " in your sheet and upload it again.",
        "file.no_updates": "The file has no updates. Under the header, add one row"
        " per plan item: {header}.",
        "header.first_cell": "the first row starts with {cell!r}. The header of the"
        " External IDs must say 'External ID', and an External ID may not contain"
        " the word 'external'. Rename the cell to 'External ID', or delete the row.",
        "header.unmarked": "this looks like a header row, but no column is headed"
        " 'External ID', and it starts with {cell!r}. If that column holds the"
        " External IDs, rename that cell to 'External ID'; otherwise delete the"
        " row.",
        "header.unknown": "column {position} is headed {cell!r}, which is not a"
        " column the portal reads. {hint}The columns it reads are {names}.",
        "header.repeated": "column {position} is headed {cell!r}, which names the"
        " same column as column {first}. Delete one of the two columns.",
        "header.missing": "the header has no {column} column, which every update"
        " needs. The columns the portal reads are {names}.",
        "header.no_kind": "the header has neither a Status column (for a progress"
        " update) nor a value column (a metric update has a Current Metric Value"
        " and no Status). The columns the portal reads are {names}.",
        "row.columns": "this row has {count} {cells} ({found}); AchieveIt reads"
        " {expected}.{hint}",
        "row.split_cell": "this row has 5 cells ({found}): its As Of Date"
        " {written!r} is not a date, but the Comment after it, {comment!r}, is. A"
        " comma inside a cell (as in 1,200) splits it in two: remove the comma, or"
        " put the cell in quotation marks.",
        "row.conflict": "{row} {first} already gives {id!r} an update for {date},"
        " with a different Status, Current Value or Comment. Keep the right one of"
        " {row}s {first} and {line}, and delete the other.",
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
        "id.no_metric": "{id!r} has no metric, so it takes no metric update. Send"
        " it a progress update (with a Status) instead, or delete the row.",
        "status.empty": "the Status is empty. Write one of: {statuses}.",
        "status.unknown": "{status!r} is not an AchieveIt status. {hint}",
        "value.missing": "{id!r} has a metric, so its update needs a Current Value."
        " Write it as a number (percentages as decimals: 45% is 0.45).",
        "value.required": "a metric update needs a Current Metric Value. Write it"
        " as a number (percentages as decimals: 45% is 0.45).",
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
        "comment.too_long": "the Comment has {length:,} characters, more than the"
        " {limit:,} a comment may have. Shorten it.",
        "comment.control": "the Comment contains an invisible control character"
        " ({character}), which files and screens garble. Retype the comment"
        " without it.",
        "json.invalid": "The file is not valid JSON: {reason} (line {line}, column"
        " {column}). Correct the file there, or upload a CSV file instead.",
        "json.encoding": "The file's characters could not be read: a JSON file"
        " must be UTF-8 text. Save it as UTF-8 and upload it again.",
        "json.not_array": "The file holds a JSON {kind}, not an array: send a JSON"
        " array of updates, one object per update, as in {example}.",
        "json.nested": "The file's JSON is nested too deeply to be a list of"
        " updates: send a JSON array of updates, one object per update, as in"
        " {example}.",
        "json.empty": "The JSON array is empty: add one object per update, as in"
        " {example}.",
        "record.not_object": "this is a JSON {kind}, not an object: each update is"
        " an object such as {example}.",
        "record.unknown_key": "{key!r} is not a field the portal reads. {hint}The"
        " fields it reads are {keys}.",
        "record.not_text": "{key!r} holds {written}, a JSON {kind}, but it must be"
        " text: write it in quotation marks.",
        "value.json_type": "'metricValue' holds {written}, a JSON {kind}, not a"
        " number. Write a number such as 0.45 (percentages as decimals), or null if"
        " the plan item has no metric.",
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
        "row.blank": "this {row} is empty, so it was left out (AchieveIt accepts no"
        " empty rows). Nothing to do unless it should have held an update.",
        "row.id_only": "{id!r} has no Status, Current Value or As Of Date, so this"
        " {row} was left out. Fill them in to send an update for it.",
        "row.left_blank": "{count:,} {rows} with an External ID and nothing else"
        " {were} left blank, so skipped: they are no updates.",
        "row.repeated_header": "this row repeats the header row, so it was left out.",
        "row.duplicate": "this {row} repeats {row} {first} (same External ID, As Of"
        " Date, Status, Current Value and Comment), so the update will be sent"
        " once.",
        "date.ambiguous": "{written!r} is read as month/day/year ({long_date}), but"
        " {row} {other} is written day/month/year. If this date is day/month/year"
        " too, write it as {suggestion}.",
        "date.more_ambiguous": "... and {count:,} more {dates} like these, which may"
        " be day/month/year too. Check them, or write them as year-month-day.",
        "column.left_out": "Column {letter} ({header}) is left out: nothing in it"
        " is sent.",
    },
    FIXED: {
        "row.extra_cells": "{count} empty cells after {last} were left out.",
        "id.trimmed": "the spaces around {id!r} were removed.",
        "status.respelled": "{written!r} will be sent as {status!r}.",
        "status.mapped": "{written} read as {status} (the team's mapping).",
        "value.percentage": "{written} was converted to {value} (AchieveIt takes"
        " percentages as decimals).",
        "date.time_dropped": "the time in {written!r} was left out: AchieveIt takes"
        " the date as written, {date}.",
        "value.json_text": "'metricValue' holds the text {written!r}, not a JSON"
        " number; it was read as the number {value}.",
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
