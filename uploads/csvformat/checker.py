"""The row checker: rows of cells in, a ``Result`` out.

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
    DateCheck,
    StatusCheck,
    ValueCheck,
    check_date,
    check_status,
    check_value,
    closest,
    id_problem,
)
from uploads.csvformat.messages import (
    COLUMN_DATE,
    COLUMN_ID,
    COLUMN_STATUS,
    COLUMN_VALUE,
    ERROR,
    HEADER,
    HEADER_LIST,
    Note,
    Severity,
    note,
    shorten,
)
from uploads.csvformat.records import Finding, PlanItemRule, Result, Update

MAX_ROWS = 100_000
NOTES_PER_KIND = 50
ERRORS_PER_KIND = 1_000

_HEADER_LOWER = tuple(name.lower() for name in HEADER)
# Words people head columns 2-4 with; they give away a header row that lacks
# 'External ID' in its first cell.
_HEADERISH = frozenset({"status", "current value", "value", "as of date", "date"})
_GARBLED_BOM = "\ufeff".encode().decode("cp1252")  # 'ï»¿'
# Suggesting one of thousands of IDs is slow; past this many unknown IDs, skip it.
_SUGGESTED_IDS = 50
# Enough for every plan item of a team and the repeated values of a large file;
# dates and statuses are few, and dates with a time of day hardly ever repeat.
_MEMO_SIZE = 20_000
_SMALL_MEMO_SIZE = 4_096
_MEMO_CELL_LENGTH = 100

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
) -> Result:
    """Check and normalize rows whose cells are already split (e.g. a web form).

    ``first_line`` is the row number of the first row. The rules are those of
    ``parse``, the optional header row included. Never raises for bad input.
    """
    # A form may leave a field out (None) or hand over a number: cells become text.
    cells = (["" if cell is None else str(cell) for cell in row] for row in rows)
    checker = RowChecker(plan_items, max_rows)
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


def row_width(row: Sequence[str]) -> int:
    """The number of cells up to the last one that is not blank."""
    width = len(row)
    while width and not row[width - 1].strip():
        width -= 1
    return width


class RowChecker:
    """Checks rows one at a time, keeping only valid updates and the findings."""

    def __init__(
        self, plan_items: Mapping[str, PlanItemRule] | None, max_rows: int
    ) -> None:
        self.plan_items = plan_items
        self.max_rows = max_rows
        self.updates: list[Update] = []
        self.updates_by_id: dict[str, dict[date, Update]] = {}
        self.conflicting: set[tuple[str, date]] = set()
        self.ids: Memo[IdCheck] = Memo(self._check_id)
        self.statuses: Memo[StatusCheck] = Memo(
            Explained(check_status), _SMALL_MEMO_SIZE
        )
        self.values: Memo[ValueCheck] = Memo(check_value)
        self.dates: Memo[DateCheck] = Memo(Explained(check_date), _SMALL_MEMO_SIZE)
        self.own_ids: dict[str, str] | None = None  # lower case -> as mapped
        self.suggestions_made = 0
        self.file_findings: list[Finding] = []
        self.kinds: dict[str, _Kind] = {}
        self.day_first_line: int | None = None
        self.ambiguous_dates: list[_AmbiguousDate] = []
        self.ambiguous_count = 0
        self.too_many_rows = False

    def run(self, rows: Iterator[Sequence[str]], first_line: int) -> None:
        """Check every row; a row with nothing to say costs four dict lookups."""
        with paused_garbage_collector():
            self._run(rows, first_line)

    def _run(self, rows: Iterator[Sequence[str]], first_line: int) -> None:
        first_data_line, rows = self._skip_header(rows, first_line)
        # Bound once: this loop runs for every row of the file.
        ids, statuses, values, dates = self.ids, self.statuses, self.values, self.dates
        keep, note_row = self.updates.append, self._note_row
        allowed_rows = itertools.islice(rows, self.max_rows)
        for line, row in enumerate(allowed_rows, first_data_line):
            try:
                raw_id, raw_status, raw_value, raw_date = row
            except ValueError:  # not four cells
                four_cells = self._four_cells(line, row)
                if four_cells is None:
                    continue
                raw_id, raw_status, raw_value, raw_date = row = four_cells
            item = ids[raw_id]
            status = statuses[raw_status]
            value = values[raw_value]
            as_of = dates[raw_date]
            if (
                item.note
                or status.note
                or value.note
                or as_of.note
                or as_of.ambiguous
                or (item.needs_value and value.value is None)
            ) and not note_row(line, row, item, status, value, as_of):
                continue
            # _make: namedtuple's documented maker from a sequence, without the
            # keyword handling of Update(...), which a 100,000-row file notices.
            update = Update._make(
                (item.external_id, status.status, value.value, as_of.date, line)
            )
            first = item.updates_by_date.setdefault(as_of.date, update)
            if first is update:
                keep(update)
            else:
                self._repeated(first, update)
        if next(rows, None) is not None:
            self.too_many_rows = True
            self.add(None, None, note("file.too_many_rows", limit=self.max_rows))

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

    def result(self, encoding: str | None, delimiter: str) -> Result:
        """Finish the file-level checks and return what was found."""
        if self.day_first_line is not None:
            for ambiguous in self.ambiguous_dates:
                as_of = ambiguous.as_of
                warning = note(
                    "date.ambiguous",
                    written=ambiguous.written,
                    long_date=f"{as_of:%B} {as_of.day}, {as_of.year}",
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
        return Result(updates, findings, encoding, delimiter, error_count)

    def _list_findings(self) -> list[Finding]:
        """The findings listed of each kind in row order, then one summary of the
        rest of each kind."""
        listed = [
            Finding.of(line, column, note, value)
            for kind in self.kinds.values()
            for line, column, note, value in kind.listed
        ]
        listed.sort(key=Finding.sort_key)
        summaries = []
        for code, kind in self.kinds.items():
            more = kind.count - len(kind.listed)
            if more <= 0:
                continue
            last = Finding.of(*kind.last)
            rows = "row" if more == 1 else "rows"
            summary = (
                f"... and {more:,} more {rows} like this, the last one: {last.message}"
            )
            summaries.append(Finding(None, last.column, kind.severity, summary, code))
        return self.file_findings + listed + summaries

    def _note_row(
        self,
        line: int,
        row: Sequence[str],
        item: IdCheck,
        status: StatusCheck,
        value: ValueCheck,
        as_of: DateCheck,
    ) -> bool:
        """Record the notes of a row that has any; return True if it is still valid."""
        # An invalid cell leaves its normalized form empty (or None).
        if not (item.external_id and status.status and as_of.date) or (
            value.value is None and (value.note or item.needs_value)
        ):
            self._report_invalid_row(line, row, item, status, value, as_of)
            return False
        # Not _add_cell_notes: a call fewer on the rows that need a fix.
        add = self.add
        if item.note is not None:
            add(line, COLUMN_ID, item.note, row[0])
        if status.note is not None:
            add(line, COLUMN_STATUS, status.note, row[1])
        if value.note is not None:
            add(line, COLUMN_VALUE, value.note, row[2])
        if as_of.note is not None:
            add(line, COLUMN_DATE, as_of.note, row[3])
        if as_of.ambiguous and as_of.date is not None:
            # Only worth a word if the file turns out to write day-first dates.
            self.ambiguous_count += 1
            if len(self.ambiguous_dates) < NOTES_PER_KIND:
                self.ambiguous_dates.append(
                    _AmbiguousDate(line, row[3].strip(), as_of.date)
                )
        return True

    def _add_cell_notes(
        self,
        line: int,
        row: Sequence[str],
        item: IdCheck,
        status: StatusCheck,
        value: ValueCheck,
        as_of: DateCheck,
    ) -> None:
        if item.note is not None:
            self.add(line, COLUMN_ID, item.note, row[0])
        if status.note is not None:
            self.add(line, COLUMN_STATUS, status.note, row[1])
        if value.note is not None:
            self.add(line, COLUMN_VALUE, value.note, row[2])
        if as_of.note is not None:
            self.add(line, COLUMN_DATE, as_of.note, row[3])

    def _skip_header(
        self, rows: Iterator[Sequence[str]], first_line: int
    ) -> tuple[int, Iterator[Sequence[str]]]:
        """Consume leading blank rows and a header row; return the line number of
        the first row left and the rows from it on."""
        for line, row in enumerate(rows, first_line):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                self.add(line, None, note("row.blank"))
                continue
            first_cell = cells[0].lstrip("\ufeff").lower()
            if first_cell.startswith(_GARBLED_BOM):
                # A UTF-8 byte order mark that a program decoded as Windows-1252
                # and wrote out again (LibreOffice does this by default).
                self.add(line, COLUMN_ID, note("header.garbled_bom"))
                first_cell = first_cell.removeprefix(_GARBLED_BOM)
            if first_cell == "external id":
                self._check_header(line, cells)
            elif "external" in first_cell:
                not_header = note("header.first_cell", cell=shorten(cells[0]))
                self.add(line, COLUMN_ID, not_header)
            elif sum(cell.lower() in _HEADERISH for cell in cells[1:4]) >= 2:
                unmarked = note("header.unmarked", cell=shorten(cells[0]))
                self.add(line, COLUMN_ID, unmarked)
            else:
                return line, itertools.chain((row,), rows)
            return line + 1, rows
        return first_line, rows

    def _check_header(self, line: int, cells: list[str]) -> None:
        width = row_width(cells)
        if width != 4:
            found = ", ".join(repr(shorten(cell)) for cell in cells[:width])
            self.add(
                line,
                None,
                note("header.columns", count=width, found=found, header=HEADER_LIST),
            )
            return
        for index in (1, 2, 3):
            written = cells[index]
            if written.lower() == _HEADER_LOWER[index]:
                continue
            code = "header.order" if written.lower() in _HEADER_LOWER else "header.name"
            column = HEADER[index]
            misplaced = note(
                code,
                position=index + 1,
                cell=shorten(written),
                column=column,
                header=HEADER_LIST,
            )
            self.add(line, column, misplaced)

    def _four_cells(self, line: int, row: Sequence[str]) -> Sequence[str] | None:
        """Return the row as four cells, or None once it is reported as unusable."""
        width = row_width(row)
        if width == 0:
            self.add(line, None, note("row.blank"))
            return None
        if width <= 4 < len(row):
            self.add(line, None, note("row.extra_cells", count=len(row) - 4))
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
        found = ", ".join(repr(shorten(cell)) for cell in row[: min(width, 6)])
        wrong_width = note(
            "row.columns",
            count=width,
            cells="cell" if width == 1 else "cells",
            found=found + (", ..." if width > 6 else ""),
            header=HEADER_LIST,
            hint=hint,
        )
        self.add(line, None, wrong_width)
        return None

    def _report_invalid_row(
        self,
        line: int,
        row: Sequence[str],
        item: IdCheck,
        status: StatusCheck,
        value: ValueCheck,
        as_of: DateCheck,
    ) -> None:
        """Report why a row is not sent: it is not an update, or has errors."""
        raw_id, raw_status, raw_value, raw_date = row
        written_id = raw_id.strip()
        if not (raw_status.strip() or raw_value.strip() or raw_date.strip()):
            if written_id:
                self.add(line, None, note("row.id_only", id=shorten(written_id)))
            else:
                self.add(line, None, note("row.blank"))
            return
        if written_id.lower() == "external id":
            self.add(line, None, note("row.repeated_header"))
            return
        self._add_cell_notes(line, row, item, status, value, as_of)
        if as_of.note is not None and as_of.note.code == "date.day_first":
            self.day_first_line = self.day_first_line or line
        if item.needs_value and value.value is None and value.note is None:
            missing = note("value.missing", id=written_id)
            self.add(line, COLUMN_VALUE, missing, raw_value)

    def _repeated(self, first: Update, update: Update) -> None:
        """Merge an identical repeat of an update; report a conflicting one."""
        if first.status == update.status and first.value == update.value:
            self.add(update.line, None, note("row.duplicate", first=first.line))
            return
        self.conflicting.add((update.external_id, update.as_of_date))
        conflict = note(
            "row.conflict",
            first=first.line,
            line=update.line,
            id=update.external_id,
            date=update.as_of_date.isoformat(),
        )
        self.add(update.line, COLUMN_ID, conflict, update.external_id)

    def _check_id(self, raw_id: str) -> IdCheck:
        external_id = raw_id.strip()
        problem = id_problem(external_id)
        needs_value = False
        if problem is None and self.plan_items is not None:
            problem, needs_value = self._check_mapping(external_id)
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
        """Check the team's mapping. Another team's item reads exactly as an ID
        nobody has: same message, and never named or hinted."""
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
        return None, rule.has_metric
