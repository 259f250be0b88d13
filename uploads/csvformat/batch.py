"""Rows checked many at a time: most of a workbook's rows, as columns.

A 100,000-row workbook spends most of its checking in the row loop: a Python
loop pays for every row's lookups, tests and tuple one bytecode at a time. Yet
most rows of a real file say nothing, and a column of cells can be looked up,
tested and turned into updates by the interpreter's own loops (``map``, ``zip``,
``compress``, ``dict``), which do the same work in C.

So the workbook reader (``spreadsheet``) hands the checker a ``Batch``: a run of
rows it would have handed over one by one as python-calamine made them (as wide
as the sheet, an External ID and another cell filled, no error cell), as columns.
``BatchChecks._check_batch`` (a part of ``checker.RowChecker``, as
``layout.RowLayout`` is) checks a batch as the row loop checks its rows, with the
same memos, and gives the same updates and findings:

- every cell is checked by its column's memo in row order, so each check (and its
  budget of explanations) sees the cells in the order the row loop would;
- the rows whose checks say something go to ``_note_row`` in row order, the
  others become updates at once;
- the updates are kept in row order, and only when one of them repeats an
  (External ID, As Of Date) already kept are they kept one at a time
  (``_repeated`` says which, in row order).

Findings of one kind are made in row order either way; the checker lists its
kinds by the row each was first found on, so no order of kinds shows which way
a row was read.

``split_runs`` is the reader's half: which rows of a piece of the sheet can go
in a batch, found column by column.
"""

from __future__ import annotations

import bisect
import collections
import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from uploads.csvformat.cells import NO_COMMENT, CommentCheck
from uploads.csvformat.records import Update

_NOTE = operator.attrgetter("note")
_AMBIGUOUS = operator.attrgetter("ambiguous")
_EXTERNAL_ID = operator.attrgetter("external_id")
_STATUS = operator.attrgetter("status")
_VALUE = operator.attrgetter("value")
_DATE = operator.attrgetter("date")
_COMMENT = operator.attrgetter("comment")
_IS_NONE = functools.partial(operator.is_, None)
# An update's As Of Date.
_AS_OF_DATE = operator.itemgetter(3)
_UPDATES_BY_DATE = operator.attrgetter("updates_by_date")


class Batch:
    """``count`` rows of a sheet, as ``columns`` (one tuple of cells per column).

    It has no cells of its own (its length is 0), so the row loop, which fits
    every row not as wide as the file's, looks at it where it looks at those."""

    __slots__ = ("columns", "count", "skipped")

    def __init__(
        self,
        columns: Sequence[tuple[object, ...]],
        count: int,
        skipped: frozenset[int] = frozenset(),
    ) -> None:
        self.columns = columns
        self.count = count
        self.skipped = skipped  # rows (from 0) that are no update

    def __len__(self) -> int:
        return 0


