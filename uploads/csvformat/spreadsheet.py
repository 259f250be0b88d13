"""Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) read into the same checks as
a CSV file, with python-calamine.

A workbook is told by its bytes, never by its name: a zip holding
``xl/workbook.xml`` (Excel) or ``content.xml`` (Calc), or an OLE container (the old
``.xls``; an encrypted ``.xlsx`` is one too, holding ``EncryptionInfo``).

The rules:

- Cells keep their meaning. A date cell is that date whatever its display format
  (written ``YYYY-MM-DD``; with a time of day the checker's usual fix drops it), a
  number is the number as typed (the shortest text that reads back as the same
  float: 0.1, never 0.1000000000000001; whole numbers without '.0'), a cell shown
  as 25% holds 0.25 and is read so (no percentage fix), a formula gives its cached
  value, TRUE/FALSE read as such.
- An error cell (``#REF!``, ``#N/A``, ``#DIV/0!``, ...) in a column the portal
  reads is an error (``cell.error``) and its row is not sent. python-calamine reads
  an Excel error cell as an empty one, so the sheet's XML is scanned for them
  (``t="e"``); a cell whose text is an error literal counts too.
- Findings name the sheet, the row as the spreadsheet numbers it and the column
  letter with its header: "Sheet 'Q4 KPIs', row 7, column C (RAG): ...".
- The sheet read: ``sheet=`` when given, else the only visible worksheet, else the
  only one whose header holds an External ID column, else the only one that is not
  empty; otherwise ``sheet.choose`` asks for one (``parse(..., sheet=NAME)``).
  Hidden sheets are never picked (a hidden sheet named with ``sheet=`` is read);
  empty trailing rows and columns are ignored.
- The template's reference columns (``IGNORED_COLUMNS``: Name, Last status sent,
  Last value sent) are not read, and are no unknown column. A row with an External
  ID and nothing else is no update: one finding counts them (``row.left_blank``)
  instead of one per row, since the template lists every plan item.
- Hostile files are refused before python-calamine reads the sheet, in bounded
  memory: the zip directory's unpacked sizes (``MAX_UNPACKED_BYTES`` in all, and
  no part unpacking more than ``MAX_RATIO`` times its packed size past a few MB),
  then the sheet's XML is streamed (decompressed in chunks, stopping past the
  limit whatever the directory claimed) to count its rows (``max_rows``) and find
  error cells. A password-protected or corrupt workbook is one finding that says so.

``preview_table(data, sheet=None, rows=5)`` gives the header and a few rows of a
file (CSV or workbook) as text cells, for a mapping page; ``sheet_names(data)`` the
visible sheets a person may choose from.
"""

from __future__ import annotations

import datetime
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

import python_calamine

from uploads.csvformat.batch import Batch, Piece, split_runs
from uploads.csvformat.cells import cell_text
from uploads.csvformat.checker import RowChecker
from uploads.csvformat.columns import (
    ColumnMap,
    header_key,
    looks_like_header,
    row_width,
)
from uploads.csvformat.layout import SKIP
from uploads.csvformat.messages import (
    COLUMN_ID,
    ERROR,
    Note,
    Problem,
    note,
)
from uploads.csvformat.records import Finding, PlanItemRule, Result
from uploads.csvformat.workbook_guards import (
    MAX_RATIO,
    MAX_UNPACKED_BYTES,
    OLE_MAGIC,
    ZIP_MAGIC,
    Scan,
    open_zip,
    refuse_encrypted,
    scan_sheet,
    unreadable,
)

WORKBOOK_CONTENT_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
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


class Table(NamedTuple):
    """The start of a file as text cells: what a mapping page shows."""

    sheet_names: list[str]
    sheet: str
    header: list[str]
    samples: list[list[str]]


def is_workbook(data: bytes) -> bool:
    """True when the bytes are a zip or OLE container (a workbook, or claims to be)."""
    return data.startswith((ZIP_MAGIC, OLE_MAGIC))


def claims_workbook(content_type: str | None) -> bool:
    """True when a content type names a workbook."""
    return (content_type or "").split(";")[0].strip().lower() in WORKBOOK_CONTENT_TYPES


