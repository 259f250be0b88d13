"""The error cells of an OpenDocument (.ods) sheet.

LibreOffice Calc writes a formula whose result is an error (``=1/0``, ``=NA()``)
as a cell with ``calcext:value-type="error"``, the error's text in its paragraph
(``#DIV/0!``) and often ``office:value="0"``: python-calamine then reads it as the
number 0 (or as empty), which would be sent as a value. So the sheet's
``content.xml`` is looked at here:

parsed (defusedxml's ``iterparse``: no entities, each row cleared once read) to
place each error cell by row and column, counting ``number-rows-repeated`` and
``number-columns-repeated`` as Calc writes them. The same walk finds how far the
filled cells reach: python-calamine holds every repeated cell, so a 1.5 KB file
of one cell repeated over 200,000 rows and 200 columns took it 2.5 GB and 15 s,
and is refused here (``sheet_extent``). The empty rows and cells Calc writes
after the last filled one (repeated to the end of the sheet) reach nowhere.

An error in a row repeated more than ``MAX_REPEATED_ROWS`` times is placed in the
first ones only: the checker stops long before.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from uploads.csvformat.sheet_extent import Extent, refuse_far, row_limit
from uploads.csvformat.workbook_guards import Scan

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE, ROW = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
CELLS = {f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"}
NAME = f"{{{_TABLE}}}name"
ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
CALC_VALUE_TYPE = f"{{{_CALCEXT}}}value-type"
VALUE_TYPE = f"{{{_OFFICE}}}value-type"
MAX_REPEATED_ROWS = 1_000
MAX_ERRORS = 100_000


def scan_ods(book_zip: zipfile.ZipFile) -> dict[str, Scan]:
    """The error cells of each sheet by its name, by (row, column), both from 0,
    with their text ("#DIV/0!"). Raises ``Problem`` when a sheet's filled cells
    reach past the rows or columns a sheet may have (``sheet_extent``): calamine,
    which reads every sheet of an .ods as it opens it, would hold every repeated
    cell, so this is called first. Nothing is found when the XML cannot be read
    (calamine then has the last word on that)."""
    scans: dict[str, Scan] = {}
    try:
        with book_zip.open("content.xml") as stream:
            for name, errors in _placed_errors(stream):
                scans[name] = Scan(0, errors)
    except (
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ParseError,
        DefusedXmlException,
    ):
        return {}
    return scans


def _placed_errors(
    stream: IO[bytes],
) -> Iterator[tuple[str, dict[tuple[int, int], str]]]:
    """Walk each sheet's rows and cells, counting the repeated ones as calamine
    does: give its name and its error cells, and refuse it (``Problem``) once its
    filled cells reach past the limits."""
    limit = row_limit()
    errors: dict[tuple[int, int], str] = {}
    extent = Extent()
    name = ""
    inside = False
    row = column = 0
    row_errors: list[tuple[int, str]] = []
    widest = 0  # the end of the last filled cell of the row
    for event, element in iterparse(stream, events=("start", "end")):
        tag = element.tag
        if tag == TABLE:
            if event == "start":
                name, errors, extent = element.get(NAME) or "", {}, Extent()
                inside, row = True, 0
            else:
                inside = False
                yield name, errors
            continue
        if not inside:
            continue
        if tag == ROW:
            if event == "start":
                column, row_errors, widest = 0, [], 0
                continue
            repeated = int(element.get(ROWS_REPEATED, "1") or 1)
            for offset in range(min(repeated, MAX_REPEATED_ROWS) if row_errors else 0):
                for at, text in row_errors:
                    errors[(row + offset, at)] = text
            row += repeated
            if widest:
                extent.see(row, widest)
                refuse_far(name, extent, limit)
            element.clear()
        elif tag in CELLS and event == "end":
            repeated = int(element.get(COLUMNS_REPEATED, "1") or 1)
            # Past MAX_ERRORS the checker has long stopped listing them.
            if element.get(CALC_VALUE_TYPE) == "error" and len(errors) <= MAX_ERRORS:
                text = " ".join("".join(element.itertext()).split()) or "#VALUE!"
                row_errors.extend(
                    (column + k, text) for k in range(min(repeated, 1_000))
                )
            column += repeated
            if len(element) or element.get(VALUE_TYPE) is not None:
                widest = column
