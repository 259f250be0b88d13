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

import io
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

import python_calamine

from uploads.csvformat.cells import cell_text
from uploads.csvformat.checker import RowChecker
from uploads.csvformat.columns import (
    ColumnMap,
    header_key,
    row_width,
)
from uploads.csvformat.messages import (
    COLUMN_ID,
    ERROR,
    Note,
    Problem,
    note,
)
from uploads.csvformat.records import Finding, PlanItemRule, Result
from uploads.csvformat.sheet_rows import (
    ERROR_LITERALS,
    IGNORED_COLUMNS,
    SheetRows,
    reporting,
)
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
    reader = SheetRows(worksheet, checker, scan.errors, start_row, start_column)
    rows: Iterator[Sequence[object]] = reader.rows()
    if progress is not None:
        rows = reporting(rows, progress, progress_every)
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