def content_type_for_name(name: str) -> str | None:
    """The workbook content type a file name's extension says, or None."""
    lowered = name.lower()
    if lowered.endswith(".ods"):
        return "application/vnd.oasis.opendocument.spreadsheet"
    if lowered.endswith(".xls"):
        return "application/vnd.ms-excel"
    if lowered.endswith((".xlsx", ".xlsm")):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def read_workbook(
    data: bytes,
    *,
    sheet: str | None = None,
    plan_items: Mapping[str, PlanItemRule] | None,
    max_rows: int,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 5_000,
    columns: ColumnMap | None = None,
    status_words: Mapping[str, str] | None = None,
) -> Result:
    """Read, check and normalize the chosen sheet of a workbook (see the module's
    rules). Never raises for bad input."""
    try:
        book = _Book(data)
        name = book.choose(sheet)
        scan = book.scan(name, max_rows)
        if scan.rows > max_rows + 1:
            raise Problem("file.too_many_rows", limit=max_rows, rows="rows")
        worksheet = book.workbook.get_sheet_by_name(name)
        if worksheet.start is None:
            raise Problem("sheet.none")
    except Problem as problem:
        return _file_error(problem, book_names=getattr(problem, "sheets", ()))
    except python_calamine.CalamineError as error:
        return _file_error(unreadable(error))
    start_row, start_column = worksheet.start or (0, 0)
    checker = RowChecker(
        plan_items,
        max_rows,
        columns=columns,
        sheet=name,
        # Only when given: the team's status words are another part's, newer.
        **({"status_words": status_words} if status_words else {}),
        first_column=start_column,
    )
    reader = _SheetRows(worksheet, checker, scan.errors, start_row, start_column)
    rows: Iterator[Sequence[object]] = reader.rows()
    if progress is not None:
        rows = _reporting(rows, progress, progress_every)
    try:
        checker.run(rows, start_row + 1)
    except python_calamine.CalamineError as error:
        checker.add(None, None, unreadable(error).note)
    if reader.left_blank:
        count = reader.left_blank
        checker.add(
            None,
            None,
            note(
                "row.left_blank",
                count=count,
                rows="row" if count == 1 else "rows",
                were="was" if count == 1 else "were",
            ),
        )
    result = checker.result(encoding=None, delimiter=",", source_format=book.kind)
    result.sheet = name
    result.sheet_names = tuple(book.visible)
    return result


def sheet_names(data: bytes) -> list[str]:
    """The visible worksheets of a workbook, in order ([] for anything else)."""
    try:
        return list(_Book(data).visible)
    except (Problem, python_calamine.CalamineError):
        return []


def preview_table(data: bytes, sheet: str | None = None, rows: int = 5) -> Table:
    """The header cells and the first ``rows`` rows after it of a file, as text
    (a workbook's chosen sheet, or a CSV file), for a page that maps columns.

    Raises ``Problem`` for a file that cannot be read (the message says why; a
    workbook whose sheet cannot be picked raises ``sheet.choose``)."""
    if not is_workbook(data):
        from uploads.csvformat.reading import read_rows

        table = [row for row in (read_rows(data) or []) if row_width(row)]
        if not table:
            raise Problem("file.empty", header=", ".join(COLUMNS_SHOWN))
        return Table([], "", table[0], table[1 : rows + 1])
    book = _Book(data)
    name = book.choose(sheet)
    book.scan(name, max_rows=None)
    worksheet = book.workbook.get_sheet_by_name(name)
    found: list[list[str]] = []
    for cells in worksheet.iter_rows():
        row = [cell_text(cell) for cell in cells]
        if row_width(row):
            found.append(row[: row_width(row)])
        if len(found) > rows:
            break
    if not found:
        raise Problem("sheet.none")
    return Table(list(book.visible), name, found[0], found[1:])


COLUMNS_SHOWN = ("External ID", "Status", "Current Value", "As Of Date")


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


