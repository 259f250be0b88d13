"""The error cells of an OpenDocument (.ods) sheet.

LibreOffice Calc writes a formula whose result is an error (``=1/0``, ``=NA()``)
as a cell with ``calcext:value-type="error"``, the error's text in its paragraph
(``#DIV/0!``) and often ``office:value="0"``: python-calamine then reads it as the
number 0 (or as empty), which would be sent as a value. So the sheet's
``content.xml`` is looked at here:

- first streamed for the error mark (bytes only, as workbook_guards streams an
  xlsx): a sheet without one costs a pass over its bytes and nothing more;
- only when the mark is there, parsed (defusedxml's ``iterparse``: no entities, each
  row cleared once read) to place each error cell by row and column, counting
  ``number-rows-repeated`` and ``number-columns-repeated`` as Calc writes them.

An error in a row repeated more than ``MAX_REPEATED_ROWS`` times is placed in the
first ones only: the checker stops long before.
"""

from __future__ import annotations

import zipfile
import zlib
from typing import IO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from uploads.csvformat.workbook_guards import CHUNK, Scan

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE, ROW = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
CELLS = {f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"}
NAME = f"{{{_TABLE}}}name"
ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
CALC_VALUE_TYPE = f"{{{_CALCEXT}}}value-type"
_MARK = b'value-type="error"'
MAX_REPEATED_ROWS = 1_000
MAX_ERRORS = 100_000


def scan_ods(book_zip: zipfile.ZipFile, name: str) -> Scan:
    """The error cells of the sheet ``name`` by (row, column), both from 0, with
    their text ("#DIV/0!"); none when the sheet has no error mark or the XML
    cannot be read (calamine, which read it, has the last word on that)."""
    try:
        if not _has_mark(book_zip):
            return Scan(0, {})
        with book_zip.open("content.xml") as stream:
            return Scan(0, _placed_errors(stream, name))
    except (
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ParseError,
        DefusedXmlException,
    ):
        return Scan(0, {})


def _has_mark(book_zip: zipfile.ZipFile) -> bool:
    tail = b""
    with book_zip.open("content.xml") as stream:
        while chunk := stream.read(CHUNK):
            if _MARK in tail + chunk:
                return True
            tail = chunk[-len(_MARK) :]
    return False


def _placed_errors(stream: IO[bytes], name: str) -> dict[tuple[int, int], str]:
    errors: dict[tuple[int, int], str] = {}
    inside = False
    row = column = 0
    row_errors: list[tuple[int, str]] = []
    for event, element in iterparse(stream, events=("start", "end")):
        tag = element.tag
        if tag == TABLE:
            if event == "start":
                inside = element.get(NAME) == name
                row = 0
            elif inside:
                break  # the sheet is read: the rest of the file is other sheets
            continue
        if not inside:
            if event == "end" and tag == ROW:
                element.clear()
            continue
        if tag == ROW:
            if event == "start":
                column, row_errors = 0, []
                continue
            repeated = int(element.get(ROWS_REPEATED, "1") or 1)
            for offset in range(min(repeated, MAX_REPEATED_ROWS) if row_errors else 0):
                for at, text in row_errors:
                    errors[(row + offset, at)] = text
            row += repeated
            element.clear()
            if len(errors) > MAX_ERRORS:
                break
        elif tag in CELLS and event == "end":
            repeated = int(element.get(COLUMNS_REPEATED, "1") or 1)
            if element.get(CALC_VALUE_TYPE) == "error":
                text = " ".join("".join(element.itertext()).split()) or "#VALUE!"
                row_errors.extend(
                    (column + k, text) for k in range(min(repeated, 1_000))
                )
            column += repeated
    return errors
