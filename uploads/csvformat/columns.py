"""Which cell of a row holds which field: from a header row by name, or by position.

A ``ColumnMap`` says where each field of an update is (External ID, Status, value,
As Of Date, Comment) in a file's rows. ``columns_from_header`` makes one from a
header row, matching the names AchieveIt reads in any order; ``positional`` is the
order of the template, for a file without a header. The checker reads rows through
a ``ColumnMap`` only, so a map chosen some other way (a person matching the columns
of another system's export) can be handed to ``parse(..., columns=...)`` as it is.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import NamedTuple

from uploads.csvformat.cells import closest
from uploads.csvformat.messages import (
    COLUMN_COMMENT,
    COLUMN_DATE,
    COLUMN_ID,
    COLUMN_STATUS,
    COLUMN_VALUE,
    METRIC,
    PROGRESS,
    Note,
    note,
    shorten,
)

# The names the portal reads, as a person writes them; the value column has three
# (AchieveIt's current 'Metric Value' and 'Current Metric Value', and the older
# 'Current Value').
READ_NAMES: tuple[str, ...] = (
    COLUMN_ID,
    COLUMN_STATUS,
    "Metric Value",
    "Current Metric Value",
    "Current Value",
    COLUMN_DATE,
    COLUMN_COMMENT,
)
READ_NAMES_LIST = (
    "External ID, Status, Metric Value (or Current Metric Value, or Current Value),"
    " As Of Date and Comment"
)
# Words that give away a header row even when none of its names is right.
_HEADERISH = frozenset({"value", "date", "comments", "id", "externalid"})


def header_key(cell: str) -> str:
    """A header cell as it is compared: case and spacing do not matter."""
    return "".join(cell.split()).lower().lstrip("\ufeff")


_FIELD_BY_KEY: dict[str, str] = {
    header_key(name): column
    for name, column in (
        (COLUMN_ID, COLUMN_ID),
        (COLUMN_STATUS, COLUMN_STATUS),
        ("Metric Value", COLUMN_VALUE),
        ("Current Metric Value", COLUMN_VALUE),
        ("Current Value", COLUMN_VALUE),
        (COLUMN_DATE, COLUMN_DATE),
        (COLUMN_COMMENT, COLUMN_COMMENT),
    )
}
_NAME_BY_KEY = {header_key(name): name for name in READ_NAMES}
_ID_KEY = header_key(COLUMN_ID)


class ColumnMap(NamedTuple):
    """Where each field of an update is in a row: the index of its cell, or None
    when the file has no such column.

    ``width`` is how many cells a row has; a row one cell short is read with an
    empty last cell when that cell is the Comment. ``header`` says the file's
    first row that is not blank names the columns (and is not an update).
    A map without a Status column reads metric updates.
    """

    external_id: int | None
    status: int | None
    value: int | None
    as_of_date: int | None
    comment: int | None
    width: int
    header: bool = False

    @property
    def kind(self) -> str:
        """``METRIC`` when there is no Status column, else ``PROGRESS``."""
        return METRIC if self.status is None else PROGRESS

    @property
    def readable(self) -> bool:
        """True when rows can be read: the map has an External ID, an As Of Date,
        and a Status or a value."""
        return (
            self.external_id is not None
            and self.as_of_date is not None
            and (self.status is not None or self.value is not None)
        )

    @property
    def last_column(self) -> str:
        """The name of the field in the last cell (for "empty cells after ...")."""
        at_end = {index: name for name, index in self.named().items()}
        return at_end.get(self.width - 1, "the last column")

    def named(self) -> dict[str, int]:
        """The index of each column the map has, by the portal's column name."""
        indices = {
            COLUMN_ID: self.external_id,
            COLUMN_STATUS: self.status,
            COLUMN_VALUE: self.value,
            COLUMN_DATE: self.as_of_date,
            COLUMN_COMMENT: self.comment,
        }
        return {name: index for name, index in indices.items() if index is not None}

    def picker(self) -> Callable[[Sequence[str]], Sequence[str]] | None:
        """A function giving the (External ID, Status, value, As Of Date) cells of
        a row of ``width`` cells, or None when they are its first four cells.

        A missing Status or value column reads as an empty cell.
        """
        indices = (self.external_id, self.status, self.value, self.as_of_date)
        if indices == (0, 1, 2, 3) and self.width == 4:
            return None
        if None not in indices:
            # Made in C: the only cost a row in another order pays.
            return operator.itemgetter(*indices)  # type: ignore[arg-type]
        id_at, status_at, value_at, date_at = indices

        def pick(row: Sequence[str]) -> Sequence[str]:
            return (
                "" if id_at is None else row[id_at],
                "" if status_at is None else row[status_at],
                "" if value_at is None else row[value_at],
                "" if date_at is None else row[date_at],
            )

        return pick