class _Book:
    """A workbook opened safely: its kind, its sheets, and its zip when it has one."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip: zipfile.ZipFile | None = None
        # An .xls's or .ods's sheets, scanned as it is opened (calamine reads
        # every sheet of them as it opens them: what it would hold is checked).
        self.scans: dict[str, Scan] = {}
        if data.startswith(OLE_MAGIC):
            refuse_encrypted(data)
            self.kind = "xls"
            from uploads.csvformat.xls_errors import scan_xls

            self.scans = scan_xls(data)  # before calamine reads every sheet
        elif data.startswith(ZIP_MAGIC):
            self.zip, self.kind = open_zip(data)
            if self.kind == "ods":
                from uploads.csvformat.ods_errors import scan_ods

                self.scans = scan_ods(self.zip)  # as for an .xls
        else:
            raise Problem("file.workbook_fake")
        try:
            self.workbook = python_calamine.CalamineWorkbook.from_filelike(
                io.BytesIO(data)
            )
        except python_calamine.PasswordError as error:
            raise Problem("file.workbook_password") from error
        except python_calamine.CalamineError as error:
            raise unreadable(error) from error
        except (ValueError, OSError) as error:  # what calamine raises for junk
            raise unreadable(error) from error
        self.visible = [
            sheet.name
            for sheet in self.workbook.sheets_metadata
            if sheet.visible == python_calamine.SheetVisibleEnum.Visible
            and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        self.all_names = list(self.workbook.sheet_names)

    def choose(self, sheet: str | None) -> str:
        """The name of the sheet to read; raises ``Problem`` when none can be."""
        if sheet is not None:
            if sheet in self.all_names:
                return sheet
            raise _with_sheets(
                Problem("sheet.unknown", sheet=sheet, sheets=_listed(self.visible)),
                self.visible,
            )
        if len(self.visible) == 1:
            return self.visible[0]
        if not self.visible:
            raise Problem("sheet.none")
        with_id, not_empty = [], []
        for name in self.visible:
            self.scan(name, max_rows=None)
            first = self._first_row(name)
            if first is None:
                continue
            not_empty.append(name)
            if any(header_key(cell) == header_key(COLUMN_ID) for cell in first):
                with_id.append(name)
        if len(with_id) == 1:
            return with_id[0]
        if len(not_empty) == 1:
            return not_empty[0]
        if not not_empty:
            raise Problem("sheet.none")
        candidates = with_id or not_empty
        raise _with_sheets(
            Problem("sheet.choose", sheets=_listed(candidates)), self.visible
        )

    def _first_row(self, name: str) -> list[str] | None:
        for cells in self.workbook.get_sheet_by_name(name).iter_rows():
            row = [cell_text(cell) for cell in cells]
            if row_width(row):
                return row
        return None

    def scan(self, name: str, max_rows: int | None) -> Scan:
        """The sheet's rows and error cells: an xlsx's streamed from its XML
        (``workbook_guards.scan_sheet``), an xls's or ods's as it was opened (by
        ``xls_errors``, ``ods_errors``, imported only then: xlrd and defusedxml are a
        third of what importing csvformat costs, and most files are neither)."""
        if self.kind in ("xls", "ods"):
            return self.scans.get(name, Scan(0, {}))
        if self.kind != "xlsx" or self.zip is None:
            return Scan(0, {})
        return scan_sheet(self.zip, name, max_rows)


class _SheetRows:
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
        their cells as they are, but the rows it would skip the careful way."""
        width = self.columns_read
        for index in range(piece.start, piece.end):
            cells = chunk[index]
            if index - piece.start in piece.skipped:
                yield from self._careful(cells, line + 1 + index)
                continue
            if self.blank_run:
                yield from self.blank_run
                self.blank_run = []
            yield cells if width == len(cells) else cells[:width]

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
        row = [cell if type(cell) is str else self.text(cell) for cell in cells]
        errors = self.errors
        if errors:
            for column_index in range(len(row)):
                error = errors.get((line - 1, column_index + self.start_column))
                if error is not None:
                    row[column_index] = error
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


def _reporting(
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


def _with_sheets(problem: Problem, sheets: Sequence[str]) -> Problem:
    problem.sheets = tuple(sheets)  # type: ignore[attr-defined]
    return problem


def _listed(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _file_error(problem: Problem, book_names: Sequence[str] = ()) -> Result:
    result = Result([], [Finding(None, None, ERROR, problem.message, problem.code)])
    result.sheet_names = tuple(book_names)
    return result


__all__ = [
    "ERROR_LITERALS",
    "IGNORED_COLUMNS",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "Note",
    "Table",
    "cell_text",
    "claims_workbook",
    "content_type_for_name",
    "is_workbook",
    "preview_table",
    "read_workbook",
    "sheet_names",
]
