"""How far an .xlsx sheet's cells reach, found before python-calamine reads it.

python-calamine holds a sheet as one dense grid from its first filled cell to its
last: rows times columns, 32 bytes each, empty or not. Two cells far apart (A1 and
XFD1048576: a 5 KB file) make it ask for 550 GB, and the process aborts; it is
not an exception that could be caught (calamine issue 693). So the sheet's XML is
checked first: no cell past ``MAX_COLUMNS`` columns, nor past the rows an upload
may have (``row_limit``), which bounds the grid to some 6.5 million cells.

Excel, LibreOffice and the libraries that write .xlsx files write every cell tag
alike: ``<c r="B7">``, its reference first, then only ``s`` and ``t`` attributes.
For them the check is two searches of each piece of XML (``far_references``): for
a cell tag that is not so, or whose reference is not near (one letter, at most
five digits), and for a cell tag with a namespace prefix (``<x:c``). Most pieces
give neither. Only the tags they find are looked at: each reference of one whose
reference is first is placed by it (quick-xml lets an attribute repeat, and
calamine takes the last); one whose reference is missing or not first is placed
the way calamine places it, after the one before, by reading the whole sheet's
XML (``exact_extent``), slower, and only for such files. Calamine reads any tag
whose local name is ``c`` (a prefix, a tab or a new line after the name, a
lower-case reference), and so does this.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from uploads.csvformat.messages import Problem

MAX_COLUMNS = 64  # column BL
# Rows a sheet may have past the header and the updates: a title, notes.
SPARE_ROWS = 1_000
# The updates a sheet may hold when no limit is given (a sheet read for a
# preview, or an .xls or .ods as it is opened): the checker's own limit.
DEFAULT_ROWS = 100_000


def row_limit(max_rows: int | None = None) -> int:
    """The rows a sheet may reach: ``max_rows`` updates, a header, spare rows."""
    return (max_rows or DEFAULT_ROWS) + 1 + SPARE_ROWS


# A cell tag that is not the usual one: ``<c r="`` and a reference of one letter
# and at most five digits (column Z, row 99,999), then only ``s`` and ``t``
# attributes. It finds the far ones, a second ``r`` (calamine takes the last),
# and other tags starting ``<c``, such as ``<col``: each is then looked at
# (``_CELL_TAG``).
_UNUSUAL_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,5}+"(?: [st]="[^"]*+")*+/?>)')
# A cell tag with a namespace prefix: ``<x:c ...>``.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
# A cell tag (whatever its prefix) and what it holds up to its end.
_CELL_TAG = re.compile(rb"<(?:[^\s<>/!?:]+:)?c(?=[\s/>])([^>]*)>")
# A cell tag whose first attribute is its reference.
_REFERENCE_FIRST = re.compile(rb"\s+r\s*=")
# Each reference of a cell tag (an ``r`` attribute, with or without a namespace
# prefix; calamine reads the last), in double quotes or single. What comes before
# it is looked behind: a quote closing one may touch the next (``"A2"r=``).
_REFERENCE = re.compile(rb"""(?<=[\s"':])r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A reference as calamine reads it: letters of any case, then digits.
_PLACE = re.compile(rb"([A-Za-z]+)([0-9]+)")
# An empty cell's attributes (`` r="XFD9" s="1"/``): plain ones, then the slash
# that closes the tag.
_EMPTY = re.compile(rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*/\Z""")


class Extent:
    """The farthest row and column (both from 1) seen, and whether a cell or row
    was seen that only ``exact_extent`` can place."""

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self.unplaced = False

    def see(self, row: int, column: int) -> None:
        self.rows = max(self.rows, row)
        self.columns = max(self.columns, column)

    def past(self, limit: int) -> bool:
        """True once past ``limit`` rows or ``MAX_COLUMNS`` columns."""
        return self.rows > limit or self.columns > MAX_COLUMNS


def far_references(window: bytes, extent: Extent) -> None:
    """Add the far references of a piece of a sheet's XML to ``extent``: up to
    its last tag, which may go on in the next piece. Only the tags the two
    searches find are looked at; the usual cells between them are passed over."""
    end = window.rfind(b"<")
    for search in (_UNUSUAL_CELL.search, _PREFIXED_CELL.search):
        found = search(window, 0, end)
        while found is not None:
            # The tag the search found begins at the last '<' before its end.
            tag = _CELL_TAG.match(window, window.rfind(b"<", 0, found.end()), end)
            if tag is None:  # another tag (<col>), or ':c' in a cell's text
                found = search(window, found.end(), end)
                continue
            if not _see_cell(tag.group(1), extent):
                extent.unplaced = True
                return
            found = search(window, tag.end(), end)


def _see_cell(attributes: bytes, extent: Extent) -> bool:
    """Add the references of a cell tag (its ``attributes``) to ``extent``; False
    when only ``exact_extent`` can place it: its reference is missing, not
    first, or not a reference."""
    if not _REFERENCE_FIRST.match(attributes):
        return False
    if _EMPTY.match(attributes):
        return True  # an empty cell (<c r="XFD9" s="1"/>): calamine keeps none
    for reference in _REFERENCE.finditer(attributes):
        value = reference[1] if reference[1] is not None else reference[2]
        place = _PLACE.fullmatch(value)
        if place is None:
            return False
        extent.see(_number(place[2]), column_number(place[1]))
    return True


def exact_extent(stream: IO[bytes], extent: Extent, limit: int) -> None:
    """Place every row and cell of a sheet's XML as calamine does (a missing
    reference is the one after the last), into ``extent``, stopping once past
    ``limit`` rows or ``MAX_COLUMNS`` columns."""
    # Imported here, as most sheets never need them.
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    from uploads.csvformat.workbook_guards import unreadable  # it imports this

    try:
        _place(iterparse(stream, events=("start", "end")), extent, limit)
    except (ParseError, DefusedXmlException) as error:
        raise unreadable(error) from error


def _place(events: Iterator[tuple[str, Any]], extent: Extent, limit: int) -> None:
    row = 0
    column = 0
    for event, element in events:
        tag = element.tag.rpartition("}")[2]
        if event == "end":
            if tag == "row":
                element.clear()
            continue
        if tag == "row":
            reference = element.get("r")
            row = _number(reference.encode()) if reference else row + 1
            column = 0
            extent.see(row, 0)
            if extent.past(limit):
                return
        elif tag == "c":
            cell = _PLACE.fullmatch((element.get("r") or "").encode())
            if cell is not None:
                letters, number = cell.groups()
                column = column_number(letters)
                extent.see(_number(number), column)
            else:
                column += 1
                extent.see(row, column)


def refuse_far(sheet: str, extent: Extent, limit: int) -> None:
    """Raise ``Problem`` when ``extent`` reaches past ``limit`` rows or
    ``MAX_COLUMNS`` columns."""
    if not extent.past(limit):
        return
    if extent.columns > MAX_COLUMNS:
        place = f"column {column_letters(extent.columns)}"
        where = f"column {column_letters(MAX_COLUMNS)}"
    else:
        place = f"row {extent.rows:,}" if extent.rows < 10**9 else "a row far below"
        where = f"row {limit:,}"
    raise Problem(
        "sheet.far_cell",
        sheet=sheet,
        place=place,
        where=where,
        rows=limit,
        columns=MAX_COLUMNS,
        last=column_letters(MAX_COLUMNS),
    )


def column_number(letters: bytes | str) -> int:
    """A column's letters as its number from 1 (A is 1, BL is 64)."""
    number = 0
    for letter in (
        letters.upper().encode() if isinstance(letters, str) else letters.upper()
    ):
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    """A column's number from 1 as its letters."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(digits: bytes) -> int:
    """A reference's row number; a longer one than any sheet has is far anyway
    (and int() refuses numbers of thousands of digits)."""
    return int(digits) if len(digits) <= 9 else 10**9
