"""Hostile workbooks refused before python-calamine reads them, in bounded memory.

A zip's directory is checked first (``open_zip``): ``MAX_UNPACKED_BYTES`` unpacked
in all, and no part unpacking more than ``MAX_RATIO`` times its packed size past a
few MB. Then the sheet's XML is streamed (``scan_sheet``: decompressed in chunks,
stopping past the limit whatever the directory claimed) to count its rows and find
its error cells (``t="e"``, which python-calamine reads as empty). An OLE container
holding ``EncryptionInfo`` is a password-protected workbook (``refuse_encrypted``);
anything that cannot be opened is ``file.workbook_corrupt`` (``unreadable``).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import NamedTuple

from uploads.csvformat.messages import Problem, shorten
from uploads.csvformat.sheet_extent import (
    Extent,
    exact_extent,
    far_references,
    refuse_far,
    row_limit,
)

# Unpacked, a 100,000-row sheet of updates is some 30 MB of XML.
MAX_UNPACKED_BYTES = 250_000_000
MAX_RATIO = 100
# Below this a part may be as compressible as it likes (a sheet of one repeated row).
_RATIO_FREE_BYTES = 5_000_000
CHUNK = 1 << 20
# Packed bytes inflated at a time (unpacked, at most some 1,000 times as many).
_PACKED_STEP = 1 << 16
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f[^<]*</f>)?<v>([^<]*)</v>'
)
_SHEET_ENTRY = re.compile(rb"<sheet\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


class Scan(NamedTuple):
    """What streaming a sheet's XML found: its rows, and its error cells."""

    rows: int
    # Error cells by (row, column), both from 0, as the sheet's XML has them.
    errors: dict[tuple[int, int], str]


def refuse_encrypted(data: bytes) -> None:
    """Raise ``Problem`` for an OLE container holding an encrypted workbook (a
    password-protected ``.xlsx`` is one)."""
    if _ENCRYPTED_MARK in data[: CHUNK * 4] or _ENCRYPTED_MARK in data:
        raise Problem("file.workbook_password")


def open_zip(data: bytes) -> tuple[zipfile.ZipFile, str]:
    """The zip of a workbook and its kind ("xlsx" or "ods"), refused (``Problem``)
    when its directory claims too much unpacked or too compressed a part, or when
    it holds no workbook."""
    try:
        book_zip = zipfile.ZipFile(io.BytesIO(data))
        members = book_zip.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise unreadable(error) from error
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if total > MAX_UNPACKED_BYTES or (
            member.file_size > _RATIO_FREE_BYTES
            and member.file_size / packed > MAX_RATIO
        ):
            raise Problem(
                "file.workbook_bomb",
                size=_megabytes(max(total, member.file_size)),
                limit=_megabytes(MAX_UNPACKED_BYTES),
            )
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return book_zip, "xlsx"
    if "content.xml" in names:
        return book_zip, "ods"
    raise Problem("file.workbook", kind="a zipped file, not a workbook")


def scan_sheet(book_zip: zipfile.ZipFile, name: str, max_rows: int | None) -> Scan:
    """Stream the XML of the sheet ``name`` of an xlsx zip: its rows and error
    cells, refusing it past MAX_UNPACKED_BYTES whatever the zip's directory said,
    and stopping once it has more than ``max_rows`` rows after the header."""
    part = _part(book_zip, name)
    if part is None:
        # Its cells cannot be checked before calamine reads them (an .xlsb's are
        # binary; a sheet its workbook does not point to), so it is not read.
        raise Problem("file.workbook_corrupt", reason=f"sheet {name!r} not found")
    rows = 0
    errors: dict[tuple[int, int], str] = {}
    extent = Extent()
    limit = row_limit(max_rows)
    unpacked = 0
    tail = b""
    try:
        for chunk in _unpacked(book_zip, part):
            unpacked += len(chunk)
            if unpacked > MAX_UNPACKED_BYTES:
                raise Problem(
                    "file.workbook_bomb",
                    size=f"more than {_megabytes(MAX_UNPACKED_BYTES)}",
                    limit=_megabytes(MAX_UNPACKED_BYTES),
                )
            # A row without attributes has cells without references, which
            # far_references finds.
            rows += chunk.count(b"<row ")
            if max_rows is not None and rows > max_rows + 1:
                return Scan(rows, errors)
            window = tail + chunk
            far_references(window, extent)
            if b't="e"' in window:
                for letters, number, error in _error_cells(window):
                    position = (int(number) - 1, _column_index(letters))
                    errors[position] = error.decode("utf-8", "replace")
            tail = chunk[-512:]
        if extent.unplaced:
            with book_zip.open(part) as stream:
                exact_extent(stream, extent, limit)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
        raise unreadable(error) from error
    refuse_far(name, extent, limit)
    return Scan(rows, errors)


