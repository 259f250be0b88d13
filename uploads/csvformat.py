"""AchieveIt progress-update CSV files: read forgivingly, check, write exactly.

Pure Python (no Django), so every way into the portal (upload, web form, command
line, API) checks a file with the same rules. The rules are AchieveIt's (see
``ACHIEVEIT_API.md``); this module turns them into findings a plan owner can act on,
and into the normalized CSV that is the only thing ever sent to AchieveIt.

Functions
---------
``parse(data, *, plan_items=None, max_bytes=10_000_000, max_rows=100_000) -> Result``
    Read the bytes of an uploaded file. Never raises for bad input: everything, from
    "this is an Excel workbook" to "Row 14, Status: ...", is a ``Finding``.
``parse_rows(rows, *, first_line=1, plan_items=None, max_rows=100_000) -> Result``
    The same checks for cells that arrive already split (the web form).
``render_csv(updates) -> bytes``
    The normalized CSV sent to AchieveIt: UTF-8 without BOM, the header
    ``External ID,Status,Current Value,As Of Date``, canonical status spelling, the
    value as ``format_value`` writes it, the date as ``YYYY-MM-DD``, LF line ends, no
    empty rows. Normalizing its output again gives the same bytes.
``render_template(external_ids) -> bytes``
    A team's CSV template: the header plus one row per External ID.
``format_value(value) -> str``
    A ``Decimal`` as plain decimal text: digits as written (``0.20`` stays ``0.20``),
    no exponent (``Decimal("1E+3")`` is ``1000``), no sign on zero, '' for None.

Data
----
``Update(external_id, status, value, as_of_date, line)``: one valid, normalized row,
an immutable NamedTuple (fast to make by the 100,000); ``line`` is where it was
written and takes no part in equality or hashing.
``Finding(line, column, severity, message, code)``: ``severity`` is ``"error"`` (the
file cannot be sent as it is), ``"warning"`` (something was left out, or may not be
what was meant) or ``"fixed"`` (corrected, e.g. ``45%`` to ``0.45``). ``message`` is
the whole sentence: ``"Row 14, Status: ..."`` for a cell, ``"Row 4: ..."`` for a row,
no prefix for the file. ``line`` is the row number a spreadsheet shows (the header
is row 1), ``column`` an AchieveIt column name, ``code`` a key of ``MESSAGES``.
``PlanItemRule(own, active, has_metric)``: what the team's mapping says about an
External ID; ``own=False`` means another team's (which is never named).
``Result(updates, findings, encoding, delimiter)``: ``updates`` holds only the rows
without errors, so "send the valid rows only" is ``render_csv(result.updates)``;
``errors``, ``warnings`` and ``fixes`` filter the findings, and ``is_valid`` is true
when there is no error. ``encoding`` is how the bytes were read ("utf-8",
"utf-8-sig", "utf-16", "utf-32", "windows-1252"; None from ``parse_rows``).
``MESSAGES`` holds the wording of every finding, by severity and code.

Only the first ``NOTES_PER_KIND`` fixes and warnings of each kind are listed, then
one summary finding, so a file with thousands of percentages stays readable. Errors
are always listed in full. ``Problem`` (a ``ValueError``) is raised by the
``render_*`` functions and ``format_value`` for data that cannot be written.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import heapq
import io
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, NamedTuple

import aniso8601
from aniso8601.exceptions import LeapSecondError, RangeCheckError
from aniso8601.resolution import DateResolution

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
MAX_BYTES = 10_000_000
MAX_ROWS = 100_000
NOTES_PER_KIND = 50

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

_GARBLED_BOM = "\ufeff".encode().decode("cp1252")  # 'ï»¿'

# Every finding's wording by severity and code: plain English that says what to do.
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
        " External ID. Correct the ID (your team's template lists them).",
        "id.quote": "{id!r} contains a quotation mark, which AchieveIt does not allow"
        " in an External ID. Remove it.",
        "id.invisible": "{id!r} contains an invisible character (a line break, tab"
        " or special space). Retype the External ID.",
        "id.unknown": "{id!r} is not an External ID your organization has mapped to"
        " a plan item. {hint}",
        "id.other_team": "{id!r} is not one of this team's plan items. Upload it with"
        " the team it belongs to, or ask an administrator.",
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
_TEMPLATES: dict[str, tuple[Severity, str]] = {
    code: (severity, template)
    for severity, templates in MESSAGES.items()
    for code, template in templates.items()
}

_STATUS_BY_LOWER = {status.lower(): status for status in STATUSES}
_STATUS_SET = frozenset(STATUSES)
_STATUS_LIST = ", ".join(STATUSES)
_HEADER_LIST = ", ".join(HEADER)
_HEADER_LINE = ",".join(HEADER)
_HEADER_LOWER = tuple(name.lower() for name in HEADER)
# Words people head columns 2-4 with; they give away a header row that lacks
# 'External ID' in its first cell.
_HEADERISH = frozenset({"status", "current value", "value", "as of date", "date"})
_QUOTATION_MARKS = ('"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u201e")
# One search per distinct ID instead of eight substring scans.
_ID_SUSPECT = re.compile(f"external|[,{''.join(_QUOTATION_MARKS)}]", re.I).search
_CURRENCY_SIGNS = "$€£¥"
_DAY_RESOLUTIONS = (DateResolution.Day, DateResolution.Weekday, DateResolution.Ordinal)
_WEEK_RESOLUTIONS = (DateResolution.Week, DateResolution.Weekday)
# Forms that are unambiguous but not accepted; they get a precise suggestion.
_OTHER_DATE_FORMATS = (
    "%d.%m.%Y",
    "%Y.%m.%d",
    "%d-%b-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
)
_SPREADSHEET_TIMES = ("%I:%M %p", "%I:%M:%S %p", "%H:%M", "%H:%M:%S")
_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 50
_CACHE_LIMIT = 20_000
_CACHED_CELL_LENGTH = 100
_MAX_DIGITS = 30  # no real measure has more; a longer one is a pasting accident
# Suggesting one of thousands of IDs is slow; past this many unknown IDs, skip it.
_SUGGESTED_IDS = 50
_UTF8 = "utf-8"
_WINDOWS_1252 = "windows-1252"


class Problem(ValueError):
    """Data that cannot be read or written as a valid AchieveIt CSV file."""

    def __init__(self, code: str, **fields: object) -> None:
        self.code = code
        self.message = _TEMPLATES[code][1].format(**fields)
        super().__init__(self.message)


class Update(NamedTuple):
    """One progress update, normalized and ready to send.

    Updates are equal when they say the same thing: ``line`` (where the update was
    written) takes no part in equality or hashing. A NamedTuple rather than a frozen
    dataclass because a large file makes 100,000 of them: a tuple is made three
    times faster, and the garbage collector stops tracking it.
    """

    external_id: str
    status: str
    value: Decimal | None
    as_of_date: date
    line: int = 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Update):
            return self[:4] == other[:4]
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Update):
            return self[:4] != other[:4]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self[:4])


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a plan owner should know about their file."""

    line: int | None
    column: str | None
    severity: Severity
    message: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class PlanItemRule:
    """What the team's mapping says about one External ID."""

    own: bool
    active: bool
    has_metric: bool