class BatchChecks:
    """The batch half of ``RowChecker`` (its base class), on the checker's state."""

    # Set up by RowChecker.__init__.
    columns: Any
    ids: Any
    statuses: Any
    values: Any
    dates: Any
    comments: Any
    updates: list[Update]
    _note_row: Callable[..., bool]
    _repeated: Callable[[Update, Update], None]

    def _check_batch(self, first_line: int, batch: Batch, count: int) -> None:
        """Check the first ``count`` rows of ``batch``, the first on ``first_line``,
        as the row loop would (see the module docstring)."""
        cells = batch.columns
        if count < batch.count:
            cells = [column[:count] for column in cells]
        lines: Sequence[int] = range(first_line, first_line + count)
        if batch.skipped:
            kept = _kept(count, batch.skipped)
            cells = [tuple(itertools.compress(column, kept)) for column in cells]
            lines = list(itertools.compress(lines, kept))
            count = len(lines)
        columns = self.columns
        blank = ("",) * count

        def column(index: int | None) -> Sequence[object]:
            return blank if index is None else cells[index]

        raw_ids, raw_statuses = column(columns.external_id), column(columns.status)
        raw_values, raw_dates = column(columns.value), column(columns.as_of_date)
        raw_comments = column(columns.comment)
        items = self.ids.take(raw_ids)
        statuses = self.statuses.take(raw_statuses)
        values = self.values.take(raw_values)
        dates = self.dates.take(raw_dates)
        comments: Sequence[CommentCheck]
        if columns.comment is None:
            comments = (NO_COMMENT,) * count
        else:
            comments = self.comments.take(raw_comments)
        dropped: set[int] = set()
        for index in self._noted(items, statuses, values, dates, comments):
            if not self._note_row(
                lines[index],
                (
                    raw_ids[index],
                    raw_statuses[index],
                    raw_values[index],
                    raw_dates[index],
                    raw_comments[index],
                ),
                items[index],
                statuses[index],
                values[index],
                dates[index],
                comments[index],
            ):
                dropped.add(index)
        made = list(
            map(
                tuple.__new__,
                itertools.repeat(Update),
                zip(
                    map(_EXTERNAL_ID, items),
                    map(_STATUS, statuses),
                    map(_VALUE, values),
                    map(_DATE, dates),
                    lines,
                    map(_COMMENT, comments),
                    strict=True,
                ),
            )
        )
        stores = list(map(_UPDATES_BY_DATE, items))
        if dropped:
            kept = _kept(count, dropped)
            made = list(itertools.compress(made, kept))
            stores = list(itertools.compress(stores, kept))
        self._keep(made, stores)

    def _noted(
        self,
        items: Sequence[Any],
        statuses: Sequence[Any],
        values: Sequence[Any],
        dates: Sequence[Any],
        comments: Sequence[Any],
    ) -> list[int]:
        """The rows (from 0) the row loop would give to ``_note_row``: a check
        with a note, an ambiguous date, or no value where the item needs one.
        Only the columns whose memo has made a check that says something
        (``memo.says_something``) are looked at: the others have none."""
        found: set[int] = set()
        count = len(items)
        for memo, checks in (
            (self.ids, items),
            (self.statuses, statuses),
            (self.values, values),
            (self.dates, dates),
            (self.comments, comments),  # never used without a Comment column
        ):
            if memo.noted and any(map(_NOTE, checks)):
                found.update(itertools.compress(range(count), map(_NOTE, checks)))
        if self.dates.noted and any(map(_AMBIGUOUS, dates)):
            found.update(itertools.compress(range(count), map(_AMBIGUOUS, dates)))
        if self.values.noted and any(map(_IS_NONE, map(_VALUE, values))):
            without = itertools.compress(
                range(count), map(_IS_NONE, map(_VALUE, values))
            )
            found.update(index for index in without if items[index].needs_value)
        return sorted(found)

    def _keep(self, made: list[Update], stores: list[dict[Any, Update]]) -> None:
        """Keep updates made in row order, each in its ID's store by date, and say
        which repeat an earlier one."""
        dates = list(map(_AS_OF_DATE, made))
        if not any(map(operator.contains, stores, dates)):
            collections.deque(map(operator.setitem, stores, dates, made), maxlen=0)
            # Where two updates of the batch repeat each other, the later took
            # the earlier's place: then they are taken out again, and kept one
            # at a time.
            if all(map(operator.is_, map(dict.__getitem__, stores, dates), made)):
                self.updates.extend(made)
                return
            collections.deque(
                map(dict.pop, stores, dates, itertools.repeat(None)), maxlen=0
            )
        keep = self.updates.append
        for store, as_of, update in zip(stores, dates, made, strict=True):
            first = store.setdefault(as_of, update)
            if first is update:
                keep(update)
            else:
                self._repeated(first, update)


def _kept(count: int, left_out: Iterable[int]) -> list[bool]:
    """Which of ``count`` rows are kept: all but those ``left_out`` (from 0; any
    past the count are not among them)."""
    kept = [True] * count
    for index in left_out:
        if index < count:
            kept[index] = False
    return kept


class Piece(NamedTuple):
    """A piece of a chunk of the sheet's rows (``start:end``): a run a batch takes
    as ``columns``, or one row to read on its own (``columns`` None). In a run,
    ``skipped`` rows (from its start) are no update: ``left_blank`` of them have
    an External ID and nothing else, the ``blank`` ones (reported as blank) are
    empty where the sheet has reference columns past the header, and the
    ``errors`` ones have an error cell in a column read (already reported)."""

    start: int
    end: int
    columns: Sequence[tuple[object, ...]] | None
    skipped: frozenset[int] = frozenset()
    blank: tuple[int, ...] = ()
    left_blank: int = 0
    errors: frozenset[int] = frozenset()  # skipped for their errors, reported


def split_runs(
    chunk: Sequence[Sequence[object]],
    first_line: int,
    *,
    width: int,
    cut: int,
    id_at: int,
    others: Sequence[int],
    error_lines: Sequence[int],
    error_literals: frozenset[str],
    skip_error: Callable[[int], bool],
) -> Iterator[Piece]:
    """Split ``chunk``, rows of a sheet from ``first_line`` on, into pieces in
    order (``Piece``): runs of rows a batch can take (exactly ``width`` cells, not
    blank at the end of the run; ``columns`` their first ``cut`` cells), and each
    other row on its own. ``id_at`` is the External ID's column, ``others`` the
    other columns read. A row with an error cell (a line of the sorted
    ``error_lines``, or an error's text) is skipped in its run when
    ``skip_error(index)`` (which reports its errors) says so, else read on its
    own."""
    count = len(chunk)
    single: set[int] = set()
    if set(map(len, chunk)) != {width}:
        single.update(index for index, row in enumerate(chunk) if len(row) != width)
    with_errors: set[int] = set()
    at = bisect.bisect_left(error_lines, first_line)
    while at < len(error_lines) and error_lines[at] < first_line + count:
        with_errors.add(error_lines[at] - first_line)
        at += 1
    start = 0
    for stop in [*sorted(single), count]:
        if stop > start:
            run = _Run(
                chunk[start:stop],
                cut,
                id_at,
                others,
                error_literals,
                {index - start for index in with_errors if start <= index < stop},
                lambda index, start=start: skip_error(start + index),
            )
            for piece in run.pieces():
                yield piece._replace(start=start + piece.start, end=start + piece.end)
        if stop < count:
            yield Piece(stop, stop + 1, None)
        start = stop + 1


