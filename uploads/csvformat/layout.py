"""How a file's rows are laid out: the header row, and rows of another width.

``RowLayout`` is the part of ``checker.RowChecker`` that reads the start of a file
(leading blank rows, a header row and what is wrong with it, or no header) into the
``ColumnMap`` its rows are read by, and makes a row that is not as wide as the
file's rows one that is, or reports it. It works on the checker's own state (the
attributes declared below), which ``RowChecker`` sets up.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence

from uploads.csvformat.cells import DateCheck, StatusCheck
from uploads.csvformat.columns import (
    ColumnMap,
    column_letter,
    columns_from_header,
    header_key,
    looks_like_header,
    positional,
    row_width,
)
from uploads.csvformat.memo import NO_STATUS, SMALL_MEMO_SIZE, Memo
from uploads.csvformat.messages import (
    COLUMN_COMMENT,
    COLUMN_ID,
    METRIC,
    PROGRESS,
    note,
    shorten,
)

_GARBLED_BOM = "\ufeff".encode().decode("cp1252")  # 'ï»¿'
# A row that is not to be checked (a JSON record already reported as unusable).
SKIP: tuple[str, ...] = ()
_ROWS_READ = {
    PROGRESS: "four or five cells: External ID, Status, Current Value, As Of Date"
    " and an optional Comment",
    METRIC: "three or four cells: External ID, Current Metric Value, As Of Date and"
    " an optional Comment",
}
_ID_KEY = header_key(COLUMN_ID)


class RowLayout:
    """The header and row-width handling of ``RowChecker`` (its base class)."""

    # Set up by RowChecker.__init__.
    columns: ColumnMap
    given_columns: ColumnMap | None
    header_cells: list[str]
    is_positional: bool
    is_metric: bool
    row_word: str
    statuses: Memo[StatusCheck]
    dates: Memo[DateCheck]
    add: Callable[..., None]

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
            self.statuses = Memo(lambda raw_status: NO_STATUS, SMALL_MEMO_SIZE)

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
