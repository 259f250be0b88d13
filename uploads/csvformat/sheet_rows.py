"""A worksheet's rows as the checker takes them (``SheetRows``), and what a
workbook's cells may hold that no CSV cell does (error literals, the template's
reference columns).

Up to the header, and wherever a row needs it, a row is made text and fitted cell
by cell (``SheetRows._careful``); past it, most rows go over in batches
(``batch.Batch``) of cells as python-calamine made them.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator, Sequence

import python_calamine

from uploads.csvformat.batch import Batch, Piece, split_runs
from uploads.csvformat.cells import cell_text
from uploads.csvformat.checker import RowChecker
from uploads.csvformat.columns import header_key, looks_like_header, row_width
from uploads.csvformat.layout import SKIP
from uploads.csvformat.messages import note

# The template's columns that are there for reading, never sent.
IGNORED_COLUMNS: tuple[str, ...] = ("Name", "Last status sent", "Last value sent")
_IGNORED_KEYS = frozenset(header_key(name) for name in IGNORED_COLUMNS)
ERROR_LITERALS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "Err:502",
        "Err:504",
        "Err:508",
        "Err:522",
    }
)


def _cached_text(size: int = 10_000) -> Callable[[object], str]:
    """``cell_text`` remembering the text of date cells, which repeat on most
    rows of a file (one As Of Date per week); bounded like the checker's memo."""
    dates: dict[object, str] = {}
    date_kinds = (datetime.datetime, datetime.date)

    def text(cell: object) -> str:
        if type(cell) not in date_kinds:
            return cell_text(cell)
        found = dates.get(cell)
        if found is None:
            if len(dates) >= size:
                dates.clear()
            found = dates[cell] = cell_text(cell)
        return found

    return text


