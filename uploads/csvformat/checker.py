"""The row checker: rows of cells in, a ``Result`` out.

Which cell of a row holds which field is a ``columns.ColumnMap``: from the file's
header row by name, by position without one, or handed in (``columns=``).

Rows are checked one at a time and only what is needed is kept: the valid updates,
and for each kind of finding a count and its first rows. A fix repeated on 50,000
rows is one count and ``NOTES_PER_KIND`` listed rows, which is all a person reads.

Errors are listed up to ``ERRORS_PER_KIND`` of each kind, then counted the same way,
and past that many errors in a column the costly part of an explanation (finding
the status or date that was meant) is skipped. So the work a file makes is bounded
by its size, not by how wrong it is: a file with an error in every cell of 100,000
rows is checked about as fast as a clean one.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from uploads.csvformat.cells import (
    NO_COMMENT,
    CommentCheck,
    DateCheck,
    StatusCheck,
    ValueCheck,
    check_comment,
    check_date,
    check_status,
    check_value,
    closest,
    id_problem,
)
from uploads.csvformat.columns import (
    ColumnMap,
    columns_from_header,
    header_key,
    looks_like_header,
    positional,
)
from uploads.csvformat.messages import (
    COLUMN_COMMENT,
    COLUMN_DATE,
    COLUMN_ID,
    COLUMN_STATUS,
    COLUMN_VALUE,
    ERROR,
    HEADER_LIST,
    METRIC,
    PROGRESS,
    Note,
    Severity,
    note,
    shorten,
)
from uploads.csvformat.records import Finding, PlanItemRule, Result, Update

MAX_ROWS = 100_000
NOTES_PER_KIND = 50
ERRORS_PER_KIND = 1_000

_GARBLED_BOM = "\ufeff".encode().decode("cp1252")  # 'ï»¿'
# Suggesting one of thousands of IDs is slow; past this many unknown IDs, skip it.
_SUGGESTED_IDS = 50
# Enough for every plan item of a team and the repeated values of a large file;
# dates and statuses are few, and dates with a time of day hardly ever repeat.
_MEMO_SIZE = 20_000
_SMALL_MEMO_SIZE = 4_096
_MEMO_CELL_LENGTH = 100
_ID_KEY = header_key(COLUMN_ID)
# What a metric update's (absent) Status reads as: no status, and nothing to say.
_NO_STATUS = StatusCheck("", None)
# A row that is not to be checked (a JSON record already reported as unusable).
SKIP: tuple[str, ...] = ()
_ROWS_READ = {
    PROGRESS: "four or five cells: External ID, Status, Current Value, As Of Date"
    " and an optional Comment",
    METRIC: "three or four cells: External ID, Current Metric Value, As Of Date and"
    " an optional Comment",
}

Check = TypeVar("Check")


class Memo(dict[str, Check], Generic[Check]):
    """Check results by the cell text they were made for, made on first use.

    Real files repeat the same IDs, statuses and dates on many rows, so each text is
    checked once; looking it up again costs no more than a dict lookup. Bounded,
    since some columns (values, dates with a time) hardly ever repeat.
    """

    def __init__(self, check: Callable[[str], Check], size: int = _MEMO_SIZE) -> None:
        super().__init__()
        self.check = check
        self.size = size

    def __missing__(self, raw: str) -> Check:
        result = self.check(raw)
        # Long cells are never repeats worth keeping, and could pin a lot of memory.
        if len(raw) <= _MEMO_CELL_LENGTH:
            if len(self) >= self.size:
                self.clear()
            self[raw] = result
        return result


class Explained(Generic[Check]):
    """A cell check (``check_status``, ``check_date``) that explains the first
    ERRORS_PER_KIND errors it finds, then only finds them: working out what was
    meant is most of the cost of an error, and past that many nobody reads it."""

    def __init__(self, check: Callable[..., Check]) -> None:
        self.check = check
        self.errors = 0

    def __call__(self, raw: str) -> Check:
        result = self.check(raw, explain=self.errors < ERRORS_PER_KIND)
        if result.note is not None and result.note.severity == ERROR:
            self.errors += 1
        return result


@dataclass(slots=True)  # read-only by agreement, like the records of cells.py
class IdCheck:
    """An External ID cell: the ID as sent ('' when it has an error), and the
    updates already kept for the ID, by date (shared by every spelling of it)."""

    external_id: str
    note: Note | None
    needs_value: bool
    updates_by_date: dict[date, Update]


@dataclass(slots=True)
class _Kind:
    """The findings of one code: how many, the first rows (ERRORS_PER_KIND of an
    error, NOTES_PER_KIND otherwise) and the last one."""

    severity: Severity
    count: int = 0
    listed: list[tuple[int, str | None, Note, str | None]] = field(default_factory=list)
    # Where the last one was: (line, column, note).
    last: tuple[int, str | None, Note | None] = (0, None, None)


@dataclass(slots=True)
class _AmbiguousDate:
    line: int
    written: str
    as_of: date


def parse_rows(
    rows: Iterable[Sequence[str]],
    *,
    first_line: int = 1,
    plan_items: Mapping[str, PlanItemRule] | None = None,
    max_rows: int = MAX_ROWS,
    kind: str | None = None,
    columns: ColumnMap | None = None,
    status_words: Mapping[str, str] | None = None,
) -> Result:
    """Check and normalize rows whose cells are already split (e.g. a web form).

    ``first_line`` is the row number of the first row. The rules are those of
    ``parse``, the optional header row included: without one, rows have four
    cells (External ID, Status, Current Value, As Of Date) or five (a Comment
    last); with ``kind`` METRIC three or four (External ID, Current Metric Value,
    As Of Date, Comment). ``columns`` says where each field is instead, and
    ``status_words`` how the team's own status words read (see ``RowChecker``).
    Never raises for bad input.
    """
    # A form may leave a field out (None) or hand over a number: cells become text.
    cells = (["" if cell is None else str(cell) for cell in row] for row in rows)
    checker = RowChecker(
        plan_items, max_rows, kind=kind, columns=columns, status_words=status_words
    )
    checker.run(cells, first_line)
    return checker.result(encoding=None, delimiter=",")


@contextlib.contextmanager
def paused_garbage_collector() -> Iterator[None]:
    """Hold back the cyclic garbage collector while a file is checked.

    Checking keeps an Update per row and makes no reference cycles, yet every few
    hundred new objects would start a collection that walks them: a quarter of the
    time of a 100,000-row file, to free nothing. Reference counting still frees
    everything else at once. Left alone if the caller had already paused it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _with_words(
    status_words: Mapping[str, str] | None, check: Callable[[str], StatusCheck]
) -> Callable[[str], StatusCheck]:
    """``check``, after a team's own status words: a word of ``status_words``
    (keys compared in lower case with single spaces) reads as its status."""
    if not status_words:
        return check
    words = {
        " ".join(word.split()).lower(): status for word, status in status_words.items()
    }

    def check_with_words(raw_status: str) -> StatusCheck:
        written = " ".join(raw_status.split())
        status = words.get(written.lower())
        if status is None:
            return check(raw_status)
        mapped = note("status.mapped", written=shorten(written), status=status)
        return StatusCheck(status, mapped)

    return check_with_words


