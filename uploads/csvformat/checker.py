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

import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from uploads.csvformat.batch import Batch, BatchChecks
from uploads.csvformat.cells import (
    NO_COMMENT,
    CommentCheck,
    DateCheck,
    StatusCheck,
    ValueCheck,
    cell_text,
    check_comment,
    check_date,
    check_number,
    check_status,
    check_value,
    closest_by_lower,
    id_problem,
)
from uploads.csvformat.columns import ColumnMap, column_letter, header_key, positional
from uploads.csvformat.layout import RowLayout
from uploads.csvformat.memo import (
    SMALL_MEMO_SIZE,
    CommentMemo,
    Explained,
    IdCheck,
    IdMemo,
    Memo,
    ValueMemo,
    paused_garbage_collector,
    with_status_words,
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

# Suggesting one of thousands of IDs is slow; past this many unknown IDs, skip it.
_SUGGESTED_IDS = 50
_ID_KEY = header_key(COLUMN_ID)


@dataclass(slots=True)
class _Kind:
    """The findings of one code: how many, the first rows (ERRORS_PER_KIND of an
    error, NOTES_PER_KIND otherwise) and the last one."""

    severity: Severity
    # The row it was first found on: kinds are listed in that order (a batch of
    # rows finds them in another, ``batch``).
    first_line: int
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


class RowChecker(RowLayout, BatchChecks):
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
        # The ID memo refers to the checker weakly: in a cycle, the checker and
        # every update it keeps would wait for the collector to be freed.
        checker = weakref.proxy(self)
        self.ids: Memo[IdCheck] = IdMemo(
            lambda raw_id: checker._check_id(raw_id), checker
        )
        self.statuses: Memo[StatusCheck] = Memo(
            with_status_words(status_words, Explained(check_status, ERRORS_PER_KIND)),
            SMALL_MEMO_SIZE,
        )
        self.values: Memo[ValueCheck] = ValueMemo(check_value, typed=check_number)
        self.dates: Memo[DateCheck] = Memo(
            Explained(check_date, ERRORS_PER_KIND), SMALL_MEMO_SIZE
        )
        self.comments: Memo[CommentCheck] = CommentMemo(check_comment, SMALL_MEMO_SIZE)
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
        last_line = first_data_line + self.max_rows - 1
        start = first_data_line
        # Rows are numbered by enumerate, which a batch of rows (counted as one
        # item) restarts past its last row: no count of its own on every row.
        while start <= last_line:
            allowed = itertools.islice(rows, last_line - start + 1)
            for line, row in enumerate(allowed, start):
                if len(row) != width:
                    if row.__class__ is Batch:
                        count = min(row.count, last_line - line + 1)  # type: ignore[attr-defined]
                        self._check_batch(line, row, count)  # type: ignore[arg-type]
                        if count < row.count:  # type: ignore[attr-defined]
                            self._too_many_rows()
                            return
                        start = line + count
                        break
                    row = fit(line, row)
                    if row is None:
                        continue
                    # A file without a header may go on in rows of five cells.
                    width, pick, comment_at = self._reading()
                raw_id, raw_status, raw_value, raw_date = (
                    row if pick is None else pick(row)
                )
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
            else:
                break  # no rows left, or as many as may be
        if next(rows, None) is not None:
            self._too_many_rows()

    def _too_many_rows(self) -> None:
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
            kind = self.kinds[note.code] = _Kind(note.severity, line)
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
        kinds = sorted(
            self.kinds.items(), key=lambda code_kind: code_kind[1].first_line
        )
        listed = [
            make(line, column, note, value, place)
            for _code, kind in kinds
            for line, column, note, value in kind.listed
        ]
        listed.sort(key=Finding.sort_key)
        summaries = []
        for code, kind in kinds:
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
        Comment as written (a workbook's number or date cells made text here)."""
        cells = tuple(map(cell_text, cells))  # type: ignore[assignment]
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
        return closest_by_lower(external_id, self.own_ids, cutoff=0.8)

    def _check_mapping(self, external_id: str) -> tuple[Note | None, bool]:
        """Check the team's mapping; return the note and whether the item has a
        metric. Another team's item reads exactly as an ID nobody has: same
        message, and never named or hinted."""
        assert self.plan_items is not None
        rule = self.plan_items.get(external_id)
        if (
            rule is not None
            and rule.own
            and rule.active
            and (rule.has_metric or not self.is_metric)
        ):
            return None, rule.has_metric
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
