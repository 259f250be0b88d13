"""From the bytes of an upload to rows: what kind of file it is (a CSV file, or
AchieveIt's JSON array, read by ``jsonfile``), how its text is encoded, and which
delimiter splits its cells."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
from collections.abc import Callable, Iterator, Mapping

from uploads.csvformat.cells import check_date
from uploads.csvformat.checker import MAX_ROWS, RowChecker
from uploads.csvformat.columns import ColumnMap, looks_like_header, row_width
from uploads.csvformat.jsonfile import looks_like_json, read_json
from uploads.csvformat.messages import ERROR, HEADER_LIST, Problem, note
from uploads.csvformat.records import Finding, PlanItemRule, Result
from uploads.csvformat.spreadsheet import claims_workbook, is_workbook, read_workbook

MAX_BYTES = 10_000_000
# How often a long check reports how far it got (rows).
PROGRESS_EVERY = 5_000

_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 50
_UTF8 = "utf-8"
_WINDOWS_1252 = "windows-1252"


def parse(
    data: bytes,
    *,
    plan_items: Mapping[str, PlanItemRule] | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    progress: Callable[[int], None] | None = None,
    content_type: str | None = None,
    columns: ColumnMap | None = None,
    status_words: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> Result:
    """Read, check and normalize the bytes of an uploaded CSV or JSON file, or
    of a workbook (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``, told by its bytes:
    see ``spreadsheet``; ``sheet`` names the sheet to read, else it is picked).

    ``plan_items`` maps each External ID the organization knows to what this team
    may do with it; without it, External IDs are only checked against AchieveIt's
    rules. ``progress``, when given, is called with the number of rows read every
    ``PROGRESS_EVERY`` rows. The file is read as JSON when ``content_type`` says
    ``application/json`` or when it starts like a JSON array or object (see
    ``jsonfile.looks_like_json``), else as CSV. ``columns`` says which cell of a
    CSV row holds which field, instead of its header row (a mapping a person
    chose), and ``status_words`` the status each of the team's own words (e.g.
    "Green") is read as. Returns a ``Result``; never raises for bad input,
    whatever the bytes.
    """
    if is_workbook(data) or claims_workbook(content_type):
        if len(data) > max_bytes:
            return _file_error(_too_large(data, max_bytes))
        if is_workbook(data):
            return read_workbook(
                data,
                sheet=sheet,
                plan_items=plan_items,
                max_rows=max_rows,
                progress=progress,
                progress_every=PROGRESS_EVERY,
                columns=columns,
                status_words=status_words,
            )
    try:
        check_file_kind(data, max_bytes)
    except Problem as problem:
        if claims_workbook(content_type) and problem.code == "file.binary":
            # Named as a workbook but holding neither one nor text.
            return _file_error(Problem("file.workbook_fake"))
        return _file_error(problem)
    if looks_like_json(data, content_type):
        return read_json(
            data,
            plan_items=plan_items,
            max_rows=max_rows,
            progress=progress,
            progress_every=PROGRESS_EVERY,
        )
    try:
        encoding, sample = choose_encoding(data)
    except Problem as problem:
        return _file_error(problem)
    delimiter = sniff_delimiter(sample)
    del sample
    read = functools.partial(
        _read,
        data,
        delimiter=delimiter,
        plan_items=plan_items,
        max_rows=max_rows,
        progress=progress,
        columns=columns,
        status_words=status_words,
    )
    try:
        return read(encoding)
    except UnicodeDecodeError:
        if encoding != _UTF8:
            return _file_error(Problem("file.encoding"))
    # The sample was UTF-8 but a later part is not: read it as Excel's plain CSV.
    try:
        return read(_WINDOWS_1252)
    except UnicodeDecodeError:
        return _file_error(Problem("file.encoding"))


def check_file_kind(data: bytes, max_bytes: int) -> None:
    """Raise ``Problem`` for a file that is too big, empty or clearly not a CSV."""
    if len(data) > max_bytes:
        raise _too_large(data, max_bytes)
    # Only the start is looked at: strip() would copy a large file. A large blank
    # file still ends as "no updates", with its blank rows listed.
    if len(data) <= _SNIFF_BYTES and not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise Problem("file.empty", header=HEADER_LIST)
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


def choose_encoding(data: bytes) -> tuple[str, str]:
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


def sniff_delimiter(sample: str) -> str:
    """Pick comma, TAB or semicolon: whichever splits the most rows into an update
    (three to five cells, with a date third or fourth) or a header, then the most
    rows of three to five cells.

    Rows have three cells (a metric update), four (a progress update) or five (a
    Comment); the date tells a row apart from a comment that holds another
    delimiter ("a, b, c" in a tab-separated file).
    """
    # The first lines only; splitting the whole sample would cost more than reading.
    lines = list(itertools.islice(io.StringIO(sample, newline=""), _SNIFF_LINES))
    best_delimiter, best_score = ",", (0, 0, 0)
    for delimiter in (",", "\t", ";"):
        update_like = update_rows = several_columns = 0
        for row in csv.reader(lines, delimiter=delimiter):
            width = row_width(row)
            if 3 <= width <= 5:
                update_rows += 1
                update_like += looks_like_header(row) or any(
                    check_date(cell, explain=False).date is not None
                    for cell in row[2:4]
                )
            several_columns += width > 1
        score = (update_like, update_rows, several_columns)
        if score > best_score:
            best_delimiter, best_score = delimiter, score
    return best_delimiter


def _read(
    data: bytes,
    encoding: str,
    *,
    delimiter: str,
    plan_items: Mapping[str, PlanItemRule] | None,
    max_rows: int,
    progress: Callable[[int], None] | None = None,
    columns: ColumnMap | None = None,
    status_words: Mapping[str, str] | None = None,
) -> Result:
    """Stream ``data`` through csv.reader and the checks; raises UnicodeDecodeError."""
    # TextIOWrapper decodes chunk by chunk, so no decoded copy of the file is made.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    checker = RowChecker(
        plan_items, max_rows, columns=columns, status_words=status_words
    )
    if encoding == _WINDOWS_1252:
        checker.add(None, None, note("file.windows_1252"))
    reader = csv.reader(stream, delimiter=delimiter)
    rows = reader if progress is None else _reporting(reader, progress)
    try:
        checker.run(rows, 1)
    except csv.Error as error:
        # line_num counts lines of text, which is what a text editor would show.
        unreadable = note("file.unreadable", line=reader.line_num, reason=error)
        checker.add(None, None, unreadable)
    return checker.result(encoding=encoding, delimiter=delimiter)


def _reporting(
    rows: Iterator[list[str]], progress: Callable[[int], None]
) -> Iterator[list[str]]:
    """The rows, calling ``progress`` with the count every PROGRESS_EVERY rows."""
    for count, row in enumerate(rows, 1):
        if not count % PROGRESS_EVERY:
            progress(count)
        yield row


def _too_large(data: bytes, max_bytes: int) -> Problem:
    return Problem(
        "file.too_large", size=_megabytes(len(data)), limit=_megabytes(max_bytes)
    )


def _file_error(problem: Problem) -> Result:
    return Result([], [Finding(None, None, ERROR, problem.message, problem.code)])


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def read_rows(data: bytes) -> list[list[str]] | None:
    """Every row of a stored file as ``parse`` splits it (row 1 first, cells as
    written, nothing checked), or None when it is no CSV text at all: what the
    fix form shows of the rows with errors, and what a correction rebuilds."""
    try:
        check_file_kind(data, max_bytes=len(data) + 1)
        encoding, sample = choose_encoding(data)
    except Problem:
        return None
    delimiter = sniff_delimiter(sample)
    for attempt in (encoding, _WINDOWS_1252):
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=attempt, newline="")
        try:
            return list(csv.reader(stream, delimiter=delimiter))
        except UnicodeDecodeError:
            continue
        except csv.Error:
            return None
    return None