def column_letter(index: int) -> str:
    """The spreadsheet letter of a column counted from 0: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def row_width(row: Sequence[str]) -> int:
    """The number of cells up to the last one that is not blank."""
    width = len(row)
    while width and not row[width - 1].strip():
        width -= 1
    return width


class RowChecker:
    """Checks rows one at a time, keeping only valid updates and the findings.

    ``kind`` is what a file without a header holds (PROGRESS unless said);
    ``columns``, when given, is where each field is, instead of what the header
    row says; ``place`` is what a row is called in the findings ("Row", or
    "Record" for a JSON file's records). ``status_words`` maps a team's own
    status words (any case and spacing, e.g. "green") to the AchieveIt status
    they are read as, before the status check, each with a fix finding. With
    ``columns`` that have a header, every named header cell they read nothing
    from gets a warning that it is left out.
    """

    def __init__(
        self,
        plan_items: Mapping[str, PlanItemRule] | None,
        max_rows: int,
        *,
        kind: str | None = None,
        columns: ColumnMap | None = None,
        place: str = "Row",
        status_words: Mapping[str, str] | None = None,
        sheet: str = "",
        first_column: int = 0,
    ) -> None:
        self.plan_items = plan_items
        # A workbook's sheet, and the column its rows' first cell is in (from 0):
        # its findings name the sheet and the column letter with its header.
        self.sheet = sheet
        self.first_column = first_column
        self.header_cells: list[str] = []
        self.max_rows = max_rows
        self.given_columns = columns
        self.place = place
        self.row_word = place.lower()
        self.columns = positional(kind or PROGRESS)
        self.is_metric = self.columns.kind == METRIC
        self.is_positional = True
        self.updates: list[Update] = []
        self.updates_by_id: dict[str, dict[date, Update]] = {}
        self.conflicting: set[tuple[str, date]] = set()
        self.ids: Memo[IdCheck] = Memo(self._check_id)
        self.statuses: Memo[StatusCheck] = Memo(
            _with_words(status_words, Explained(check_status)), _SMALL_MEMO_SIZE
        )
        self.values: Memo[ValueCheck] = Memo(check_value)
        self.dates: Memo[DateCheck] = Memo(Explained(check_date), _SMALL_MEMO_SIZE)
        self.comments: Memo[CommentCheck] = Memo(check_comment, _SMALL_MEMO_SIZE)
        self.own_ids: dict[str, str] | None = None  # lower case -> as mapped
        self.suggestions_made = 0
        self.file_findings: list[Finding] = []
        self.kinds: dict[str, _Kind] = {}
        self.day_first_line: int | None = None
        self.ambiguous_dates: list[_AmbiguousDate] = []
        self.ambiguous_count = 0
        self.too_many_rows = False

    @property
    def kind(self) -> str:
        """What the file holds: PROGRESS or METRIC updates."""
        return self.columns.kind

    def run(self, rows: Iterator[Sequence[str]], first_line: int) -> None:
        """Check every row; a row with nothing to say costs five dict lookups
        (four without a Comment column)."""
        with paused_garbage_collector():
            self._run(rows, first_line)

    def _run(self, rows: Iterator[Sequence[str]], first_line: int) -> None:
        first_data_line, rows = self._start(rows, first_line)
        if not self.columns.readable:
            return  # the header lacks a column every update needs: said once
        # Bound once: this loop runs for every row of the file.
        ids, statuses, values, dates = self.ids, self.statuses, self.values, self.dates
        comments = self.comments
        keep, note_row, fit = self.updates.append, self._note_row, self._fit
        new_tuple = tuple.__new__
        width, pick, comment_at = self._reading()
        allowed_rows = itertools.islice(rows, self.max_rows)
        for line, row in enumerate(allowed_rows, first_data_line):
            if len(row) != width:
                row = fit(line, row)
                if row is None:
                    continue
                # A file without a header may go on in rows of five cells.
                width, pick, comment_at = self._reading()
            raw_id, raw_status, raw_value, raw_date = row if pick is None else pick(row)
            item = ids[raw_id]
            status = statuses[raw_status]
            value = values[raw_value]
            as_of = dates[raw_date]
            if comment_at is None:
                raw_comment, comment = "", NO_COMMENT
            else:
                raw_comment = row[comment_at]
                comment = comments[raw_comment]
            if (
                item.note
                or status.note
                or value.note
                or as_of.note
                or as_of.ambiguous
                or comment.note
                or (item.needs_value and value.value is None)
            ) and not note_row(
                line,
                (raw_id, raw_status, raw_value, raw_date, raw_comment),
                item,
                status,
                value,
                as_of,
                comment,
            ):
                continue
            # What Update._make does, without its Python frame or the keyword
            # handling of Update(...), which a 100,000-row file notices.
            update = new_tuple(
                Update,
                (
                    item.external_id,
                    status.status,
                    value.value,
                    as_of.date,
                    line,
                    comment.comment,
                ),
            )
            first = item.updates_by_date.setdefault(as_of.date, update)
            if first is update:
                keep(update)
            else:
                self._repeated(first, update)
        if next(rows, None) is not None:
            self.too_many_rows = True
            too_many = note(
                "file.too_many_rows", limit=self.max_rows, rows=f"{self.row_word}s"
            )
            self.add(None, None, too_many)

    def _reading(
        self,
    ) -> tuple[int, Callable[[Sequence[str]], Sequence[str]] | None, int | None]:
        """How rows are read now: their width, the picker of their first four
        fields, and where the Comment is."""
        columns = self.columns
        return columns.width, columns.picker(), columns.comment

    def add(
        self,
        line: int | None,
        column: str | None,
        note: Note,
        value: str | None = None,
    ) -> None:
        """Record a finding about a cell (``value`` as written), a row (``column``
        None) or the file."""
        if line is None:
            self.file_findings.append(Finding.of(None, column, note))
            return
        kind = self.kinds.get(note.code)
        if kind is None:
            kind = self.kinds[note.code] = _Kind(note.severity)
        count = kind.count = kind.count + 1
        if count <= (ERRORS_PER_KIND if kind.severity == ERROR else NOTES_PER_KIND):
            kind.listed.append((line, column, note, value))
        kind.last = (line, column, note)

    def result(
        self, encoding: str | None, delimiter: str, source_format: str = "csv"
    ) -> Result:
        """Finish the file-level checks and return what was found."""
        if self.day_first_line is not None:
            for ambiguous in self.ambiguous_dates:
                as_of = ambiguous.as_of
                warning = note(
                    "date.ambiguous",
                    written=ambiguous.written,
                    long_date=f"{as_of:%B} {as_of.day}, {as_of.year}",
                    row=self.row_word,
                    other=self.day_first_line,
                    suggestion=date(as_of.year, as_of.day, as_of.month).isoformat(),
                )
                self.add(ambiguous.line, COLUMN_DATE, warning, ambiguous.written)
        findings = self._list_findings()
        more_ambiguous = self.ambiguous_count - len(self.ambiguous_dates)
        if self.day_first_line is not None and more_ambiguous:
            dates = "date" if more_ambiguous == 1 else "dates"
            summary = note("date.more_ambiguous", count=more_ambiguous, dates=dates)
            findings.append(Finding.of(None, COLUMN_DATE, summary))
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
            no_updates = note("file.no_updates", header=HEADER_LIST)
            findings.append(Finding.of(None, None, no_updates))
        error_count = sum(
            kind.count for kind in self.kinds.values() if kind.severity == ERROR
        ) + sum(finding.severity == ERROR for finding in self.file_findings)
        return Result(
            updates,
            findings,
            encoding,
            delimiter,
            error_count,
            kind=self.kind,
            source_format=source_format,
        )

    def _list_findings(self) -> list[Finding]:
        """The findings listed of each kind in row order, then one summary of the
        rest of each kind."""
        place = self.place
        make = self._sheet_finding if self.sheet else Finding.of
        listed = [
            make(line, column, note, value, place)
            for kind in self.kinds.values()
            for line, column, note, value in kind.listed
        ]
        listed.sort(key=Finding.sort_key)
        summaries = []
        for code, kind in self.kinds.items():
            more = kind.count - len(kind.listed)
            if more <= 0:
                continue
            line, column, last_note = kind.last
            assert last_note is not None
            last = make(line, column, last_note, None, place)
            rows = self.row_word if more == 1 else f"{self.row_word}s"
            summary = (
                f"... and {more:,} more {rows} like this, the last one: {last.message}"
            )
            summaries.append(Finding(None, last.column, kind.severity, summary, code))
        return self.file_findings + listed + summaries

    def _sheet_finding(
        self,
        line: int | None,
        column: str | None,
        note: Note,
        value: str | None = None,
        place: str = "Row",
    ) -> Finding:
        """``Finding.of`` for a workbook's sheet: a cell is named by its column
        letter and the header above it."""
        index = self.columns.named().get(column) if column is not None else None
        letter = heading = ""
        if index is not None:
            letter = column_letter(index + self.first_column)
            if index < len(self.header_cells):
                heading = self.header_cells[index]
        return Finding.of(line, column, note, value, place, self.sheet, letter, heading)

    def _note_row(
        self,
        line: int,
        cells: tuple[str, str, str, str, str],
        item: IdCheck,
        status: StatusCheck,
        value: ValueCheck,
        as_of: DateCheck,
        comment: CommentCheck,
    ) -> bool:
        """Record the notes of a row that has any; return True if it is still
        valid. ``cells`` are the row's External ID, Status, value, As Of Date and
        Comment as written."""
        # An invalid cell leaves its normalized form empty (or None).
        if (
            not (item.external_id and (status.status or self.is_metric) and as_of.date)
            or (value.value is None and (value.note or item.needs_value))
            or comment.comment is None
        ):
            self._report_invalid_row(line, cells, item, status, value, as_of, comment)
            return False
        # Not _add_cell_notes: a call fewer on the rows that need a fix.
        add = self.add
        if item.note is not None:
            add(line, COLUMN_ID, item.note, cells[0])
        if status.note is not None:
            add(line, COLUMN_STATUS, status.note, cells[1])
        if value.note is not None:
            add(line, COLUMN_VALUE, value.note, cells[2])
        if as_of.note is not None:
            add(line, COLUMN_DATE, as_of.note, cells[3])
        if comment.note is not None:
            add(line, COLUMN_COMMENT, comment.note, cells[4])
        if as_of.ambiguous and as_of.date is not None:
            # Only worth a word if the file turns out to write day-first dates.
            self.ambiguous_count += 1
            if len(self.ambiguous_dates) < NOTES_PER_KIND:
                self.ambiguous_dates.append(
                    _AmbiguousDate(line, cells[3].strip(), as_of.date)
                )
        return True

    def _add_cell_notes(
        self,
        line: int,
        cells: tuple[str, str, str, str, str],
        item: IdCheck,
        status: StatusCheck,
        value: ValueCheck,
        as_of: DateCheck,
        comment: CommentCheck,
    ) -> None:
        add = self.add
        if item.note is not None:
            add(line, COLUMN_ID, item.note, cells[0])
        if status.note is not None:
            add(line, COLUMN_STATUS, status.note, cells[1])
        if value.note is not None:
            add(line, COLUMN_VALUE, value.note, cells[2])
        if as_of.note is not None:
            add(line, COLUMN_DATE, as_of.note, cells[3])
        if comment.note is not None:
            add(line, COLUMN_COMMENT, comment.note, cells[4])

    def _start(
        self, rows: Iterator[Sequence[str]], first_line: int
    ) -> tuple[int, Iterator[Sequence[str]]]:
        """Consume leading blank rows and a header row, choosing how rows are
        read; return the line number of the first row left and the rows from it
        on."""
        for line, row in enumerate(rows, first_line):
            if row is SKIP:
                continue
            cells = [cell.strip() for cell in row]
            if not any(cells):
                self.add(line, None, note("row.blank", row=self.row_word))
                continue
            if self.given_columns is not None:
                self._use(self.given_columns, positional_map=False)
                if self.given_columns.header:
                    self.header_cells = cells
                    self._left_out(row)
                    return line + 1, rows
                return line, itertools.chain((row,), rows)
            first_cell = cells[0].lstrip("\ufeff")
            if first_cell.startswith(_GARBLED_BOM):
                # A UTF-8 byte order mark that a program decoded as Windows-1252
                # and wrote out again (LibreOffice does this by default).
                self.add(line, COLUMN_ID, note("header.garbled_bom"))
                first_cell = first_cell.removeprefix(_GARBLED_BOM)
            cells[0] = first_cell
            if self._header(line, cells):
                self.header_cells = cells
                return line + 1, rows
            # No header: by position; five cells in the first row hold a Comment.
            columns = self.columns
            self._use(positional(columns.kind, comment=len(row) == columns.width + 1))
            return line, itertools.chain((row,), rows)
        return first_line, rows

    def _header(self, line: int, cells: list[str]) -> bool:
        """If ``cells`` are a header row, report what is wrong with it, read the
        rows after it by its names and return True."""
        if not looks_like_header(cells):
            return False
        first_key = header_key(cells[0])
        others_named = looks_like_header(["", *cells[1:]])
        if "external" in first_key and first_key != _ID_KEY and not others_named:
            # An External ID with the word 'external' in the first row rather than
            # a header: AchieveIt would take the row as its header.
            not_header = note("header.first_cell", cell=shorten(cells[0]))
            self.add(line, COLUMN_ID, not_header)
            return True
        columns, problems = columns_from_header(cells)
        for problem in problems:
            self.add(line, problem.column, problem.note)
        self._use(columns, positional_map=False)
        return True

    def _left_out(self, header: Sequence[str]) -> None:
        """Say which named columns of a header the given columns read nothing from."""
        read = set(self.columns.named().values())
        for index, cell in enumerate(header[: self.columns.width]):
            written = cell.strip().lstrip("\ufeff")
            if written and index not in read:
                left_out = note(
                    "column.left_out",
                    letter=column_letter(index),
                    header=shorten(written),
                )
                self.add(None, None, left_out)

    def _use(self, columns: ColumnMap, *, positional_map: bool = True) -> None:
        """Read the rows from here on by ``columns``."""
        self.columns = columns
        self.is_positional = positional_map
        self.is_metric = columns.kind == METRIC
        if self.is_metric:
            self.statuses = Memo(lambda raw_status: _NO_STATUS, _SMALL_MEMO_SIZE)

    def _fit(self, line: int, row: Sequence[str]) -> Sequence[str] | None:
        """Return a row that is not as wide as the file's rows as a row that is,
        or None once it is reported as unusable.

        Without a header a row has four cells or five (a Comment): rows are read
        the way the last one was written from here on, so a file that changes its
        width costs this call only where it changes.
        """
        if row is SKIP:
            return None
        width = row_width(row)
        if width == 0:
            self.add(line, None, note("row.blank", row=self.row_word))
            return None
        if self.is_positional:
            return self._fit_positional(line, row, width)
        columns = self.columns
        expected = columns.width
        if width <= expected < len(row):
            self._extra_cells(line, len(row) - expected)
            return row[:expected]
        if len(row) == expected - 1 and columns.comment == expected - 1:
            return [*row, ""]  # no Comment cell: no comment
        self._report_width(line, row, width)
        return None

    def _fit_positional(
        self, line: int, row: Sequence[str], width: int
    ) -> Sequence[str] | None:
        """``_fit`` for a file without a header."""
        kind = self.columns.kind
        shortest = positional(kind).width
        widest = shortest + 1  # with the Comment
        if width > widest or len(row) < shortest:
            self._report_width(line, row, width)
            return None
        cells = len(row)
        if cells > widest:
            row = row[: max(width, shortest)]
        self._use(positional(kind, comment=len(row) == widest))
        if cells > widest:
            self._extra_cells(line, cells - len(row))
        return row

    def _extra_cells(self, line: int, count: int) -> None:
        extra = note("row.extra_cells", count=count, last=self.columns.last_column)
        self.add(line, None, extra)

    def _report_width(self, line: int, row: Sequence[str], width: int) -> None:
        """Report a row with more or fewer cells than the file's rows."""
        columns = self.columns
        hint = ""
        if any("\n" in cell or "\r" in cell for cell in row):
            hint = (
                " A quotation mark in this row is never closed, so the rows after it"
                " were read as one cell: remove the stray quotation mark."
            )
        elif (
            width == columns.width + 1
            and columns.comment is None
            and not self.is_positional
            and self.dates[row[width - 1]].date is None
        ):
            # One cell too many, and not a date pushed along by a split cell.
            hint = f" To send a comment, head column {width} {COLUMN_COMMENT!r}."
        elif width > columns.width:
            hint = " A comma inside a cell (as in 1,200) splits it in two: remove it."
        elif width == 3 and columns.kind == PROGRESS and columns.value is not None:
            hint = (
                " If the plan item has no value, keep its Current Value cell empty,"
                " as in 'ID,On Track,,2026-10-31'."
            )
        elif width == 1 and any(mark in row[0] for mark in ",;\t"):
            hint = " Separate the cells with commas."
        if self.is_positional:
            expected = _ROWS_READ[columns.kind]
        else:
            named = sorted(
                columns.named().items(), key=lambda name_index: name_index[1]
            )
            expected = (
                f"{columns.width} cells here, one per column of the header: "
                + ", ".join(name for name, _index in named)
            )
        found = ", ".join(repr(shorten(cell)) for cell in row[: min(width, 6)])
        wrong_width = note(
            "row.columns",
            count=width,
            cells="cell" if width == 1 else "cells",
            found=found + (", ..." if width > 6 else ""),
            expected=expected,
            hint=hint,
        )
        self.add(line, None, wrong_width)

    def _report_invalid_row(
        self,
        line: int,
        cells: tuple[str, str, str, str, str],
        item: IdCheck,
        status: StatusCheck,
        value: ValueCheck,
        as_of: DateCheck,
        comment: CommentCheck,
    ) -> None:
        """Report why a row is not sent: it is not an update, or has errors."""
        raw_id, raw_status, raw_value, raw_date, raw_comment = cells
        written_id = raw_id.strip()
        if not (
            raw_status.strip()
            or raw_value.strip()
            or raw_date.strip()
            or raw_comment.strip()
        ):
            if written_id:
                only_id = note("row.id_only", id=shorten(written_id), row=self.row_word)
                self.add(line, None, only_id)
            else:
                self.add(line, None, note("row.blank", row=self.row_word))
            return
        if header_key(written_id) == _ID_KEY:
            self.add(line, None, note("row.repeated_header"))
            return
        if self._split_cell(line, cells, as_of):
            return
        self._add_cell_notes(line, cells, item, status, value, as_of, comment)
        if as_of.note is not None and as_of.note.code == "date.day_first":
            self.day_first_line = self.day_first_line or line
        if item.needs_value and value.value is None and value.note is None:
            if self.is_metric:
                missing = note("value.required")
            else:
                missing = note("value.missing", id=written_id)
            self.add(line, COLUMN_VALUE, missing, raw_value)

    def _split_cell(
        self, line: int, cells: tuple[str, str, str, str, str], as_of: DateCheck
    ) -> bool:
        """Report a row of five cells without a header whose Comment is the date:
        a comma splitting a cell ('1,200') rather than a comment. True if so."""
        raw_comment = cells[4]
        if not (
            self.is_positional
            and as_of.date is None
            and raw_comment.strip()
            and self.dates[raw_comment].date is not None
        ):
            return False
        split = note(
            "row.split_cell",
            found=", ".join(repr(shorten(cell)) for cell in cells),
            written=shorten(cells[3].strip()),
            comment=shorten(raw_comment.strip()),
        )
        self.add(line, None, split)
        return True

    def _repeated(self, first: Update, update: Update) -> None:
        """Merge an identical repeat of an update; report a conflicting one."""
        if (
            first.status == update.status
            and first.value == update.value
            and first.comment == update.comment
        ):
            duplicate = note("row.duplicate", first=first.line, row=self.row_word)
            self.add(update.line, None, duplicate)
            return
        self.conflicting.add((update.external_id, update.as_of_date))
        conflict = note(
            "row.conflict",
            row=self.row_word,
            first=first.line,
            line=update.line,
            id=update.external_id,
            date=update.as_of_date.isoformat(),
        )
        self.add(update.line, COLUMN_ID, conflict, update.external_id)

    def _check_id(self, raw_id: str) -> IdCheck:
        external_id = raw_id.strip()
        problem = id_problem(external_id)
        # A metric update is a value: every row needs one.
        needs_value = self.is_metric
        if problem is None and self.plan_items is not None:
            problem, has_metric = self._check_mapping(external_id)
            needs_value = needs_value or has_metric
        if problem is None and external_id != raw_id:
            problem = note("id.trimmed", id=shorten(external_id))
        if problem is not None and problem.severity == ERROR:
            return IdCheck("", problem, needs_value, {})
        # Shared by every spelling of the ID (" A" and "A" are one item).
        updates_by_date = self.updates_by_id.setdefault(external_id, {})
        return IdCheck(external_id, problem, needs_value, updates_by_date)

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
        return closest(external_id, self.own_ids.values(), cutoff=0.8)

    def _check_mapping(self, external_id: str) -> tuple[Note | None, bool]:
        """Check the team's mapping; return the note and whether the item has a
        metric. Another team's item reads exactly as an ID nobody has: same
        message, and never named or hinted."""
        assert self.plan_items is not None
        rule = self.plan_items.get(external_id)
        shown = shorten(external_id)
        if rule is None or not rule.own:
            suggestion = self._suggest_id(external_id)
            hint = (
                f"Did you mean {suggestion!r}?"
                if suggestion
                else "Check it against your team's template, or ask an administrator"
                " to map it."
            )
            return note("id.unknown", id=shown, hint=hint, fix=suggestion), False
        if not rule.active:
            return note("id.inactive", id=shown), False
        if self.is_metric and not rule.has_metric:
            return note("id.no_metric", id=shown), False
        return None, rule.has_metric