@dataclass
class Result:
    """The valid updates of a file and everything found while reading it."""

    updates: list[Update]
    findings: list[Finding]
    encoding: str | None = None
    delimiter: str = ","

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == WARNING]

    @property
    def fixes(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == FIXED]

    @property
    def is_valid(self) -> bool:
        """True when nothing blocks sending (fixes and warnings do not)."""
        return not any(finding.severity == ERROR for finding in self.findings)


class _Note(NamedTuple):
    """A finding before it is tied to a row."""

    severity: Severity
    code: str
    detail: str


def _note(code: str, **fields: object) -> _Note:
    severity, template = _TEMPLATES[code]
    return _Note(severity, code, template.format(**fields))


# --- public functions ----------------------------------------------------------------


def parse(
    data: bytes,
    *,
    plan_items: Mapping[str, PlanItemRule] | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Result:
    """Read, check and normalize the bytes of an uploaded CSV file.

    ``plan_items`` maps each External ID the organization knows to what this team
    may do with it; without it, External IDs are only checked against AchieveIt's
    rules. Returns a ``Result``; never raises for bad input, whatever the bytes.
    """
    try:
        _check_file_kind(data, max_bytes)
        encoding, sample = _choose_encoding(data)
    except Problem as problem:
        return _file_error(problem)
    delimiter = _sniff_delimiter(sample)
    del sample
    try:
        return _read(data, encoding, delimiter, plan_items, max_rows)
    except UnicodeDecodeError:
        if encoding != _UTF8:
            return _file_error(Problem("file.encoding"))
    # The sample was UTF-8 but a later part is not: read it as Excel's plain CSV.
    try:
        return _read(data, _WINDOWS_1252, delimiter, plan_items, max_rows)
    except UnicodeDecodeError:
        return _file_error(Problem("file.encoding"))


def parse_rows(
    rows: Iterable[Sequence[str]],
    *,
    first_line: int = 1,
    plan_items: Mapping[str, PlanItemRule] | None = None,
    max_rows: int = MAX_ROWS,
) -> Result:
    """Check and normalize rows whose cells are already split (e.g. a web form).

    ``first_line`` is the row number of the first row. The rules are those of
    ``parse``, the optional header row included. Never raises for bad input.
    """
    # A form may leave a field out (None) or hand over a number: cells become text.
    cells = (["" if cell is None else str(cell) for cell in row] for row in rows)
    checker = _Checker(plan_items, max_rows)
    checker.run(cells, first_line)
    return checker.result(encoding=None, delimiter=",")


def render_csv(updates: Iterable[Update]) -> bytes:
    """Return the normalized CSV sent to AchieveIt for these updates.

    Raises ``Problem`` for an update that cannot be written as a valid row (an
    External ID breaking AchieveIt's rules, an unknown status, a value that is not
    finite or has more than 30 digits); updates from ``parse`` never do.
    """
    lines = [_HEADER_LINE]
    for update in updates:
        _check_writable_id(update.external_id)
        if update.status not in _STATUS_SET:
            raise Problem("write.invalid", what=f"The status {update.status!r}")
        value = format_value(update.value)
        if len(value) > _MAX_DIGITS and _digit_count(value) > _MAX_DIGITS:
            raise Problem("write.invalid", what=f"The value {_shorten(value)}")
        lines.append(
            f"{update.external_id},{update.status},{value},"
            f"{update.as_of_date.isoformat()}"
        )
    lines.append("")
    return "\n".join(lines).encode(_UTF8)


def render_template(external_ids: Iterable[str]) -> bytes:
    """Return a team's CSV template: the header and one row per External ID.

    The caller passes the External IDs of the team's active plan items in the order
    wanted. The file starts with a UTF-8 byte order mark so that Excel shows accented
    letters correctly (``parse`` accepts it). Raises ``Problem`` for an External ID
    that breaks AchieveIt's rules.
    """
    lines = [_HEADER_LINE]
    for external_id in external_ids:
        _check_writable_id(external_id)
        lines.append(f"{external_id},,,")
    lines.append("")
    return codecs.BOM_UTF8 + "\n".join(lines).encode(_UTF8)


def format_value(value: Decimal | None) -> str:
    """Return ``value`` as plain decimal text for AchieveIt ('' for None).

    Digits are kept as written (``0.20`` stays ``0.20``), an exponent is written out
    (``1E+3`` is ``1000``) and zero has no sign. Raises ``Problem`` for NaN and
    infinities.
    """
    if value is None:
        return ""
    if not value.is_finite():
        raise Problem("write.invalid", what=f"The value {value}")
    text = format(value, "f")
    if text[0] == "-" and value.is_zero():
        return text[1:]
    return text


# --- reading bytes -------------------------------------------------------------------


def _check_file_kind(data: bytes, max_bytes: int) -> None:
    """Raise ``Problem`` for a file that is too big, empty or clearly not a CSV."""
    if len(data) > max_bytes:
        raise Problem(
            "file.too_large", size=_megabytes(len(data)), limit=_megabytes(max_bytes)
        )
    # Only the start is looked at: strip() would copy a large file. A large blank
    # file still ends as "no updates", with its blank rows listed.
    if len(data) <= _SNIFF_BYTES and not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise Problem("file.empty", header=_HEADER_LIST)
    if data.startswith(b"PK\x03\x04"):
        kind = "an Excel workbook (.xlsx) or another zipped file"
        raise Problem("file.workbook", kind=kind)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Problem("file.workbook", kind="an old-style Excel workbook (.xls)")
    if data.startswith(b"%PDF"):
        raise Problem("file.binary", kind="a PDF document")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<table")):
        raise Problem("file.binary", kind="a web page or XML file")
    has_utf16_bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not has_utf16_bom and b"\x00" in data:
        raise Problem("file.binary", kind="binary data rather than text")


def _choose_encoding(data: bytes) -> tuple[str, str]:
    """Return the encoding to read ``data`` with, and a decoded sample of its start.

    Raises ``Problem`` when the start decodes in none of the supported encodings.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        candidates = ("utf-32",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = (_UTF8, _WINDOWS_1252)
    is_whole = len(data) <= _SNIFF_BYTES
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # Not final unless whole: a character cut by the sample's end is no error.
            return encoding, decoder.decode(data[:_SNIFF_BYTES], final=is_whole)
        except UnicodeDecodeError:
            continue
    raise Problem("file.encoding")


def _sniff_delimiter(sample: str) -> str:
    """Pick comma, TAB or semicolon: whichever gives the most four-column rows."""
    # The first lines only; splitting the whole sample would cost more than reading.
    lines = list(itertools.islice(io.StringIO(sample, newline=""), _SNIFF_LINES))
    best_delimiter, best_score = ",", (0, 0)
    for delimiter in (",", "\t", ";"):
        four_columns = several_columns = 0
        for row in csv.reader(lines, delimiter=delimiter):
            width = _width(row)
            four_columns += width == 4
            several_columns += width > 1
        score = (four_columns, several_columns)
        if score > best_score:
            best_delimiter, best_score = delimiter, score
    return best_delimiter


def _read(
    data: bytes,
    encoding: str,
    delimiter: str,
    plan_items: Mapping[str, PlanItemRule] | None,
    max_rows: int,
) -> Result:
    """Stream ``data`` through csv.reader and the checks; raises UnicodeDecodeError."""
    # TextIOWrapper decodes chunk by chunk, so no decoded copy of the file is made.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    checker = _Checker(plan_items, max_rows)
    if encoding == _WINDOWS_1252:
        checker.add(None, None, _note("file.windows_1252"))
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        checker.run(reader, 1)
    except csv.Error as error:
        # line_num counts lines of text, which is what a text editor would show.
        note = _note("file.unreadable", line=reader.line_num, reason=error)
        checker.add(None, None, note)
    return checker.result(encoding=encoding, delimiter=delimiter)


def _finding(line: int | None, column: str | None, note: _Note) -> Finding:
    if line is None:
        message = note.detail
    elif column is None:
        message = f"Row {line}: {note.detail}"
    else:
        message = f"Row {line}, {column}: {note.detail}"
    return Finding(line, column, note.severity, message, note.code)


_new_tuple = tuple.__new__  # Update(...) without the Python-level __new__


def _finding_order(finding: Finding) -> tuple[int, int]:
    column = HEADER.index(finding.column) if finding.column in HEADER else -1
    return finding.line or 0, column


def _file_error(problem: Problem) -> Result:
    return Result([], [Finding(None, None, ERROR, problem.message, problem.code)])


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def _width(row: Sequence[str]) -> int:
    """The number of cells up to the last one that is not blank."""
    width = len(row)
    while width and not row[width - 1].strip():
        width -= 1
    return width


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_writable_id(external_id: str) -> None:
    """Raise ``Problem`` unless ``external_id`` can be written as a valid cell."""
    if _id_problem(external_id) is not None or external_id != external_id.strip():
        raise Problem("write.invalid", what=f"The External ID {external_id!r}")


def _id_problem(external_id: str) -> _Note | None:
    """Check AchieveIt's own rules for an External ID (stripped of spaces)."""
    if external_id and external_id.isprintable() and not _ID_SUSPECT(external_id):
        return None
    shown = _shorten(external_id)
    if not external_id:
        return _note("id.empty")
    if "external" in external_id.lower():
        return _note("id.external", id=shown)
    if "," in external_id:
        return _note("id.comma", id=shown)
    if any(mark in external_id for mark in _QUOTATION_MARKS):
        return _note("id.quote", id=shown)
    if not external_id.isprintable():
        return _note("id.invisible", id=shown)
    return None


# --- the row checker -----------------------------------------------------------------

# A valid External ID's entry carries the updates already kept for it, by date.
_IdEntry = tuple[str, _Note | None, bool, dict[date, Update] | None]
_StatusEntry = tuple[str, _Note | None]
_ValueEntry = tuple[Decimal | None, _Note | None]
_DateEntry = tuple[date | None, _Note | None, bool]
_Message = tuple[str | None, _Note]  # column, note


class _Lines:
    """The rows one message applies to: all of them for an error, otherwise the
    first NOTES_PER_KIND, with how many there were and the last one."""

    __slots__ = ("count", "first", "last")

    def __init__(self) -> None:
        self.count = 0
        self.first: list[int] = []
        self.last = 0


class _Checker:
    """Checks rows one at a time, keeping only valid updates and the findings."""

    def __init__(
        self, plan_items: Mapping[str, PlanItemRule] | None, max_rows: int
    ) -> None:
        self.plan_items = plan_items
        self.max_rows = max_rows
        self.line = 0
        self.updates: list[Update] = []
        self.updates_by_id: dict[str, dict[date, Update]] = {}
        self.conflicting: set[tuple[str, date]] = set()
        self.id_cache: dict[str, _IdEntry] = {}
        self.own_ids: dict[str, str] | None = None  # lower case -> as mapped
        self.suggestions_made = 0
        self.file_findings: list[Finding] = []
        # Findings are gathered by message, as row numbers: cheaper per row than a
        # Finding, and it makes listing the first NOTES_PER_KIND of a kind easy.
        self.lines_by_message: dict[_Message, _Lines] = {}
        self.day_first_line: int | None = None
        self.ambiguous_dates: list[tuple[int, str, date]] = []
        self.ambiguous_count = 0
        self.too_many_rows = False

    def run(self, rows: Iterator[Sequence[str]], first_line: int) -> None:
        """Check every row; the common row costs four cache lookups and an Update.

        Every instruction in the loop counts (it runs once per row), hence the
        local names and the single test that sends unusual rows to _noted_row.
        """
        self.line = first_line - 1
        rows = self._skip_header(rows)
        line = first_data_line = self.line + 1
        id_cache, check_id = self.id_cache, self._check_id
        status_cache, value_cache, date_cache = _STATUS_CACHE, _VALUE_CACHE, _DATE_CACHE
        keep, noted_row, repeated = self.updates.append, self._noted_row, self._repeated
        allowed_rows = itertools.islice(rows, self.max_rows)
        for line, row in enumerate(allowed_rows, first_data_line):
            try:
                raw_id, raw_status, raw_value, raw_date = row
            except ValueError:  # not four cells
                row = self._reshape(line, row)
                if row is None:
                    continue
                raw_id, raw_status, raw_value, raw_date = row
            id_entry = id_cache.get(raw_id) or check_id(raw_id)
            status_entry = status_cache.get(raw_status) or _check_status(raw_status)
            value_entry = value_cache.get(raw_value) or _check_value(raw_value)
            date_entry = date_cache.get(raw_date) or _check_date(raw_date)
            external_id, id_note, needs_value, updates_by_date = id_entry
            status, status_note = status_entry
            value, value_note = value_entry
            as_of, date_note, ambiguous = date_entry
            if (
                id_note
                or status_note
                or value_note
                or date_note
                or ambiguous
                or (needs_value and value is None)
            ) and not noted_row(
                line, row, id_entry, status_entry, value_entry, date_entry
            ):
                continue
            update = _new_tuple(Update, (external_id, status, value, as_of, line))
            first = updates_by_date.setdefault(as_of, update)
            if first is update:
                keep(update)
            else:
                repeated(first, update)
        self.line = line
        if next(rows, None) is not None:
            self.too_many_rows = True
            self.add(None, None, _note("file.too_many_rows", limit=self.max_rows))

    def _noted_row(
        self,
        line: int,
        row: Sequence[str],
        id_entry: _IdEntry,
        status_entry: _StatusEntry,
        value_entry: _ValueEntry,
        date_entry: _DateEntry,
    ) -> bool:
        """Record the notes of a row that has any; return True if it is still valid."""
        external_id, id_note, needs_value, _ = id_entry
        status, status_note = status_entry
        value, value_note = value_entry
        as_of, date_note, ambiguous = date_entry
        # An invalid cell leaves its normalized form empty (or None).
        if not (external_id and status and as_of) or (
            value is None and (value_note or needs_value)
        ):
            self._report_invalid_row(
                line, row, id_entry, status_note, value_entry, date_note
            )
            return False
        self._add_cell_notes(line, id_note, status_note, value_note, date_note)
        if ambiguous:
            # Only worth a word if the file turns out to write day-first dates.
            self.ambiguous_count += 1
            if len(self.ambiguous_dates) < NOTES_PER_KIND:
                self.ambiguous_dates.append((line, row[3].strip(), as_of))
        return True

    def _add_cell_notes(
        self,
        line: int,
        id_note: _Note | None,
        status_note: _Note | None,
        value_note: _Note | None,
        date_note: _Note | None,
    ) -> None:
        if id_note is not None:
            self.add(line, COLUMN_ID, id_note)
        if status_note is not None:
            self.add(line, COLUMN_STATUS, status_note)
        if value_note is not None:
            self.add(line, COLUMN_VALUE, value_note)
        if date_note is not None:
            self.add(line, COLUMN_DATE, date_note)

    def _skip_header(self, rows: Iterator[Sequence[str]]) -> Iterator[Sequence[str]]:
        """Consume leading blank rows and a header row; return the rows after them."""
        line = self.line
        for row in rows:
            line += 1
            self.line = line
            cells = [cell.strip() for cell in row]
            if not any(cells):
                self.add(line, None, _note("row.blank"))
                continue
            first_cell = cells[0].lstrip("\ufeff").lower()
            if first_cell.startswith(_GARBLED_BOM):
                # A UTF-8 byte order mark that a program decoded as Windows-1252
                # and wrote out again (LibreOffice does this by default).
                self.add(line, COLUMN_ID, _note("header.garbled_bom"))
                first_cell = first_cell.removeprefix(_GARBLED_BOM)
            if first_cell == "external id":
                self._check_header(line, cells)
            elif "external" in first_cell:
                note = _note("header.first_cell", cell=_shorten(cells[0]))
                self.add(line, COLUMN_ID, note)
            elif sum(cell.lower() in _HEADERISH for cell in cells[1:4]) >= 2:
                note = _note("header.unmarked", cell=_shorten(cells[0]))
                self.add(line, COLUMN_ID, note)
            else:
                self.line = line - 1
                return itertools.chain((row,), rows)
            return rows
        return rows

    def _check_header(self, line: int, cells: list[str]) -> None:
        width = _width(cells)
        if width != 4:
            found = ", ".join(repr(_shorten(cell)) for cell in cells[:width])
            note = _note(
                "header.columns", count=width, found=found, header=_HEADER_LIST
            )
            self.add(line, None, note)
            return
        for index in (1, 2, 3):
            written = cells[index]
            if written.lower() == _HEADER_LOWER[index]:
                continue
            code = "header.order" if written.lower() in _HEADER_LOWER else "header.name"
            column = HEADER[index]
            note = _note(
                code,
                position=index + 1,
                cell=_shorten(written),
                column=column,
                header=_HEADER_LIST,
            )
            self.add(line, column, note)

    def _reshape(self, line: int, row: Sequence[str]) -> Sequence[str] | None:
        """Return the row as four cells, or None once it is reported as unusable."""
        width = _width(row)
        if width == 0:
            self.add(line, None, _note("row.blank"))
            return None
        if width <= 4 < len(row):
            self.add(line, None, _note("row.extra_cells", count=len(row) - 4))
            return row[:4]
        hint = ""
        if any("\n" in cell or "\r" in cell for cell in row):
            hint = (
                " A quotation mark in this row is never closed, so the rows after it"
                " were read as one cell: remove the stray quotation mark."
            )
        elif width > 4:
            hint = " A comma inside a cell (as in 1,200) splits it in two: remove it."
        elif width == 3:
            hint = (
                " If the plan item has no value, keep its Current Value cell empty,"
                " as in 'ID,On Track,,2026-10-31'."
            )
        elif width == 1 and any(mark in row[0] for mark in ",;\t"):
            hint = " Separate the four cells with commas."
        found = ", ".join(repr(_shorten(cell)) for cell in row[: min(width, 6)])
        note = _note(
            "row.columns",
            count=width,
            cells="cell" if width == 1 else "cells",
            found=found + (", ..." if width > 6 else ""),
            header=_HEADER_LIST,
            hint=hint,
        )
        self.add(line, None, note)
        return None

    def _report_invalid_row(
        self,
        line: int,
        row: Sequence[str],
        id_entry: _IdEntry,
        status_note: _Note | None,
        value_entry: _ValueEntry,
        date_note: _Note | None,
    ) -> None:
        """Report why a row is not sent: it is not an update, or has errors."""
        raw_id, raw_status, raw_value, raw_date = row
        written_id = raw_id.strip()
        if not (raw_status.strip() or raw_value.strip() or raw_date.strip()):
            if written_id:
                self.add(line, None, _note("row.id_only", id=_shorten(written_id)))
            else:
                self.add(line, None, _note("row.blank"))
            return
        if written_id.lower() == "external id":
            self.add(line, None, _note("row.repeated_header"))
            return
        _, id_note, needs_value, _ = id_entry
        value, value_note = value_entry
        self._add_cell_notes(line, id_note, status_note, value_note, date_note)
        if date_note is not None and date_note.code == "date.day_first":
            self.day_first_line = self.day_first_line or line
        if needs_value and value is None and value_note is None:
            self.add(line, COLUMN_VALUE, _note("value.missing", id=written_id))

    def _repeated(self, first: Update, update: Update) -> None:
        """Merge an identical repeat of an update; report a conflicting one."""
        if first.status == update.status and first.value == update.value:
            self.add(update.line, None, _note("row.duplicate", first=first.line))
            return
        self.conflicting.add((update.external_id, update.as_of_date))
        note = _note(
            "row.conflict",
            first=first.line,
            line=update.line,
            id=update.external_id,
            date=update.as_of_date.isoformat(),
        )
        self.add(update.line, COLUMN_ID, note)

    def _check_id(self, raw_id: str) -> _IdEntry:
        external_id = raw_id.strip()
        note = _id_problem(external_id)
        needs_value = False
        if note is None and self.plan_items is not None:
            note, needs_value = self._check_mapping(external_id)
        if note is None and external_id != raw_id:
            note = _note("id.trimmed", id=_shorten(external_id))
        updates_by_date = None
        if note is not None and note.severity == ERROR:
            external_id = ""
        else:
            # Shared by every spelling of the ID (" A" and "A" are one item).
            updates_by_date = self.updates_by_id.setdefault(external_id, {})
        if len(self.id_cache) >= _CACHE_LIMIT:
            self.id_cache.clear()
        entry = self.id_cache[raw_id] = (
            external_id,
            note,
            needs_value,
            updates_by_date,
        )
        return entry

    def _suggest_id(self, external_id: str) -> str | None:
        """One of this team's own active IDs close to ``external_id``, if any."""
        if self.own_ids is None:
            assert self.plan_items is not None
            self.own_ids = {
                known_id.lower(): known_id
                for known_id, rule in self.plan_items.items()
                if rule.own and rule.active
            }
        self.suggestions_made += 1
        if external_id.lower() in self.own_ids:
            return self.own_ids[external_id.lower()]
        if self.suggestions_made > _SUGGESTED_IDS:
            return None
        return _closest(external_id, self.own_ids.values(), cutoff=0.8)

    def _check_mapping(self, external_id: str) -> tuple[_Note | None, bool]:
        """Check the team's mapping; another team's item is never named or hinted."""
        assert self.plan_items is not None
        rule = self.plan_items.get(external_id)
        if rule is None:
            suggestion = self._suggest_id(external_id)
            hint = (
                f"Did you mean {suggestion!r}?"
                if suggestion
                else "Check it against your team's template, or ask an administrator"
                " to map it."
            )
            return _note("id.unknown", id=_shorten(external_id), hint=hint), False
        if not rule.own:
            return _note("id.other_team", id=_shorten(external_id)), False
        if not rule.active:
            return _note("id.inactive", id=_shorten(external_id)), False
        return None, rule.has_metric

    def add(self, line: int | None, column: str | None, note: _Note) -> None:
        """Record a finding about a cell, a row (``column`` None) or the file."""
        if line is None:
            self.file_findings.append(_finding(None, column, note))
            return
        lines = self.lines_by_message.get((column, note))
        if lines is None:
            lines = self.lines_by_message[column, note] = _Lines()
        lines.count += 1
        lines.last = line
        if lines.count <= NOTES_PER_KIND or note.severity == ERROR:
            lines.first.append(line)

    def result(self, encoding: str | None, delimiter: str) -> Result:
        """Finish the file-level checks and return what was found."""
        if self.day_first_line is not None:
            for line, written, as_of in self.ambiguous_dates:
                note = _note(
                    "date.ambiguous",
                    written=written,
                    long_date=f"{as_of:%B} {as_of.day}, {as_of.year}",
                    other=self.day_first_line,
                    suggestion=date(as_of.year, as_of.day, as_of.month).isoformat(),
                )
                self.add(line, COLUMN_DATE, note)
        findings = self._list_findings()
        more_ambiguous = self.ambiguous_count - len(self.ambiguous_dates)
        if self.day_first_line is not None and more_ambiguous:
            dates = "date" if more_ambiguous == 1 else "dates"
            note = _note("date.more_ambiguous", count=more_ambiguous, dates=dates)
            findings.append(_finding(None, COLUMN_DATE, note))
        updates = self.updates
        if self.too_many_rows:
            updates = []
        elif self.conflicting:
            updates = [
                update
                for update in updates
                if (update.external_id, update.as_of_date) not in self.conflicting
            ]
        if not updates and not any(finding.severity == ERROR for finding in findings):
            findings.append(
                _finding(None, None, _note("file.no_updates", header=_HEADER_LIST))
            )
        return Result(updates, findings, encoding, delimiter)

    def _list_findings(self) -> list[Finding]:
        """All findings in row order: every error, and of each kind of fix or warning
        the first NOTES_PER_KIND, then one summary of the rest."""
        by_code: defaultdict[str, list[tuple[str | None, _Note, _Lines]]]
        by_code = defaultdict(list)
        for (column, note), lines in self.lines_by_message.items():
            by_code[note.code].append((column, note, lines))
        listed: list[Finding] = []
        summaries: list[Finding] = []
        for code, messages in by_code.items():
            if messages[0][1].severity == ERROR:
                for column, note, lines in messages:
                    listed.extend(_finding(line, column, note) for line in lines.first)
                continue
            # Each message's rows are in order, so merging them gives the first rows
            # of the kind without sorting them all.
            in_row_order = heapq.merge(
                *(
                    zip(lines.first, itertools.repeat(index))
                    for index, (*_, lines) in enumerate(messages)
                )
            )
            for line, index in itertools.islice(in_row_order, NOTES_PER_KIND):
                column, note, _ = messages[index]
                listed.append(_finding(line, column, note))
            more = sum(lines.count for *_, lines in messages) - NOTES_PER_KIND
            if more > 0:
                column, note, lines = max(messages, key=lambda message: message[2].last)
                last = _finding(lines.last, column, note).message
                rows = "row" if more == 1 else "rows"
                summary = (
                    f"... and {more:,} more {rows} like this, the last one: {last}"
                )
                summaries.append(Finding(None, column, note.severity, summary, code))
        listed.sort(key=_finding_order)
        return self.file_findings + listed + summaries


# --- cell checks: pure functions of the raw cell text --------------------------------

# Real files repeat the same statuses, values and dates on many rows, so each check's
# result is cached by the raw text (bounded, and cleared when full).
_STATUS_CACHE: dict[str, _StatusEntry] = {}
_VALUE_CACHE: dict[str, _ValueEntry] = {}
_DATE_CACHE: dict[str, _DateEntry] = {}


def _remember(cache: dict, raw: str, entry: tuple) -> tuple:
    # Long cells are never repeats worth keeping, and could pin a lot of memory.
    if len(raw) <= _CACHED_CELL_LENGTH:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[raw] = entry
    return entry


def _closest(written: str, candidates: Iterable[str], cutoff: float) -> str | None:
    """The candidate closest to ``written`` ignoring case, if any is close enough."""
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(written.lower(), by_lower, n=1, cutoff=cutoff)
    return by_lower[matches[0]] if matches else None


def _check_status(raw_status: str) -> _StatusEntry:
    written = raw_status.strip()
    status = _STATUS_BY_LOWER.get(" ".join(written.split()).lower(), "")
    note: _Note | None = None
    if not written:
        note = _note("status.empty", statuses=_STATUS_LIST)
    elif not status:
        suggestion = _closest(written, STATUSES, cutoff=0.6)
        hint = (
            f"Did you mean {suggestion!r}?"
            if suggestion
            else f"Use one of: {_STATUS_LIST}."
        )
        note = _note("status.unknown", status=_shorten(written), hint=hint)
    elif status != raw_status:
        note = _note("status.respelled", written=_shorten(raw_status), status=status)
    return _remember(_STATUS_CACHE, raw_status, (status, note))


def _check_value(raw_value: str) -> _ValueEntry:
    # Most values are plain unsigned numbers, and many occur once: keep them quick.
    if (
        len(raw_value) <= _MAX_DIGITS
        and raw_value.isascii()
        and raw_value.replace(".", "", 1).isdigit()
    ):
        return _remember(_VALUE_CACHE, raw_value, (Decimal(raw_value), None))
    written = raw_value.strip()
    if not written:
        return _remember(_VALUE_CACHE, raw_value, (None, None))
    is_percentage = written.endswith("%")
    number = written[:-1].rstrip() if is_percentage else written
    digits = number[1:] if number[:1] in ("+", "-") else number
    # isascii() first: Decimal() would also take other scripts' digits, "1_000".
    if not (digits.isascii() and digits.replace(".", "", 1).isdigit()):
        return _remember(_VALUE_CACHE, raw_value, (None, _value_error(written)))
    if _digit_count(digits) > _MAX_DIGITS:
        note = _note("value.too_long", written=_shorten(written), limit=_MAX_DIGITS)
        return _remember(_VALUE_CACHE, raw_value, (None, note))
    value = Decimal(number)
    note: _Note | None = None
    if is_percentage:
        value = _without_trailing_zeros(value.scaleb(-2))
        note = _note(
            "value.percentage", written=_shorten(written), value=format_value(value)
        )
    return _remember(_VALUE_CACHE, raw_value, (value, note))


def _without_trailing_zeros(value: Decimal) -> Decimal:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


def _value_error(written: str) -> _Note:
    """The most helpful explanation of why ``written`` is not a plain number."""
    shown = _shorten(written)
    lowered = written.lower()
    if lowered.startswith("#") or lowered in ("n/a", "na", "-", "--", "tbd"):
        return _note("value.spreadsheet_error", written=shown)
    unsigned = written.strip(_CURRENCY_SIGNS + " ")
    if unsigned != written and _is_plain_number(unsigned):
        return _note("value.currency", written=shown, value=unsigned)
    without_commas = written.replace(",", "")
    groups = written.partition(".")[0].split(",")
    if len(groups) > 1 and _is_plain_number(without_commas):
        leading = groups[0].lstrip("+-")
        if leading not in ("", "0") and all(len(group) == 3 for group in groups[1:]):
            return _note("value.thousands", written=shown, value=without_commas)
        if len(groups) == 2 and "." not in written:
            return _note("value.decimal_comma", written=shown, value=".".join(groups))
    if "e" in lowered and lowered.lstrip("+-")[:1].isdigit():
        try:
            value = Decimal(written)
        except ArithmeticError:
            pass
        else:
            # Only when writing it out is sensible: 1e999999 has a million digits.
            if value.is_finite() and -30 < value.adjusted() < 30:
                written_out = format_value(value)
                return _note("value.exponent", written=shown, value=written_out)
    return _note("value.invalid", written=shown)


def _digit_count(plain_number: str) -> int:
    return (
        len(plain_number) - plain_number.startswith(("-", "+")) - ("." in plain_number)
    )


def _is_plain_number(text: str) -> bool:
    digits = text[1:] if text[:1] in ("+", "-") else text
    return digits.isascii() and digits.replace(".", "", 1).isdigit()


def _check_date(raw_date: str) -> _DateEntry:
    written = raw_date.strip()
    if not written:
        entry: _DateEntry = (None, _note("date.empty"), False)
    elif "/" in written:
        entry = _check_slashed_date(written)
    else:
        entry = _check_iso_date(written)
    return _remember(_DATE_CACHE, raw_date, entry)


def _check_iso_date(written: str) -> _DateEntry:
    """Any ISO 8601 date (calendar, week or ordinal), with or without a time."""
    shown = _shorten(written)
    # ISO 8601 allows lower-case designators by agreement (t, w, z).
    upper = written.upper()
    date_part, separator, time_part = upper.partition("T")
    if not separator:
        date_part, separator, time_part = upper.partition(" ")
    # aniso8601 is lenient about some separators (2026.10.31): only digits, - and W.
    if not (
        date_part.isascii() and date_part.replace("-", "").replace("W", "", 1).isdigit()
    ):
        return None, _unaccepted_date(written), False
    try:
        resolution = aniso8601.get_date_resolution(date_part)
        if resolution not in _DAY_RESOLUTIONS:
            return None, _note("date.no_day", written=shown), False
        as_of = aniso8601.parse_date(date_part)
        if resolution in _WEEK_RESOLUTIONS and not _week_exists(date_part, as_of):
            return None, _note("date.impossible", written=shown), False
    except RangeCheckError:
        return None, _note("date.impossible", written=shown), False
    except (ValueError, NotImplementedError):
        return None, _unaccepted_date(written), False
    if not separator:
        return as_of, None, False
    if not _is_time(time_part):
        return None, _note("date.invalid", written=shown), False
    return as_of, _note("date.time_dropped", written=shown, date=as_of), False


def _unaccepted_date(written: str) -> _Note:
    """Explain a date that is no ISO form, suggesting the ISO form when it is clear."""
    for date_format in _OTHER_DATE_FORMATS:
        try:
            meant = datetime.strptime(written, date_format).date()
        except ValueError:
            continue
        return _note("date.other_form", written=written, suggestion=meant.isoformat())
    return _note("date.invalid", written=_shorten(written))


def _week_exists(date_part: str, as_of: date) -> bool:
    """False for week 53 of a year with 52 weeks, which aniso8601 rolls over."""
    year_text, _, rest = date_part.partition("W")
    written_week = (int(year_text.rstrip("-")), int(rest.lstrip("-")[:2]))
    return tuple(as_of.isocalendar())[:2] == written_week


def _is_time(time_text: str) -> bool:
    """True for an ISO 8601 time (any zone) or a spreadsheet time such as 4:30 PM."""
    try:
        aniso8601.parse_time(time_text)
    except LeapSecondError:
        return True
    except (ValueError, NotImplementedError):
        for time_format in _SPREADSHEET_TIMES:
            try:
                datetime.strptime(time_text.strip(), time_format)
            except ValueError:
                continue
            return True
        return False
    return True


def _check_slashed_date(written: str) -> _DateEntry:
    """US month/day/year, optionally with a time; explain the near misses."""
    shown = _shorten(written)
    date_part, separator, time_part = written.partition(" ")
    parts = date_part.split("/")
    if len(parts) != 3 or not all(
        part.isascii() and part.isdigit() and len(part) <= 4 for part in parts
    ):
        return None, _note("date.invalid", written=shown), False
    first, second, third = (int(part) for part in parts)
    if len(parts[0]) == 4 and _is_date(first, second, third):
        suggestion = date(first, second, third).isoformat()
        return (
            None,
            _note("date.year_first", written=shown, suggestion=suggestion),
            False,
        )
    month, day, year = first, second, third
    if len(parts[2]) == 2:
        suggestion = f"{month}/{day}/20{parts[2]}"
        note = _note("date.two_digit_year", written=shown, suggestion=suggestion)
        return None, note, False
    if len(parts[2]) != 4 or len(parts[0]) > 2 or len(parts[1]) > 2:
        return None, _note("date.invalid", written=shown), False
    if not _is_date(year, month, day):
        if _is_date(year, day, month):
            suggestion = (
                f"{date(year, day, month).isoformat()} (or {day}/{month}/{year})"
            )
            note = _note("date.day_first", written=shown, suggestion=suggestion)
            return None, note, False
        return None, _note("date.impossible", written=shown), False
    if separator and not _is_time(time_part):
        return None, _note("date.invalid", written=shown), False
    as_of = date(year, month, day)
    note = _note("date.time_dropped", written=shown, date=as_of) if separator else None
    # 3/4/2026 may be meant day-first: worth a word only if the file shows that habit.
    return as_of, note, day <= 12 and day != month


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