def positional(kind: str = PROGRESS, *, comment: bool = False) -> ColumnMap:
    """The template's order, for rows without a header: External ID, Status,
    Current Value, As Of Date (a metric update has no Status), then the Comment
    when ``comment``."""
    if kind == METRIC:
        return ColumnMap(0, None, 1, 2, 3 if comment else None, 4 if comment else 3)
    return ColumnMap(0, 1, 2, 3, 4 if comment else None, 5 if comment else 4)


def looks_like_header(cells: Sequence[str]) -> bool:
    """True for a row that names columns rather than holding an update: its first
    cell is 'External ID' or mentions 'external' (which no External ID may), or
    two of its cells are column names (an update has a status and a date there)."""
    first = header_key(cells[0]) if cells else ""
    if first == _ID_KEY or "external" in first:
        return True
    named = 0
    for cell in cells:
        key = header_key(cell)
        named += key in _FIELD_BY_KEY or key in _HEADERISH
    return named >= 2


class HeaderProblem(NamedTuple):
    """What is wrong with a header: the column it concerns (a portal column name,
    or None for the header row as a whole) and the note."""

    column: str | None
    note: Note


def columns_from_header(
    cells: Sequence[str],
) -> tuple[ColumnMap, list[HeaderProblem]]:
    """Match a header row's cells to the columns the portal reads, by name.

    Returns the map and what is wrong with the header (nothing for a good one).
    A name the portal does not read is an error naming the close one, if any;
    the map still reads that column as the close one, and a first column holding
    no known name as the External ID, so that the rows' own problems show too.
    """
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    problems: list[HeaderProblem] = []
    found: dict[str, int] = {}
    unknown: list[tuple[int, str, str | None]] = []  # (index, written, close name)
    for index, cell in enumerate(cells[:width]):
        written = cell.strip().lstrip("\ufeff")
        key = header_key(written)
        if not key:
            continue
        column = _FIELD_BY_KEY.get(key)
        if column is None:
            close = closest(key, _NAME_BY_KEY, cutoff=0.6)
            unknown.append((index, written, _NAME_BY_KEY[close] if close else None))
        elif column in found:
            repeated = note(
                "header.repeated",
                position=index + 1,
                cell=shorten(written),
                first=found[column] + 1,
            )
            problems.append(HeaderProblem(None, repeated))
        else:
            found[column] = index
    for index, written, close in unknown:
        if index == 0 and COLUMN_ID not in found:
            # Read as the External IDs: an update's first cell is its ID.
            code = "header.first_cell" if "external" in header_key(written) else ""
            problems.append(
                HeaderProblem(
                    COLUMN_ID, note(code or "header.unmarked", cell=shorten(written))
                )
            )
            found[COLUMN_ID] = 0
            continue
        hint = f"Did you mean {close!r}? " if close else ""
        problems.append(
            HeaderProblem(
                None,
                note(
                    "header.unknown",
                    position=index + 1,
                    cell=shorten(written),
                    hint=hint,
                    names=READ_NAMES_LIST,
                    fix=close,
                ),
            )
        )
        if close is not None and _FIELD_BY_KEY[header_key(close)] not in found:
            found[_FIELD_BY_KEY[header_key(close)]] = index
    if not unknown:
        problems.extend(_missing(found))
    columns = ColumnMap(
        found.get(COLUMN_ID),
        found.get(COLUMN_STATUS),
        found.get(COLUMN_VALUE),
        found.get(COLUMN_DATE),
        found.get(COLUMN_COMMENT),
        width,
        header=True,
    )
    return columns, problems


def _missing(found: dict[str, int]) -> list[HeaderProblem]:
    """The columns every update needs that a header lacks."""
    if COLUMN_STATUS not in found and COLUMN_VALUE not in found:
        return [HeaderProblem(None, note("header.no_kind", names=READ_NAMES_LIST))]
    return [
        HeaderProblem(
            None, note("header.missing", column=column, names=READ_NAMES_LIST)
        )
        for column in (COLUMN_ID, COLUMN_DATE)
        if column not in found
    ]


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
