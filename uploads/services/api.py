"""The script API's writes: check a file for a token's team, queue it, and keep
the first answer to an Idempotency-Key. These return what happened; the answers'
words and status codes are uploads/wording/api.py's, and uploads/views/api.py
only reads the request and answers."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from uploads import csvformat
from uploads.csvformat.spreadsheet import is_workbook
from uploads.models import ApiIdempotencyKey, ApiToken, Upload
from uploads.selectors.uploads import original_bytes
from uploads.services import column_mappings
from uploads.services.checks import checks_allow
from uploads.services.drafts import (
    check_later,
    upload_confirm,
    upload_create,
    upload_receive,
    upload_reject,
)
from uploads.services.errors import ServiceError
from uploads.wording.api import Answer, submit_answer

IDEMPOTENCY_WINDOW = timedelta(hours=24)
# The most findings a dry run gives back.
CHECK_FINDINGS = 1000
# The findings that ask for a workbook's sheet by name (`?sheet=`).
SHEET_CODES = frozenset({"sheet.choose", "sheet.unknown"})


class KeyInFlight(ServiceError):
    """Another call with the same Idempotency-Key has not been answered yet."""


class KeyReused(ServiceError):
    """The Idempotency-Key was first sent with another request (method, path or
    body): replaying that answer would drop this file silently."""


def request_hash(
    method: str, path: str, data: bytes, *, sheet: str | None = None
) -> str:
    """What makes two calls the same request for an Idempotency-Key: the SHA-256
    of the method, the path, the body and the workbook's `sheet` (`?sheet=`): the
    same workbook with another sheet is another request.

    The sheet is a part only when one is given, so a call without one hashes as
    it did before `?sheet=` existed (a key kept then still replays)."""
    digest = hashlib.sha256()
    parts = [method.upper().encode(), path.encode(), data]
    if sheet is not None:
        parts.append(b"sheet=" + sheet.encode("utf-8", "backslashreplace"))
    for part in parts:
        # Each part's length first, so no two different requests run together
        # into the same bytes.
        digest.update(b"%d:" % len(part))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Checked:
    """A file checked for a team, nothing stored: its first findings, and how
    many updates it would send when it can be sent."""

    findings: list[dict[str, Any]]
    rows: int
    sendable: bool
    # "progress" or "metric": what the file is (a header without Status: metric).
    kind: str = csvformat.PROGRESS
    # A workbook whose sheet must be named (`?sheet=`): its visible sheets, and
    # the sheet the call named (if any).
    sheets: tuple[str, ...] = ()
    sheet: str = ""


@dataclass(frozen=True)
class Submitted:
    """What a POST came to: the upload it made, and whether it was queued; when
    confirming refused it, the refusal's words; `wrong_kind` when the file is of
    the other kind than the call it was sent to (the upload's kind says which)."""

    upload: Upload
    queued: bool
    refusal: str = ""
    wrong_kind: bool = False
    # A big file: stored and handed to a worker to check (and, unless a dry run,
    # queued there when clean); the status call answers the rest.
    checking: bool = False
    # A workbook whose sheet must be named (`?sheet=`): its visible sheets.
    sheets: tuple[str, ...] = ()


def _sheet_for(data: bytes, sheet: str | None) -> str | None:
    """The sheet to read: `?sheet=` for a workbook; nothing for a CSV or JSON
    body, which has no sheets (the parameter is ignored there)."""
    return sheet if sheet and is_workbook(data) else None


def _asks_for_sheet(findings: list[dict[str, Any]]) -> bool:
    return any(finding.get("code") in SHEET_CODES for finding in findings)


def sheets_to_choose(upload: Upload) -> tuple[str, ...]:
    """The visible sheets of a big API upload's stored workbook, closed by the
    worker because its findings ask for a sheet by name (none chosen, or an
    unknown one): what its status answers with. Else () (nothing is read)."""
    if not upload.api_kind or upload.state != Upload.State.REJECTED:
        return ()
    if not _asks_for_sheet(upload.findings or []):
        return ()
    data = original_bytes(upload)
    return tuple(csvformat.sheet_names(data)) if data else ()


def api_check(
    token: ApiToken,
    data: bytes,
    *,
    content_type: str | None = None,
    sheet: str | None = None,
) -> Checked:
    """Check the file as an upload of the token's team would be; store nothing.
    `content_type` is the request's (JSON when it says application/json); `sheet`
    the workbook's sheet to read (else it is picked, or the findings ask)."""
    # With the team's saved column mapping when one matches the file's header.
    result = column_mappings.check_for_team(
        token.team,
        data,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=settings.UPLOAD_MAX_ROWS,
        content_type=content_type,
        sheet=_sheet_for(data, sheet),
    )
    findings = [asdict(finding) for finding in result.findings[:CHECK_FINDINGS]]
    asks = _asks_for_sheet(findings)
    return Checked(
        findings=findings,
        rows=len(result.updates),
        sendable=result.is_valid and bool(result.updates),
        kind=result.kind,
        sheets=tuple(result.sheet_names) if asks else (),
        sheet=(_sheet_for(data, sheet) or "") if asks else "",
    )


def api_submit(
    token: ApiToken,
    data: bytes,
    original_name: str,
    *,
    kind: str = csvformat.PROGRESS,
    sheet: str | None = None,
) -> Submitted:
    """Check the file as an upload of the token's team and queue it if clean and
    of the `kind` the call takes; a file that cannot be sent is closed at once, so
    it sits in nobody's drafts. A name ending in ``.json`` is read as JSON; `sheet`
    is the workbook's sheet to read (kept on the upload), else it is picked.

    A file over CHECK_IN_WORKER_BYTES is checked by a worker (`checking`), so no
    web thread is held by it. Raises TooManyChecks past the token's or the team's
    checks at once (services/checks.py).
    """
    checks_allow(team=token.team, api_token=token)
    if len(data) > settings.CHECK_IN_WORKER_BYTES:
        return api_check_later(token, data, original_name, kind=kind, sheet=sheet)
    upload = upload_create(
        team=token.team,
        user=None,
        data=data,
        original_name=original_name,
        source=Upload.Source.API,
        api_token=token,
        sheet=_sheet_for(data, sheet) or "",
    )
    if upload.kind != kind:
        # A metric file sent as progress updates (or the other way round) would
        # reach the wrong AchieveIt call: refused whole, whatever else it holds.
        upload_reject(upload=upload, user=None)
        return Submitted(upload, queued=False, wrong_kind=True)
    if not upload.is_sendable:
        upload_reject(upload=upload, user=None)
        sheets = ()
        if _asks_for_sheet(upload.findings or []):
            sheets = tuple(csvformat.sheet_names(data))
        return Submitted(upload, queued=False, sheets=sheets)
    try:
        upload = upload_confirm(upload=upload, user=None)
    except ServiceError as error:
        upload_reject(upload=upload, user=None)
        return Submitted(upload, queued=False, refusal=str(error))
    return Submitted(upload, queued=True)


def api_check_later(
    token: ApiToken,
    data: bytes,
    original_name: str,
    *,
    kind: str = csvformat.PROGRESS,
    dry_run: bool = False,
    sheet: str | None = None,
) -> Submitted:
    """Store a big file as the token's team's upload (state checking) and have a
    worker check it, reading the workbook's `sheet` when given; `api_after_check`
    then queues it (or, for a `dry_run`, only keeps the findings). Raises
    TooManyChecks as `api_submit` does."""
    checks_allow(team=token.team, api_token=token)
    with transaction.atomic():
        upload = upload_receive(
            team=token.team,
            user=None,
            data=data,
            original_name=original_name,
            source=Upload.Source.API,
            api_token=token,
            sheet=_sheet_for(data, sheet) or "",
        )
        Upload.objects.filter(pk=upload.pk).update(api_kind=kind, dry_run=dry_run)
        upload.api_kind, upload.dry_run = kind, dry_run
        check_later(upload)
    return Submitted(upload, queued=False, checking=True)


def api_after_check(*, upload_id: int) -> None:
    """After a worker checked a big file a script sent: queue it when clean and of
    the kind of the call it was sent to; else (and always for a dry run) close
    it, so it sits in nobody's drafts. Nothing to do for any other upload."""
    upload = (
        Upload.objects.select_related("team")
        .filter(pk=upload_id, state=Upload.State.DRAFT, source=Upload.Source.API)
        .exclude(api_kind="")
        .first()
    )
    if upload is None:
        return
    if upload.dry_run or upload.kind != upload.api_kind or not upload.is_sendable:
        upload_reject(upload=upload, user=None)
        return
    try:
        upload_confirm(upload=upload, user=None)
    except ServiceError as error:
        upload_reject(upload=upload, user=None)
        Upload.objects.filter(pk=upload.pk).update(error_text=str(error))


def api_finish_checked() -> int:
    """The sweep's share: big API files a worker checked but did not go on with
    (killed between the check and `api_after_check`), queued or closed now. How
    many were."""
    stale = timezone.now() - timedelta(seconds=settings.REQUEUE_AFTER)
    left = Upload.objects.filter(
        state=Upload.State.DRAFT, source=Upload.Source.API, updated_at__lte=stale
    ).exclude(api_kind="")
    finished = 0
    for upload_id in left.values_list("pk", flat=True)[:100]:
        api_after_check(upload_id=upload_id)
        finished += 1
    return finished


def api_submit_once(
    token: ApiToken,
    key: str,
    data: bytes,
    original_name: str,
    *,
    kind: str = csvformat.PROGRESS,
    fingerprint: str = "",
    sheet: str | None = None,
) -> tuple[Answer, bool]:
    """The answer to a key, and whether it is replayed: the first one given
    within 24 h, else a new one (kept for the next call with the key).
    `fingerprint` is the call's `request_hash` (its `sheet` included): a key
    replays only that request.

    The key's row is written first, in the transaction that makes the upload: the
    unique constraint decides which of two concurrent calls does the work, and the
    other (on PostgreSQL, blocked on that row until the first commits) replays it.
    Raises KeyReused when the key was first sent with another request, and
    KeyInFlight when the first call with the key is not answered yet.
    """
    ApiIdempotencyKey.objects.filter(
        team=token.team, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW
    ).delete()
    try:
        with transaction.atomic():
            record = ApiIdempotencyKey.objects.create(
                team=token.team, key=key, request_hash=fingerprint
            )
            submitted = api_submit(token, data, original_name, kind=kind, sheet=sheet)
            answer = submit_answer(submitted)
            record.status_code = answer.status
            record.body = answer.body
            record.upload = submitted.upload
            record.save(update_fields=["status_code", "body", "upload"])
        return answer, False
    except IntegrityError:
        pass
    record = ApiIdempotencyKey.objects.filter(team=token.team, key=key).first()
    # A key kept before hashes were stored (empty) replays as it did then.
    if record is not None and record.request_hash not in ("", fingerprint):
        raise KeyReused("The Idempotency-Key was used for another request.")
    if record is None or record.status_code is None:
        raise KeyInFlight("The first call with this Idempotency-Key is not answered.")
    return Answer(record.status_code, record.body), True
