"""The only CSV ever sent to AchieveIt, and a team's template to fill in."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable

from uploads.csvformat.cells import (
    FORMULA_STARTS,
    MAX_DIGITS,
    comment_problem,
    digit_count,
    format_value,
    id_problem,
)
from uploads.csvformat.messages import (
    COLUMN_COMMENT,
    HEADER,
    METRIC,
    METRIC_HEADER,
    PROGRESS,
    STATUSES,
    Problem,
    shorten,
)
from uploads.csvformat.records import Update

_HEADER_LINE = ",".join(HEADER)
_METRIC_HEADER_LINE = ",".join(METRIC_HEADER)
_STATUS_SET = frozenset(STATUSES)
# A comment is quoted when it holds any of these: the CSV rules (a comma, a
# quotation mark, a line break) and the other delimiters a reader might guess.
_NEEDS_QUOTES = frozenset(',"\n\r;\t')


def render_csv(updates: Iterable[Update], *, kind: str = PROGRESS) -> bytes:
    """Return the normalized CSV sent to AchieveIt for these updates.

    ``kind`` PROGRESS writes ``External ID,Status,Current Value,As Of Date``;
    METRIC writes AchieveIt's metric columns, ``External ID,Current Metric
    Value,As Of Date`` (a metric update has no status, and needs a value). When
    any update has a comment, a last column ``Comment`` is added (empty where an
    update has none), each comment quoted as the CSV rules need; without comments
    the file is what it always was, byte for byte.

    Raises ``Problem`` for an update that cannot be written as a valid row (an
    External ID breaking AchieveIt's rules, an unknown status, a value that is not
    finite or has more than 30 digits, a comment ``check_comment`` would change or
    refuse); updates from ``parse`` never do.
    """
    if kind not in (PROGRESS, METRIC):
        raise Problem("write.invalid", what=f"An update of kind {kind!r}")
    updates = list(updates)
    with_comments = any(update.comment for update in updates)
    header = _METRIC_HEADER_LINE if kind == METRIC else _HEADER_LINE
    lines = [f"{header},{COLUMN_COMMENT}" if with_comments else header]
    for update in updates:
        _check_writable_id(update.external_id)
        value = format_value(update.value)
        if len(value) > MAX_DIGITS and digit_count(value) > MAX_DIGITS:
            raise Problem("write.invalid", what=f"The value {shorten(value)}")
        if kind == METRIC:
            if update.status:
                what = f"The status {update.status!r} of a metric update"
                raise Problem("write.invalid", what=what)
            if update.value is None:
                what = f"A metric update without a value ({update.external_id!r})"
                raise Problem("write.invalid", what=what)
            line = f"{update.external_id},{value},{update.as_of_date.isoformat()}"
        else:
            if update.status not in _STATUS_SET:
                raise Problem("write.invalid", what=f"The status {update.status!r}")
            line = (
                f"{update.external_id},{update.status},{value},"
                f"{update.as_of_date.isoformat()}"
            )
        if with_comments:
            line = f"{line},{_comment_cell(update.comment)}"
        lines.append(line)
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def _comment_cell(comment: str) -> str:
    """A comment as a CSV cell; raises ``Problem`` for one that breaks the rules."""
    if not comment:
        return ""
    problem = comment_problem(comment)
    if problem is not None:
        raise Problem("write.invalid", what=f"The comment {shorten(comment)!r}")
    return quoted(comment)


def quoted(cell: str) -> str:
    """``cell`` as the portal writes a CSV cell: in quotation marks (doubled
    inside) when it holds a comma, a quotation mark, a line break, a semicolon or
    a tab; as it is otherwise."""
    if _NEEDS_QUOTES.isdisjoint(cell):
        return cell
    return '"' + cell.replace('"', '""') + '"'


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
    were refused comes back unchanged, byte for byte, unless a comment starts with
    = + - or @ (sent as written, served with the apostrophe); only a file kept from
    before changes otherwise. Without a quoted cell (a comment with a comma, a
    quotation mark or a line break) no cell holds a comma, so splitting is exact;
    with one, the file is read and written back as CSV.
    """
    if '"' in normalized_csv:
        rows = csv.reader(io.StringIO(normalized_csv, newline=""))
        lines = [
            ",".join(quoted(_safe_sent_cell(cell)) for cell in row) for row in rows
        ]
        if normalized_csv.endswith("\n"):
            lines.append("")
        return "\n".join(lines)
    lines = normalized_csv.split("\n")
    return "\n".join(
        ",".join(_safe_sent_cell(cell) for cell in line.split(",")) for line in lines
    )


def _safe_sent_cell(cell: str) -> str:
    return cell if _is_plain_number(cell) else safe_cell(cell)


def _is_plain_number(cell: str) -> bool:
    digits = cell.removeprefix("-")
    return bool(digits) and digits.replace(".", "", 1).isdigit()
