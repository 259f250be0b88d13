"""The only CSV ever sent to AchieveIt, and a team's template to fill in."""

from __future__ import annotations

import codecs
from collections.abc import Iterable

from uploads.csvformat.cells import (
    FORMULA_STARTS,
    MAX_DIGITS,
    digit_count,
    format_value,
    id_problem,
)
from uploads.csvformat.messages import HEADER, STATUSES, Problem, shorten
from uploads.csvformat.records import Update

_HEADER_LINE = ",".join(HEADER)
_STATUS_SET = frozenset(STATUSES)


def render_csv(updates: Iterable[Update]) -> bytes:
    """Return the normalized CSV sent to AchieveIt for these updates.

    Raises ``Problem`` for an update that cannot be written as a valid row (an
    External ID breaking AchieveIt's rules, an unknown status, a value that is not
    finite or has more than 30 digits); updates from ``parse`` never do.
    """
    lines = [_HEADER_LINE]
    for update in updates:
        _check_writable_id(update.external_id)
        if update.status not in _STATUS_SET:
            raise Problem("write.invalid", what=f"The status {update.status!r}")
        value = format_value(update.value)
        if len(value) > MAX_DIGITS and digit_count(value) > MAX_DIGITS:
            raise Problem("write.invalid", what=f"The value {shorten(value)}")
        lines.append(
            f"{update.external_id},{update.status},{value},"
            f"{update.as_of_date.isoformat()}"
        )
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def render_template(external_ids: Iterable[str]) -> bytes:
    """Return a team's CSV template: the header and one row per External ID.

    The caller passes the External IDs of the team's active plan items in the order
    wanted, each one ``is_writable_id`` accepts. The file starts with a UTF-8 byte
    order mark so that Excel shows accented letters correctly (``parse`` accepts
    it). The IDs are written as they are, never escaped: a person fills the
    template in and uploads it back, so each ID must come back unchanged; the rules
    of ``id_problem`` already keep out any ID a spreadsheet would run as a formula.
    Raises ``Problem`` for an External ID that breaks those rules.
    """
    lines = [_HEADER_LINE]
    for external_id in external_ids:
        _check_writable_id(external_id)
        lines.append(f"{external_id},,,")
    lines.append("")
    return codecs.BOM_UTF8 + "\n".join(lines).encode("utf-8")


def is_writable_id(external_id: str) -> bool:
    """True when ``external_id`` can be written as it is into a CSV cell: it follows
    the rules of ``id_problem`` and has no spaces around it."""
    return id_problem(external_id) is None and external_id == external_id.strip()


def _check_writable_id(external_id: str) -> None:
    """Raise ``Problem`` unless ``external_id`` can be written as a valid cell."""
    if not is_writable_id(external_id):
        raise Problem("write.invalid", what=f"The External ID {external_id!r}")


def safe_cell(value: object) -> str:
    """A cell of a CSV the portal serves to people (an export, a list of problems):
    shown by a spreadsheet as text, never run as a formula (OWASP "CSV injection":
    a leading apostrophe makes it text)."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def safe_normalized_csv(normalized_csv: str) -> str:
    """A normalized CSV (as ``render_csv`` writes it) made safe to open in a
    spreadsheet: any cell that would run as a formula is quoted as ``safe_cell``
    does, a plain number (``-3.5``) is left alone.

    A file ``render_csv`` wrote since External IDs starting with a formula trigger
    were refused comes back unchanged, byte for byte; only a file kept from before
    changes. Its cells hold no comma or quotation mark, so splitting is exact.
    """
    lines = normalized_csv.split("\n")
    return "\n".join(
        ",".join(
            cell if _is_plain_number(cell) else safe_cell(cell)
            for cell in line.split(",")
        )
        for line in lines
    )


def _is_plain_number(cell: str) -> bool:
    digits = cell.removeprefix("-")
    return bool(digits) and digits.replace(".", "", 1).isdigit()
