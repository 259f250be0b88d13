"""Reads for an upload's page: its rows as written, its problems, what AchieveIt
said, the facts its summary is worded from (uploads/wording/uploads.py), and
whether the same payload was sent lately."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.utils import timezone

from uploads import csvformat
from uploads.csvformat import reading
from uploads.csvformat.columns import columns_from_header, looks_like_header
from uploads.models import Attempt, AuditEvent, Upload
from uploads.selectors import plan_item_rules

State = Upload.State
SENT_STATES = Upload.SENT_STATES
DUPLICATE_WINDOW_DAYS = 30
# Key names AchieveIt (or a proxy in front of it) may give a row and its message.
_ROW_KEYS = ("row", "line", "rowNumber", "row_number", "lineNumber", "record")
_MESSAGE_KEYS = ("message", "error", "detail", "description", "reason", "msg")
_LIST_KEYS = ("errors", "rowErrors", "row_errors", "problems", "details")


# --- The rows as written -------------------------------------------------------------


def original_bytes(upload: Upload) -> bytes | None:
    """The file as received, or None when it is no longer in private storage."""
    if not upload.original_path:
        return None
    path = Path(settings.PRIVATE_STORAGE_DIR) / upload.original_path
    try:
        return path.read_bytes()
    except OSError:
        return None


def rows_by_line(upload: Upload) -> dict[int, list[str]] | None:
    """Every row of the upload as written, by the number its findings name it with.

    A file's rows are numbered as a spreadsheet shows them (the header is row 1).
    The file kept for a form holds a header, then the rows entered in the form's
    order: they take the numbers of the draft's updates and findings, in order.
    None when the file cannot be read again, or a form's rows cannot be told apart.
    """
    data = original_bytes(upload)
    if data is not None and _is_json(data):
        # A JSON array has records, not rows of cells: there is nothing the grid
        # could show as written (the file is corrected and sent again instead).
        return None
    rows = reading.read_rows(data) if data is not None else None
    if rows is None:
        return None
    if upload.source != Upload.Source.FORM:
        return dict(enumerate(rows, 1))
    sent = dict(upload.rows.values_list("line", "external_id"))
    lines = set(sent)
    lines.update(finding["line"] for finding in upload.findings if finding["line"])
    entered = rows[1:]
    if len(lines) != len(entered):
        return None
    by_line = dict(zip(sorted(lines), entered, strict=True))
    if any(
        not by_line[line] or by_line[line][0].strip() != external_id
        for line, external_id in sent.items()
    ):
        return None
    return by_line


def _in_grid_order(
    upload: Upload, rows: dict[int, list[str]], columns: tuple[str, ...]
) -> bool:
    """False for a file whose header names its columns in another order than the
    grid's: its cells would show under the wrong names (it is corrected in the
    file instead)."""
    header = rows.get(1)
    if upload.source == Upload.Source.FORM or not header:
        return True
    if not looks_like_header(header):
        return True
    named = columns_from_header(header)[0].named()
    return all(
        name in columns and columns.index(name) == index
        for name, index in named.items()
    )


def _is_json(data: bytes) -> bool:
    """True for a file the reader takes as JSON: its first character is [ or {."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")


def grid_columns(kind: str) -> tuple[str, ...]:
    """The columns of the fix-in-browser grid for an upload of this kind, in the
    order a file without a header has them; the comment comes last."""
    if kind == csvformat.METRIC:
        # Findings name the value column "Current Value" in either kind.
        external_id, _, value, as_of_date = csvformat.HEADER
        return (external_id, value, as_of_date, csvformat.COLUMN_COMMENT)
    return (*csvformat.HEADER, csvformat.COLUMN_COMMENT)


@dataclass
class BadCell:
    column: str
    index: int
    written: str
    messages: list[str] = field(default_factory=list)
    suggestion: str | None = None


@dataclass
class BadRow:
    """A row with errors as written: a cell per grid column (`grid_columns`; the
    comment only when the row has one), the bad ones with their findings."""

    line: int
    cells: list[str]
    bad: dict[int, BadCell]
    row_messages: list[str]

    @property
    def external_id(self) -> str:
        return self.cells[0].strip()


def rows_with_errors(upload: Upload) -> list[BadRow]:
    """The draft's rows with errors, each with its cells as written, in row order.

    Empty when the draft has no row errors, or its rows cannot be read again.
    """
    errors = [
        finding
        for finding in upload.findings
        if finding["severity"] == csvformat.ERROR and finding["line"]
    ]
    if not errors:
        return []
    rows = rows_by_line(upload)
    if rows is None:
        return []
    columns = grid_columns(upload.kind)
    if not _in_grid_order(upload, rows, columns):
        return []
    bad_rows: dict[int, BadRow] = {}
    for finding in errors:
        line = finding["line"]
        if line not in rows:
            continue
        if line not in bad_rows:
            # As wide as written: the last column (the comment) only when the
            # row has one.
            width = max(len(columns) - 1, min(len(rows[line]), len(columns)))
            cells = (list(rows[line]) + [""] * len(columns))[:width]
            bad_rows[line] = BadRow(line, cells, {}, [])
        bad_row = bad_rows[line]
        column = finding["column"]
        if column not in columns:
            bad_row.row_messages.append(finding["message"])
            continue
        index = columns.index(column)
        cell = bad_row.bad.setdefault(
            index,
            BadCell(
                column,
                index,
                bad_row.cells[index] if index < len(bad_row.cells) else "",
            ),
        )
        # The form shows where the cell is: "Row 5, Status: " is said already.
        cell.messages.append(_detail(finding))
        cell.suggestion = cell.suggestion or finding.get("suggestion")
    return [bad_rows[line] for line in sorted(bad_rows)]


def _detail(finding: dict[str, Any]) -> str:
    """A stored finding's text without where it is ("Row 5, Status: ").

    Findings stored before they kept their ``detail`` have only the whole
    sentence: its prefix is cut off there.
    """
    if "detail" in finding:
        return finding["detail"]
    where, separator, detail = finding["message"].partition(f", {finding['column']}: ")
    return detail if separator and len(where) < 60 else where


# --- The problems ------------------------------------------------------------------


def findings_total(upload: Upload) -> int:
    """How many findings checking the upload made, stored or not."""
    created = (
        upload.events.filter(action=AuditEvent.Action.UPLOAD_CREATED)
        .values_list("details", flat=True)
        .first()
    )
    total = (created or {}).get("found")
    return max(total or 0, len(upload.findings))


def all_findings(upload: Upload) -> list[dict[str, Any]]:
    """Every finding of the upload: those stored, or when only the first were
    stored, all of them from checking the file again with the team's rules."""
    if findings_total(upload) <= len(upload.findings):
        return upload.findings
    data = original_bytes(upload)
    if data is None or upload.source == Upload.Source.FORM:
        return upload.findings
    result = csvformat.parse(
        data,
        plan_items=plan_item_rules(upload.team),
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=settings.UPLOAD_MAX_ROWS,
        sheet=upload.sheet or None,
    )
    return [asdict(finding) for finding in result.findings]


# --- What AchieveIt said -------------------------------------------------------------


@dataclass(frozen=True)
class RemoteError:
    row: int | None
    message: str
    line: int | None = None  # the row of the person's own file, when known
    external_id: str = ""


def _first(mapping: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if mapping.get(key) not in (None, ""):
            return mapping[key]
    return None


def remote_errors(body: str) -> list[RemoteError]:
    """The errors of an AchieveIt answer whose body is JSON with a list of them
    (``{"errors": [{"row": 5, "message": "..."}]}``, and similar key names); an
    empty list for any other body."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items: Any = data
    if isinstance(data, dict):
        items = _first(data, _LIST_KEYS)
        if items is None and _first(data, _MESSAGE_KEYS) is not None:
            items = [data]
    if not isinstance(items, list):
        return []
    found = []
    for item in items:
        if isinstance(item, str):
            found.append(RemoteError(None, item))
            continue
        if not isinstance(item, dict):
            continue
        message = _first(item, _MESSAGE_KEYS)
        if message is None:
            continue
        row = _first(item, _ROW_KEYS)
        try:
            row = int(row) if row is not None else None
        except (TypeError, ValueError):
            row = None
        found.append(RemoteError(row, str(message)))
    return found


# The states whose page explains a problem with AchieveIt's last answer: a success,
# or a send still on its way, keeps the answers of retried calls in "Calls to
# AchieveIt" only.
PROBLEM_STATES = frozenset(
    {State.FAILED, State.NEEDS_REVIEW, State.RESOLVED, State.CANCELED}
)


def problem_answer(upload: Upload) -> Attempt | None:
    """The call whose answer explains the upload's problem: its latest call that
    got an answer, when the upload ended with a problem; None otherwise (a
    succeeded upload whose first tries got a 500 has no problem to explain)."""
    if upload.state not in PROBLEM_STATES:
        return None
    return (
        upload.attempts.exclude(response_body="").order_by("-started_at", "-pk").first()
    )


def remote_errors_of(
    upload: Upload, answer: Attempt | None = None
) -> list[RemoteError]:
    """AchieveIt's errors in the answer that explains the upload's problem
    (`problem_answer`, or `answer` when given), tied to the person's rows."""
    answer = answer or problem_answer(upload)
    if answer is None:
        return []
    return tie_to_rows(upload, remote_errors(answer.response_body))


def tie_to_rows(upload: Upload, errors: list[RemoteError]) -> list[RemoteError]:
    """AchieveIt's errors, each row of the file as sent (header = row 1) tied to
    the row of the person's file it came from."""
    if not errors:
        return []
    sent_rows = {
        number: row
        for number, row in enumerate(upload.rows.order_by("line"), start=2)
        if any(error.row == number for error in errors)
    }
    tied = []
    for error in errors:
        row = sent_rows.get(error.row) if error.row else None
        tied.append(
            RemoteError(
                error.row,
                error.message,
                row.line if row else None,
                row.external_id if row else "",
            )
        )
    return tied


# --- What happened: the facts its summary is worded from -----------------------------


class RetryWait(NamedTuple):
    """A send waiting to be tried again: in how many seconds, which attempt it
    will be, and the most attempts there are."""

    seconds: int
    attempt: int
    most: int


@dataclass(frozen=True)
class StateFacts:
    """What the page's summary of an upload's state is worded from
    (uploads/wording/uploads.py)."""

    state: str
    row_count: int
    is_sendable: bool
    has_errors: bool
    error_lines: list[int]  # the rows of a draft with errors, in order
    retry: RetryWait | None
    contact_told: bool  # the point of contact was emailed about the failure
    remote_lines: list[int]  # the person's rows AchieveIt's errors came from
    remote_rows_named: bool  # AchieveIt's errors name rows of the file as sent
    replaced_by: int | None  # the newest draft made from a rejected one


def retry_wait(upload: Upload) -> RetryWait | None:
    """How long until a waiting retry, and which attempt it will be; None when no
    retry is waiting."""
    if (
        upload.state != State.QUEUED
        or upload.submit_attempts < 1
        or upload.next_attempt_at is None
    ):
        return None
    seconds = (upload.next_attempt_at - timezone.now()).total_seconds()
    if seconds <= 0:
        return None
    return RetryWait(
        max(1, round(seconds)),
        upload.submit_attempts + 1,
        settings.SUBMIT_MAX_ATTEMPTS,
    )


def state_facts(
    upload: Upload, *, errors: list[dict[str, Any]], remote: list[RemoteError]
) -> StateFacts:
    """The facts the summary of the upload's state is worded from: its findings
    with errors, and AchieveIt's errors (`remote_errors_of`)."""
    replaced_by = None
    if upload.state == State.REJECTED:
        replaced_by = (
            upload.revisions.order_by("-pk")
            .values_list("team_number", flat=True)
            .first()
        )
    return StateFacts(
        state=upload.state,
        row_count=upload.row_count,
        is_sendable=upload.is_sendable,
        has_errors=bool(errors),
        error_lines=sorted({finding["line"] for finding in errors if finding["line"]}),
        retry=retry_wait(upload),
        contact_told=bool(settings.POINT_OF_CONTACT_EMAIL and upload.notified_at),
        remote_lines=sorted({error.line for error in remote if error.line}),
        remote_rows_named=any(error.row for error in remote),
        replaced_by=replaced_by,
    )


def recent_duplicate(upload: Upload) -> Upload | None:
    """The team's latest upload with the same payload sent in the last 30 days."""
    if not upload.checksum:
        return None
    since = timezone.now() - timedelta(days=DUPLICATE_WINDOW_DAYS)
    return (
        Upload.objects.filter(
            team_id=upload.team_id,
            checksum=upload.checksum,
            state__in=SENT_STATES,
            created_at__gte=since,
        )
        .exclude(pk=upload.pk)
        .order_by("-created_at")
        .first()
    )