class _Run:
    """``split_runs`` for rows all as wide, looked at column by column."""

    def __init__(
        self,
        rows: Sequence[Sequence[object]],
        cut: int,
        id_at: int,
        others: Sequence[int],
        error_literals: frozenset[str],
        with_errors: set[int],
        skip_error: Callable[[int], bool],
    ) -> None:
        self.all_columns = list(zip(*rows, strict=True))
        self.columns = self.all_columns[:cut]
        self.count = len(rows)
        for column in self.columns:
            errors = error_literals.intersection(column)
            if errors:
                with_errors |= self._where(errors, column)
        # A row with an error in a column read is skipped, its errors reported;
        # one with errors elsewhere only is read on its own (as text, they show).
        self.errors = {index for index in sorted(with_errors) if skip_error(index)}
        self.single = with_errors - self.errors
        # Blank where every column read but the ID is (None: none is).
        others_blank = self._blank_in(others)
        id_blank = self._blank_positions(self.columns[id_at])
        self.left_blank = others_blank - id_blank - with_errors
        # Blank in every cell: a blank row, which the careful way holds back
        # until a row follows (blank rows at the end of the sheet are dropped).
        self.blank = (others_blank & id_blank) - with_errors
        if self.blank:
            rest = [
                index
                for index in range(len(self.all_columns))
                if index != id_at and index not in others
            ]
            self.blank &= self._blank_in(rest, self.all_columns)
        # Past the header, the cells of a blank row are not read: the row is
        # reported as blank, not checked (where the sheet is as wide as the
        # header, it is checked, as the careful way does).
        self.wider = len(self.all_columns) > cut

    def pieces(self) -> Iterator[Piece]:
        start = 0
        for stop in [*sorted(self.single), self.count]:
            end = stop
            while end > start and end - 1 in self.blank:
                end -= 1  # blank at the end of the run: read on its own
            if end > start:
                yield self._piece(start, end)
            for index in range(end, min(stop + 1, self.count)):
                yield Piece(index, index + 1, None)
            start = stop + 1

    def _piece(self, start: int, end: int) -> Piece:
        def inside(rows: set[int]) -> list[int]:
            return sorted(index - start for index in rows if start <= index < end)

        left_blank, errors = inside(self.left_blank), inside(self.errors)
        blank = inside(self.blank) if self.wider else []
        columns = (
            self.columns
            if (start, end) == (0, self.count)
            else [column[start:end] for column in self.columns]
        )
        return Piece(
            start,
            end,
            columns,
            frozenset(left_blank + blank + errors),
            tuple(blank),
            len(left_blank),
            frozenset(errors),
        )

    def _blank_in(
        self,
        indices: Sequence[int],
        columns: Sequence[tuple[object, ...]] | None = None,
    ) -> set[int]:
        """The rows blank in every one of the columns at ``indices``."""
        columns = self.columns if columns is None else columns
        found: set[int] | None = None
        for index in indices:
            column = columns[index]
            if found is None:
                found = self._blank_positions(column)
            else:  # only the rows blank so far are looked at
                found = {row for row in found if _blank(column[row])}
            if not found:
                return set()
        return found if found is not None else set(range(self.count))

    def _blank_positions(self, column: tuple[object, ...]) -> set[int]:
        blanks = _blanks(set(column))
        return self._where(blanks, column) if blanks else set()

    def _where(self, cells: set[object], column: tuple[object, ...]) -> set[int]:
        rows = range(self.count)
        return set(itertools.compress(rows, map(cells.__contains__, column)))


_EMPTY = frozenset({"", None})


def _blanks(cells: set[object]) -> set[object]:
    """The blank ones of distinct cells: told in C when no other than an empty
    one is (the usual column: text all filled, or numbers and empty cells)."""
    found = cells & _EMPTY
    rest = cells - found
    try:
        if all(map(str.strip, rest)):  # type: ignore[arg-type]
            return found
    except TypeError:  # not all text (a number, a date)
        if all(map(str.strip, [cell for cell in rest if cell.__class__ is str])):
            return found
    return {cell for cell in cells if _blank(cell)}


def _blank(cell: object) -> bool:
    return cell is None or (cell.__class__ is str and not cell.strip())  # type: ignore[attr-defined]