def _unpacked(book_zip: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """A zip member's bytes in pieces of at most CHUNK. A deflated one (as every
    workbook's sheets are) is inflated here from the zip's bytes, a third quicker
    than ``ZipFile.open``, which also works out its CRC: calamine's reader checks
    that as it reads. Any other is read by ``ZipFile.open``."""
    info = book_zip.getinfo(part)
    source = book_zip.fp
    if (
        info.compress_type != zipfile.ZIP_DEFLATED
        or info.flag_bits & 1  # encrypted
        or not isinstance(source, io.BytesIO)
    ):
        with book_zip.open(part) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
        return
    with source.getbuffer() as view:
        start = info.header_offset
        header = bytes(view[start : start + 30])
        if len(header) < 30 or not header.startswith(ZIP_MAGIC):
            raise zipfile.BadZipFile(f"no local header for {part}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        begin = start + 30 + name_length + extra_length
        packed = view[begin : begin + info.compress_size]
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            for at in range(0, len(packed), _PACKED_STEP):
                data: bytes | memoryview = packed[at : at + _PACKED_STEP]
                while data:
                    piece = inflater.decompress(data, CHUNK)
                    data = inflater.unconsumed_tail
                    if piece:
                        yield piece
            if not inflater.eof:
                raise zipfile.BadZipFile(f"{part} ends early")
        finally:
            packed.release()


def _error_cells(window: bytes) -> Iterator[tuple[bytes, ...]]:
    """The (column letters, row number, error text) of each error cell in a piece
    of a sheet's XML: ``_ERROR_CELL`` tried only at the cells holding ``t="e"``
    (a search of the whole piece tries it at every cell, some ten times slower)."""
    done = 0  # where the last cell found ends: a cell is found once
    at = window.find(b't="e"')
    while at != -1:
        start = window.rfind(b'<c r="', done, at)
        match = _ERROR_CELL.match(window, start) if start != -1 else None
        if match is None:
            at = window.find(b't="e"', at + 1)
        else:
            yield match.groups()
            done = match.end()
            at = window.find(b't="e"', max(done, at + 1))


def _part(book_zip: zipfile.ZipFile, name: str) -> str | None:
    """The zip member holding the worksheet ``name``."""
    try:
        book_xml = _small(book_zip, "xl/workbook.xml")
        rels_xml = _small(book_zip, "xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    wanted = None
    for entry in _SHEET_ENTRY.findall(book_xml):
        attributes = dict(_ATTRIBUTE.findall(entry))
        if _unescape(attributes.get(b"name", b"")) == name:
            wanted = attributes.get(b"r:id")
    if wanted is None:
        return None
    for entry in re.findall(rb"<Relationship\b[^>]*>", rels_xml):
        attributes = dict(_ATTRIBUTE.findall(entry))
        if attributes.get(b"Id") == wanted:
            target = attributes.get(b"Target", b"").decode()
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _small(book_zip: zipfile.ZipFile, member: str) -> bytes:
    if book_zip.getinfo(member).file_size > 20_000_000:
        raise Problem(
            "file.workbook_bomb",
            size=_megabytes(book_zip.getinfo(member).file_size),
            limit="20 MB",
        )
    return book_zip.read(member)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _unescape(value: bytes) -> str:
    text = value.decode("utf-8", "replace")
    for escaped, plain in (
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", '"'),
        ("&apos;", "'"),
        ("&amp;", "&"),
    ):
        text = text.replace(escaped, plain)
    return text


def unreadable(error: BaseException) -> Problem:
    """A workbook that cannot be read, with the reason (shortened)."""
    reason = shorten(str(error).strip() or type(error).__name__, 80)
    return Problem("file.workbook_corrupt", reason=reason)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"
