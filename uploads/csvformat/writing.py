"""The only CSV ever sent to AchieveIt, and a team's template to fill in."""

from __future__ import annotations

import codecs
from collections.abc import Iterable

from uploads.csvformat.cells import MAX_DIGITS, digit_count, format_value, id_problem
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
    wanted. The file starts with a UTF-8 byte order mark so that Excel shows accented
    letters correctly (``parse`` accepts it). Raises ``Problem`` for an External ID
    that breaks AchieveIt's rules.
    """
    lines = [_HEADER_LINE]
    for external_id in external_ids:
        _check_writable_id(external_id)
        lines.append(f"{external_id},,,")
    lines.append("")
    return codecs.BOM_UTF8 + "\n".join(lines).encode("utf-8")


def _check_writable_id(external_id: str) -> None:
    """Raise ``Problem`` unless ``external_id`` can be written as a valid cell."""
    if id_problem(external_id) is not None or external_id != external_id.strip():
        raise Problem("write.invalid", what=f"The External ID {external_id!r}")


# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell of a CSV the portal serves to people (an export, a list of problems):
    shown by a spreadsheet as text, never run as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
