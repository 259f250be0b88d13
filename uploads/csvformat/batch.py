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
import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

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
# An update's (External ID, As Of Date).
_KEY = operator.itemgetter(0, 3)


class Batch:
    """``count`` rows of a sheet, as ``columns`` (one tuple of cells per column).

    It has no cells of its own (its length is 0), so the row loop, which fits
    every row not as wide as the file's, looks at it where it looks at those."""

    __slots__ = ("columns", "count")

    def __init__(self, columns: Sequence[tuple[object, ...]], count: int) -> None:
        self.columns = columns
        self.count = count

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
    first_updates: dict[tuple[str, Any], Update]
    _note_row: Callable[..., bool]
    _repeated: Callable[[Update, Update], None]

    def _check_batch(self, first_line: int, batch: Batch, count: int) -> None:
        """Check the first ``count`` rows of ``batch``, the first on ``first_line``,
        as the row loop would (see the module docstring)."""
        cells = batch.columns
        if count < batch.count:
            cells = [column[:count] for column in cells]
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
        lines = range(first_line, first_line + count)
        dropped: set[int] = set()
        noted = _noted(items, statuses, values, dates, comments)
        for index in noted:
            if not self._note_row(
                first_line + index,
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
        if dropped:
            made = [update for index, update in enumerate(made) if index not in dropped]
        self._keep(made)

    def _keep(self, made: list[Update]) -> None:
        """Keep updates made in row order, and say which repeat an earlier one."""
        keys = list(map(_KEY, made))
        first_updates = self.first_updates
        fresh = dict(zip(keys, made, strict=True))
        if len(fresh) == len(made) and first_updates.keys().isdisjoint(fresh):
            first_updates.update(fresh)
            self.updates.extend(made)
            return
        keep = self.updates.append
        for key, update in zip(keys, made, strict=True):
            first = first_updates.setdefault(key, update)
            if first is update:
                keep(update)
            else:
                self._repeated(first, update)


def _noted(
    items: Sequence[Any],
    statuses: Sequence[Any],
    values: Sequence[Any],
    dates: Sequence[Any],
    comments: Sequence[Any],
) -> list[int]:
    """The rows (from 0) the row loop would give to ``_note_row``: a check with a
    note, an ambiguous date, or no value where the item needs one."""
    found: set[int] = set()
    count = len(items)
    for checks in (items, statuses, values, dates, comments):
        if any(map(_NOTE, checks)):
            found.update(itertools.compress(range(count), map(_NOTE, checks)))
    if any(map(_AMBIGUOUS, dates)):
        found.update(itertools.compress(range(count), map(_AMBIGUOUS, dates)))
    if any(map(_IS_NONE, map(_VALUE, values))):
        without = itertools.compress(range(count), map(_IS_NONE, map(_VALUE, values)))
        found.update(index for index in without if items[index].needs_value)
    return sorted(found)


def split_runs(
    chunk: Sequence[Sequence[object]],
    first_line: int,
    *,
    width: int,
    cut: int,
    filled: Iterable[int],
    error_lines: Sequence[int],
    error_literals: frozenset[str],
) -> Iterator[tuple[int, int, Sequence[tuple[object, ...]] | None]]:
    """Split ``chunk``, rows of a sheet from ``first_line`` on, into pieces in
    order: ``(start, end, columns)`` for a run of rows a batch can take (exactly
    ``width`` cells, the ``filled`` columns not blank, no error cell, no line of
    the sorted ``error_lines``; ``columns`` their first ``cut`` cells), and
    ``(index, index + 1, None)`` for each row that must be read on its own."""
    count = len(chunk)
    single: set[int] = set()
    if set(map(len, chunk)) != {width}:
        single.update(index for index, row in enumerate(chunk) if len(row) != width)
    at = bisect.bisect_left(error_lines, first_line)
    while at < len(error_lines) and error_lines[at] < first_line + count:
        single.add(error_lines[at] - first_line)
        at += 1
    start = 0
    for stop in [*sorted(single), count]:
        if stop > start:
            yield from _runs_of(chunk, start, stop, cut, filled, error_literals)
        if stop < count:
            yield stop, stop + 1, None
        start = stop + 1


def _runs_of(
    chunk: Sequence[Sequence[object]],
    start: int,
    stop: int,
    cut: int,
    filled: Iterable[int],
    error_literals: frozenset[str],
) -> Iterator[tuple[int, int, Sequence[tuple[object, ...]] | None]]:
    """``split_runs`` for rows ``start:stop`` of ``chunk``, all as wide."""
    columns = list(zip(*chunk[start:stop], strict=True))[:cut]
    single: set[int] = set()
    rows = range(stop - start)
    for index in filled:
        column = columns[index]
        blanks = _blanks(set(column))
        if blanks:
            single.update(itertools.compress(rows, map(blanks.__contains__, column)))
    for column in columns:
        errors = error_literals.intersection(column)
        if errors:
            single.update(itertools.compress(rows, map(errors.__contains__, column)))
    if not single:
        yield start, stop, columns
        return
    run_start = 0
    for at in [*sorted(single), stop - start]:
        if at > run_start:
            run = [column[run_start:at] for column in columns]
            yield start + run_start, start + at, run
        if at < stop - start:
            yield start + at, start + at + 1, None
        run_start = at + 1


def _blanks(cells: set[object]) -> set[object]:
    """The blank ones of distinct cells: told in C when none is (text cells all
    filled, the usual column)."""
    try:
        if all(map(str.strip, cells)):  # type: ignore[arg-type]
            return set()
    except TypeError:  # not all text (a number, a date, None)
        pass
    return {cell for cell in cells if _blank(cell)}


def _blank(cell: object) -> bool:
    return cell is None or (cell.__class__ is str and not cell.strip())  # type: ignore[attr-defined]
