"""Drafts: a file or form checked and kept, until a person confirms or discards it.

Nothing leaves the portal from here; confirming hands the upload to delivery. A
new draft made from a draft (cells corrected, rows with errors left out) is
services/revisions.py, which makes it with `save_draft` like every other.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from uploads import csvformat
from uploads.csvformat.exports import render_rows
from uploads.models import ApiToken, AuditEvent, Team, Upload, UploadRow
from uploads.selectors import plan_item_rules
from uploads.selectors import uploads as selectors_uploads
from uploads.services import column_mappings, delivery
from uploads.services.audit import audit
from uploads.services.errors import ServiceError
from uploads.services.older_dates import older_date_findings

Action = AuditEvent.Action
State = Upload.State
# Findings kept on the upload for the preview; a file with more is summarized.
MAX_STORED_FINDINGS = 1000


def store_original(*, team: Team, data: bytes) -> str:
    """Keep a file as received in private storage; returns its relative path."""
    relative = Path("uploads") / team.slug / f"{uuid.uuid4().hex}.bin"
    target = settings.PRIVATE_STORAGE_DIR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(relative)


def upload_create(
    *,
    team: Team,
    user: AbstractBaseUser | None,
    data: bytes,
    original_name: str = "",
    source: str = Upload.Source.CSV,
    max_rows: int | None = None,
    api_token: ApiToken | None = None,
    sheet: str = "",
) -> Upload:
    """Validate a file for a team and keep it as a draft with its findings.

    The file is stored and its upload exists (state checking) before it is
    checked, so nothing a person sent is lost whatever the check meets. Never
    raises for bad content: problems become findings. `api_token` is the token a
    script sent it with (kept on the upload, its name in the history); `sheet`
    the workbook's sheet to read (else it is picked, or the draft asks).
    """
    upload = upload_receive(
        team=team,
        user=user,
        data=data,
        original_name=original_name,
        source=source,
        api_token=api_token,
        sheet=sheet,
    )
    return upload_check(upload=upload, data=data, max_rows=max_rows)


def upload_receive(
    *,
    team: Team,
    user: AbstractBaseUser | None,
    data: bytes,
    original_name: str = "",
    source: str = Upload.Source.CSV,
    api_token: ApiToken | None = None,
    sheet: str = "",
) -> Upload:
    """Keep a file, unchecked, as an upload in state checking.

    Fast whatever the file holds: `upload_check` (at once, or in a worker through
    `check_later` for a big file) makes it a draft.
    """
    return Upload.objects.create(
        team=team,
        created_by=user,
        source=source,
        original_name=original_name[:255],
        original_path=store_original(team=team, data=data),
        state=State.CHECKING,
        api_token=api_token,
        sheet=sheet,
    )


def check_later(upload: Upload) -> None:
    """Have a worker check the upload once the transaction that made it commits.

    A lost message only delays it: the sweep publishes uploads left checking.
    """
    transaction.on_commit(lambda: delivery.publish_check(upload.pk), robust=True)


def upload_check(
    *,
    upload: Upload,
    data: bytes | None = None,
    max_rows: int | None = None,
    report_progress: bool = False,
) -> Upload:
    """Check a stored upload (state checking) and make it a draft.

    `data` is the file when the caller still holds it (else it is read back from
    storage). With `report_progress` (a worker's check) the rows read so far are
    written to the upload as it goes, for its page. Returns the upload as it now
    is: unchanged when it was no longer checking (another worker got there first).
    """
    if data is None:
        data = selectors_uploads.original_bytes(upload) or b""

    def note_progress(rows: int) -> None:
        Upload.objects.filter(pk=upload.pk, state=State.CHECKING).update(
            rows_checked=rows
        )

    # With the team's saved column mapping when one matches the file's header.
    result = column_mappings.check_for_team(
        upload.team,
        data,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=max_rows or settings.UPLOAD_MAX_ROWS,
        progress=note_progress if report_progress else None,
        content_type=content_type_for(upload.original_name),
        sheet=upload.sheet or None,
    )
    return save_draft(
        team=upload.team,
        user=upload.created_by,
        source=upload.source,
        original_name=upload.original_name,
        original_path=upload.original_path,
        updates=result.updates,
        findings=_kept_findings(result),
        sendable=result.is_valid,
        errors=result.error_count,
        checking=upload,
        api_token=upload.api_token,
        kind=result.kind,
        # The preview says how many more there are than it shows.
        found=len(result.findings),
    )


def content_type_for(name: str) -> str | None:
    """The content type a file's name says: JSON for ``.json``, a workbook's for
    ``.xlsx``, ``.xlsm``, ``.xls`` and ``.ods`` (so a file only named as one is
    told it is not one), else None (the reader then tells CSV from JSON by the
    first character; a workbook is told by its bytes whatever its name)."""
    if name.lower().endswith(".json"):
        return "application/json"
    return csvformat.content_type_for_name(name)


def upload_check_by_id(*, upload_id: int) -> None:
    """The worker's check of a stored file; nothing to do once it is checked."""
    upload = (
        Upload.objects.select_related("team", "created_by", "api_token")
        .filter(pk=upload_id, state=State.CHECKING)
        .first()
    )
    if upload is not None:
        upload_check(upload=upload, report_progress=True)


def _kept_findings(result: csvformat.Result) -> list[dict[str, Any]]:
    """The findings kept on a draft: the first MAX_STORED_FINDINGS, and always the
    summaries of the ones not listed (they come last and give the counts)."""
    kept = result.findings[:MAX_STORED_FINDINGS]
    summaries = [f for f in result.findings[MAX_STORED_FINDINGS:] if f.line is None]
    return [asdict(finding) for finding in kept + summaries]


class FormAlreadySent(ServiceError):
    """The form was posted before: `upload` is the draft its first post made."""

    def __init__(self, upload: Upload) -> None:
        super().__init__("This form was already sent.")
        self.upload = upload


def upload_create_from_form(
    *,
    team: Team,
    user: AbstractBaseUser | None,
    rows: Sequence[Sequence[str]],
    form_token: str,
    lines: Sequence[int] | None = None,
) -> Upload:
    """Check the rows a person entered in the form and keep them as a draft.

    `rows` are the changed rows, in the form's order, as four or five cells each
    (External ID, Status, Current Value, As Of Date[, Comment]), checked exactly as
    a file's rows are. `lines` are the row numbers the form shows for them (1, 2,
    ... by default): updates and findings use those numbers, and each finding names its
    External ID beside the number. The original kept for the draft is the CSV of
    what was entered (a header, then the rows in order). Never raises for bad
    content: problems become findings. Raises FormAlreadySent (with the first
    draft) when a draft was already made from `form_token`, so a form posted
    twice makes one draft.
    """
    existing = Upload.objects.filter(team=team, form_token=form_token).first()
    if existing is not None:
        raise FormAlreadySent(existing)
    lines = list(lines) if lines is not None else list(range(1, len(rows) + 1))
    result = csvformat.parse_rows(
        rows, plan_items=plan_item_rules(team), max_rows=settings.UPLOAD_MAX_ROWS
    )
    # parse_rows numbers the rows 1, 2, ...; name each by the form's row instead.
    by_index = dict(enumerate(lines, 1))
    updates = [update._replace(line=by_index[update.line]) for update in result.updates]
    external_ids = {
        line: str(row[0]).strip() for line, row in zip(lines, rows, strict=True)
    }
    findings = [
        asdict(finding)
        for finding in renumbered(
            result.findings[:MAX_STORED_FINDINGS], by_index, external_ids
        )
    ]
    try:
        return save_draft(
            team=team,
            user=user,
            source=Upload.Source.FORM,
            original_name=f"{team.slug}-entered-{timezone.localdate():%Y-%m-%d}.csv",
            original_path=store_original(team=team, data=entered_csv(rows)),
            updates=updates,
            findings=findings,
            sendable=result.is_valid,
            errors=result.error_count,
            form_token=form_token,
            kind=result.kind,
        )
    except IntegrityError:
        # The same form posted twice at once: the other post made the draft.
        raise FormAlreadySent(
            Upload.objects.get(team=team, form_token=form_token)
        ) from None


def entered_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """What the person entered, as a CSV file with the usual header (and a Comment
    column when a row has a comment, as AchieveIt's own template does)."""
    with_comment = any(len(row) > 4 and row[4] for row in rows)
    width = 5 if with_comment else 4
    header = [*csvformat.HEADER, csvformat.COLUMN_COMMENT][:width]
    return render_rows(
        ((list(row) + [""] * width)[:width] for row in rows), header=header
    )


def save_draft(
    *,
    team: Team,
    user: AbstractBaseUser | None,
    source: str,
    original_name: str,
    original_path: str,
    updates: list[csvformat.Update],
    findings: list[dict[str, Any]],
    sendable: bool,
    errors: int,
    form_token: str = "",
    revision_of: Upload | None = None,
    api_token: ApiToken | None = None,
    checking: Upload | None = None,
    kind: str = csvformat.PROGRESS,
    **details: Any,
) -> Upload:
    """Store a draft with its normalized updates, one row each, in one transaction.

    `checking` is the stored upload (state checking) that becomes the draft; without
    it a new upload is made.
    """
    if api_token is not None:
        details["api_token"] = api_token.name
    if updates:  # after the check: it needs what the team sent before
        findings = [*findings, *older_date_findings(team, updates, kind=kind)]
    # Only a sendable draft has a payload, and so a payload checksum.
    payload = csvformat.render_csv(updates, kind=kind) if sendable else b""
    fields = {
        "kind": kind,
        "normalized_csv": payload.decode("utf-8"),
        "findings": findings,
        "row_count": len(updates),
        "checksum": hashlib.sha256(payload).hexdigest() if payload else "",
        "state": State.DRAFT,
    }
    with transaction.atomic():
        if checking is None:
            upload = Upload.objects.create(
                team=team,
                created_by=user,
                source=source,
                original_name=original_name,
                original_path=original_path,
                form_token=form_token,
                revision_of=revision_of,
                api_token=api_token,
                **fields,
            )
        elif checking.transition(expected=State.CHECKING, **fields):
            upload = checking
            for name, value in fields.items():
                setattr(upload, name, value)
        else:
            checking.refresh_from_db()  # another worker checked it first
            return checking
        _store_rows(upload, updates)
        audit(
            action=Action.UPLOAD_CREATED,
            upload=upload,
            actor=user,
            source=source,
            rows=len(updates),
            errors=errors,
            # Counted, not subtracted: `errors` counts summarized errors that
            # `findings` lists once, so the difference went negative.
            notes=sum(f.get("severity") != csvformat.ERROR for f in findings),
            **details,
        )
    return upload


_ROW_COLUMNS = (
    "upload_id",
    "line",
    "external_id",
    "status",
    "value",
    "as_of_date",
    "comment",
)


def _store_rows(upload: Upload, updates: list[csvformat.Update]) -> None:
    """One UploadRow per update, inside the caller's transaction.

    PostgreSQL takes them through COPY: for a 100,000-row file that is seconds
    faster than INSERTs, and builds no model instance per row.
    """
    rows = (
        (
            upload.pk,
            update.line,
            update.external_id,
            update.status,
            csvformat.format_value(update.value),
            update.as_of_date,
            update.comment,
        )
        for update in updates
    )
    if connection.vendor == "postgresql":
        statement = (
            f"COPY {UploadRow._meta.db_table} ({', '.join(_ROW_COLUMNS)}) FROM STDIN"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    UploadRow.objects.bulk_create(
        (UploadRow(**dict(zip(_ROW_COLUMNS, row, strict=True))) for row in rows),
        batch_size=2000,
    )


def renumbered(
    findings: Sequence[csvformat.Finding],
    by_index: dict[int, int],
    external_ids: dict[int, str],
) -> list[csvformat.Finding]:
    """The findings about the i-th row checked, named by that row's own number
    (``by_index[i]``) and, for a form's row, by its External ID too (the person
    looks for the item in the form, not for a row of a file)."""
    named = []
    for finding in findings:
        if finding.line is not None and finding.line in by_index:
            line = by_index[finding.line]
            finding = replace(
                finding, line=line, external_id=external_ids.get(line, "")
            )
        named.append(finding)
    return named


def upload_reject(*, upload: Upload, user: AbstractBaseUser | None) -> bool:
    """Close a draft that will not be sent (it keeps its file and findings)."""
    with transaction.atomic():
        changed = upload.transition(
            expected=State.DRAFT, state=State.REJECTED, finished_at=timezone.now()
        )
        if changed:
            audit(action=Action.UPLOAD_REJECTED, upload=upload, actor=user)
    return bool(changed)


def drafts_expire() -> int:
    """Discard drafts nobody sent within DRAFT_MAX_AGE_DAYS (beat runs this).

    Each keeps its file, rows and findings, and gets an audit event saying why.
    Returns how many were discarded.
    """
    now = timezone.now()
    cutoff = now - timedelta(days=settings.DRAFT_MAX_AGE_DAYS)
    expired = 0
    for upload in Upload.objects.filter(state=State.DRAFT, created_at__lt=cutoff):
        with transaction.atomic():
            if upload.transition(
                expected=State.DRAFT, state=State.REJECTED, finished_at=now
            ):
                audit(
                    action=Action.UPLOAD_EXPIRED,
                    upload=upload,
                    days=settings.DRAFT_MAX_AGE_DAYS,
                )
                expired += 1
    return expired


def upload_confirm(*, upload: Upload, user: AbstractBaseUser | None) -> Upload:
    """Queue a clean draft for sending; the submit task is published on commit.

    Raises ServiceError when the draft has errors, no rows, or is no longer a draft
    (a confirmation posted twice queues the upload once).
    """
    if not upload.is_sendable:
        raise ServiceError("This upload has errors and cannot be sent.")
    now = timezone.now()
    with transaction.atomic():
        changed = upload.transition(
            expected=State.DRAFT,
            state=State.QUEUED,
            confirmed_at=now,
            next_attempt_at=now,
        )
        if not changed:
            raise ServiceError("This upload was already confirmed.")
        # A script's upload is named by its token in the history and its export.
        script = {"api_token": upload.api_token.name} if upload.api_token else {}
        audit(action=Action.UPLOAD_CONFIRMED, upload=upload, actor=user, **script)
        transaction.on_commit(lambda: delivery.publish_submit(upload.pk))
    upload.refresh_from_db()
    return upload