class SheetRows:
    """The rows of a worksheet as text cells for the checker: empty trailing rows
    and columns dropped, error cells reported, template rows left blank counted."""

    def __init__(
        self,
        worksheet: python_calamine.CalamineSheet,
        checker: RowChecker,
        errors: dict[tuple[int, int], str],
        start_row: int,
        start_column: int,
    ) -> None:
        self.worksheet = worksheet
        self.checker = checker
        self.errors = errors
        self.start_row = start_row
        self.start_column = start_column
        self.left_blank = 0
        self.text = _cached_text()
        self.blank_run: list[Sequence[object]] = []
        self.header_seen = self.quick = False
        # Set from the header: its width, and (_read_by_columns) the cells read.
        self.width = self.sheet_width = self.columns_read = 0
        self.read: list[int] = []
        self.others: list[int] = []
        self.id_at = self.first_other = 0

    def rows(self) -> Iterator[Sequence[object]]:
        """The rows for the checker. Up to the header and wherever the quick way
        cannot be taken, a row is made text and fitted cell by cell (``_careful``).
        Past the header, most rows go over in batches (``batch.Batch``) of cells
        as python-calamine made them (number and date cells as they are: the
        checker's memos take them), once it is plain that the careful way would
        change nothing: as wide as the sheet, with an External ID and some other
        cell filled, no error cell (``batch.split_runs`` finds them)."""
        source = iter(self.worksheet.iter_rows())
        line = self.start_row
        for cells in source:
            line += 1
            yield from self._careful(cells, line)
            if self.header_seen:
                self._read_by_columns(len(cells))  # the checker has read the header
                break
        if not self.quick:
            for cells in source:
                line += 1
                yield from self._careful(cells, line)
            return
        error_lines = sorted({row_index + 1 for row_index, _ in self.errors})
        blank = note("row.blank", row=self.checker.row_word)
        while chunk := list(itertools.islice(source, self.CHUNK)):
            pieces = split_runs(
                chunk,
                line + 1,
                width=self.sheet_width,
                cut=self.columns_read,
                id_at=self.id_at,
                others=self.others,
                error_lines=error_lines,
                error_literals=ERROR_LITERALS,
                skip_error=lambda index, chunk=chunk, first=line + 1: self._skip_error(
                    chunk[index], first + index
                ),
            )
            for piece in pieces:
                if piece.columns is None:
                    yield from self._careful(chunk[piece.start], line + 1 + piece.start)
                    continue
                if self.blank_run:
                    yield from self.blank_run  # blank rows inside the sheet
                    self.blank_run = []
                if piece.end - piece.start < self.SHORTEST_BATCH:
                    yield from self._one_by_one(chunk, piece, line)
                    continue
                self.left_blank += piece.left_blank
                for index in piece.blank:
                    self.checker.add(line + 1 + piece.start + index, None, blank)
                yield Batch(piece.columns, piece.end - piece.start, piece.skipped)
            line += len(chunk)
        # Trailing blank rows are dropped: they are the sheet's formatting.

    # Rows taken from the sheet at a time, the quick way; a run of fewer rows
    # than SHORTEST_BATCH goes over row by row, a batch costing more than it.
    CHUNK = 5_000
    SHORTEST_BATCH = 16
    ignored: frozenset[int] = frozenset()
    # False reads every row the careful way (the tests compare the two ways).
    QUICK = True

    def _one_by_one(
        self, chunk: list[Sequence[object]], piece: Piece, line: int
    ) -> Iterator[Sequence[object]]:
        """The rows of a run too short for a batch: as a batch would take them,
        their cells as they are, but the rows it would skip the careful way (and
        those with errors, already reported, not at all)."""
        width = self.columns_read
        for index in range(piece.start, piece.end):
            cells = chunk[index]
            at = index - piece.start
            if at in piece.skipped and at not in piece.errors:
                yield from self._careful(cells, line + 1 + index)
                continue
            if self.blank_run:
                yield from self.blank_run
                self.blank_run = []
            if at in piece.errors:
                yield SKIP
            else:
                yield cells if width == len(cells) else cells[:width]

    def _skip_error(self, cells: Sequence[object], line: int) -> bool:
        """For a row with an error cell: report its errors in columns read and
        return True, as ``_careful`` does (False if it has none there)."""
        row = self._text_row(cells, line)[: self.width]
        return not ERROR_LITERALS.isdisjoint(row) and self._report_errors(
            line, row, self.read
        )

    def _text_row(self, cells: Sequence[object], line: int) -> list[str]:
        """A row's cells as text, its error cells as their errors' text."""
        row = [cell if type(cell) is str else self.text(cell) for cell in cells]
        errors = self.errors
        if errors:
            for column_index in range(len(row)):
                error = errors.get((line - 1, column_index + self.start_column))
                if error is not None:
                    row[column_index] = error
        return row

    def _read_by_columns(self, sheet_width: int) -> None:
        """Once the checker has read the header: which cells the rows are read
        from, and whether the quick way can be taken. Only for rows exactly as
        wide as the checker reads them, fitted by a slice when the cells past the
        header are the template's reference columns: a row it must fit first (a
        sheet without a header, whose rows may go on in four cells or five; a
        mapping of another width) is fitted from text, as ``_careful`` does."""
        columns = self.checker.columns
        width = self.width
        self.read = sorted(columns.named().values())
        self.id_at = columns.external_id or 0
        self.others = [index for index in self.read if index != self.id_at]
        self.first_other = self.others[0] if self.others else 0
        self.sheet_width = sheet_width
        quick = (
            self.QUICK
            and bool(self.others)
            and self.others[-1] < width <= sheet_width
            and not self.checker.is_positional
        )
        if width < sheet_width:
            quick = quick and self.ignored.issuperset(range(width, sheet_width))
        self.columns_read = width
        self.quick = quick and width == columns.width

    def _careful(self, cells: Sequence[object], line: int) -> list[Sequence[object]]:
        """What a row of the sheet gives the checker, read the careful way: its
        cells as text, error cells reported, fitted to the header's width; a blank
        row is held back until a row that is not follows (``blank_run``)."""
        row = self._text_row(cells, line)
        used = row_width(row)
        if not used:
            self.blank_run.append(row)
            return []
        given: list[Sequence[object]] = []
        if self.blank_run:
            given, self.blank_run = self.blank_run, []  # the checker says
        width = self.width
        if not self.header_seen:
            self.header_seen = True
            row = self._header(row)
            self.width = row_width(row) if self.ignored else used
            given.append(row[: self.width])
            return given
        if len(row) > width:
            if used <= width or all(
                index in self.ignored or not row[index].strip()
                for index in range(width, used)
            ):
                row = row[:width]
            else:
                row = row[:used]
        elif len(row) < width:
            row.extend([""] * (width - len(row)))
        if not ERROR_LITERALS.isdisjoint(row) and self._report_errors(
            line, row, self.read
        ):
            given.append(SKIP)
            return given
        if row[self.id_at].strip():
            # A loop that stops at the first filled cell (the Status, mostly):
            # any() over a generator costs a frame per row.
            for index in self.others:
                if index < len(row) and row[index].strip():
                    break
            else:
                self.left_blank += 1
                given.append(SKIP)
                return given
        given.append(row)
        return given

    def _header(self, row: list[str]) -> list[str]:
        """The header row with the template's reference columns blanked, so the
        checker neither reads them nor calls them unknown."""
        if self.checker.given_columns is not None:
            return row
        if not looks_like_header(row):
            return row
        ignored = {
            index for index, cell in enumerate(row) if header_key(cell) in _IGNORED_KEYS
        }
        if not ignored:
            return row
        self.ignored = frozenset(ignored)
        return ["" if index in ignored else cell for index, cell in enumerate(row)]

    def _report_errors(self, line: int, row: list[str], read: list[int]) -> bool:
        """Report the error cells of a row in columns the portal reads; True if any."""
        named = {index: name for name, index in self.checker.columns.named().items()}
        found = False
        for index in read:
            if index < len(row) and row[index] in ERROR_LITERALS:
                error_note = note("cell.error", error=row[index])
                self.checker.add(line, named[index], error_note, row[index])
                found = True
        return found


def reporting(
    rows: Iterator[Sequence[object]], progress: Callable[[int], None], every: int
) -> Iterator[Sequence[object]]:
    """``rows``, calling ``progress`` with the count of rows read every ``every``
    rows (a batch counts as its rows)."""
    count, due = 0, every
    for row in rows:
        count += row.count if row.__class__ is Batch else 1  # type: ignore[attr-defined]
        if count >= due:
            progress(count)
            due = (count // every + 1) * every
        yield row
