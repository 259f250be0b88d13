"""Every state change of an upload, each a conditional update in a transaction.

The life of an upload (DESIGN.md):
draft -> queued -> submitting -> processing -> succeeded | failed | needs_review,
with staff retry / resolve / cancel. A transition is an
`UPDATE ... WHERE state = expected`; when it matches no row, another worker or a
person got there first and this call does nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from uploads import achieveit, csvformat
from uploads.models import Attempt, AuditEvent, Team, Upload, UploadRow
from uploads.selectors import plan_item_rules

logger = logging.getLogger(__name__)

State = Upload.State
# Findings kept on the upload for the preview; a file with more is summarized.
MAX_STORED_FINDINGS = 1000


class ServiceError(Exception):
    """A person asked for something the upload's state or content does not allow."""


def audit(
    *,
    action: str,
    upload: Upload | None = None,
    team: Team | None = None,
    actor: AbstractBaseUser | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event to the audit history (actor None means the system)."""
    return AuditEvent.objects.create(
        action=action,
        upload=upload,
        team=team or (upload.team if upload else None),
        actor=actor,
        details=details,
    )


def _store_original(*, team: Team, data: bytes) -> str:
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
) -> Upload:
    """Validate a file for a team and keep it as a draft with its findings.

    The original bytes are stored privately whatever their content, so nothing a
    person sent is lost. Never raises for bad content: problems become findings.
    """
    result = csvformat.parse(
        data,
        plan_items=plan_item_rules(team),
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=max_rows or settings.UPLOAD_MAX_ROWS,
    )
    findings = [asdict(finding) for finding in result.findings[:MAX_STORED_FINDINGS]]
    return _save_draft(
        team=team,
        user=user,
        source=source,
        original_name=original_name[:255],
        original_path=_store_original(team=team, data=data),
        updates=result.updates,
        findings=findings,
        sendable=result.is_valid,
        errors=len(result.errors),
    )


def _save_draft(
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
    **details: Any,
) -> Upload:
    """Store a draft with its normalized updates, one row each, in one transaction."""
    # Only a sendable draft has a payload, and so a payload checksum.
    payload = csvformat.render_csv(updates) if sendable else b""
    with transaction.atomic():
        upload = Upload.objects.create(
            team=team,
            created_by=user,
            source=source,
            original_name=original_name,
            original_path=original_path,
            normalized_csv=payload.decode("utf-8"),
            findings=findings,
            row_count=len(updates),
            checksum=hashlib.sha256(payload).hexdigest() if payload else "",
            state=State.DRAFT,
        )
        UploadRow.objects.bulk_create(
            (
                UploadRow(
                    upload=upload,
                    line=update.line,
                    external_id=update.external_id,
                    status=update.status,
                    value=csvformat.format_value(update.value),
                    as_of_date=update.as_of_date,
                )
                for update in updates
            ),
            batch_size=2000,
        )
        audit(
            action="upload.created",
            upload=upload,
            actor=user,
            source=source,
            rows=len(updates),
            errors=errors,
            notes=len(findings) - errors,
            **details,
        )
    return upload


def upload_exclude_invalid(*, upload: Upload, user: AbstractBaseUser) -> Upload:
    """Make a new, clean draft from a draft's valid rows; the old one is rejected.

    The new draft keeps the original file, so nothing the person sent is lost.
    Raises ServiceError when the draft is no longer a draft or has no valid row.
    """
    rows = list(upload.rows.all())
    if not rows:
        raise ServiceError("No row of this file is valid: there is nothing to send.")
    updates = [
        csvformat.Update(
            external_id=row.external_id,
            status=row.status,
            value=Decimal(row.value) if row.value else None,
            as_of_date=row.as_of_date,
            line=row.line,
        )
        for row in rows
    ]
    left_out = sum(1 for f in upload.findings if f["severity"] == "error")
    note = {
        "line": None,
        "column": None,
        "severity": "warning",
        "message": (
            f"Made from upload #{upload.pk} without its {left_out} error(s): "
            "the rows with errors are not sent."
        ),
        "code": "upload.invalid_rows_excluded",
    }
    with transaction.atomic():
        if not Upload.objects.filter(pk=upload.pk, state=State.DRAFT).update(
            state=State.REJECTED, finished_at=timezone.now()
        ):
            raise ServiceError("This upload is no longer a draft.")
        clean = _save_draft(
            team=upload.team,
            user=user,
            source=upload.source,
            original_name=upload.original_name,
            original_path=upload.original_path,
            updates=updates,
            findings=[note],
            sendable=True,
            errors=0,
            made_from=upload.pk,
        )
        audit(action="upload.rejected", upload=upload, actor=user, replaced_by=clean.pk)
    return clean


def upload_reject(*, upload: Upload, user: AbstractBaseUser | None) -> bool:
    """Close a draft that will not be sent (it keeps its file and findings)."""
    with transaction.atomic():
        changed = Upload.objects.filter(pk=upload.pk, state=State.DRAFT).update(
            state=State.REJECTED, finished_at=timezone.now()
        )
        if changed:
            audit(action="upload.rejected", upload=upload, actor=user)
    return bool(changed)


def upload_confirm(*, upload: Upload, user: AbstractBaseUser | None) -> Upload:
    """Queue a clean draft for sending; the submit task is published on commit.

    Raises ServiceError when the draft has errors, no rows, or is no longer a draft
    (a confirmation posted twice queues the upload once).
    """
    if not upload.is_sendable:
        raise ServiceError("This upload has errors and cannot be sent.")
    now = timezone.now()
    with transaction.atomic():
        changed = Upload.objects.filter(pk=upload.pk, state=State.DRAFT).update(
            state=State.QUEUED, confirmed_at=now, next_attempt_at=now
        )
        if not changed:
            raise ServiceError("This upload was already confirmed.")
        audit(action="upload.confirmed", upload=upload, actor=user)
        transaction.on_commit(lambda: publish_submit(upload.pk))
    upload.refresh_from_db()
    return upload


def publish_submit(upload_id: int, *, countdown: float | None = None) -> bool:
    """Hand the upload to a worker to send; see _publish."""
    from uploads.tasks import submit_upload

    return _publish(submit_upload, upload_id, countdown)


def publish_poll(upload_id: int, *, countdown: float | None = None) -> bool:
    """Ask a worker to poll AchieveIt for the upload; see _publish."""
    from uploads.tasks import poll_upload

    return _publish(poll_upload, upload_id, countdown)


def _publish(task: Any, upload_id: int, countdown: float | None) -> bool:
    """Publish once, without waiting on the broker. An outage only delays the
    upload: its due time is in the database and the sweep publishes it again, so
    a failure here is logged, not raised (a person confirming is not kept waiting).
    """
    try:
        task.apply_async(args=[upload_id], countdown=countdown, retry=False)
    except (BrokerError, OSError) as error:
        logger.warning("could not publish %s(%s): %s", task.name, upload_id, error)
        return False
    return True


_clients: dict[tuple[Any, ...], achieveit.AchieveItClient] = {}


def _client() -> achieveit.AchieveItClient:
    """One client (one connection pool) per worker process and configuration."""
    key = (
        settings.ACHIEVEIT_BASE_URL,
        settings.ACHIEVEIT_API_KEY,
        settings.ACHIEVEIT_CONNECT_TIMEOUT,
        settings.ACHIEVEIT_READ_TIMEOUT,
    )
    if key not in _clients:
        _clients.clear()
        _clients[key] = achieveit.client_from_settings()
    return _clients[key]


def _record_attempt(
    *,
    upload: Upload,
    kind: str,
    started_at: datetime,
    result: achieveit.SubmitResult | achieveit.StatusResult,
    job_id: str = "",
) -> Attempt:
    return Attempt.objects.create(
        upload=upload,
        kind=kind,
        started_at=started_at,
        finished_at=timezone.now(),
        status_code=result.status_code,
        outcome=result.outcome.value,
        message=result.message,
        response_body=result.body,
        job_id=job_id,
    )


def _transition(
    upload: Upload, *, expected: State | frozenset[str], **changes: Any
) -> bool:
    states = [expected] if isinstance(expected, str) else list(expected)
    return bool(Upload.objects.filter(pk=upload.pk, state__in=states).update(**changes))


def _submit_backoff(attempts: int) -> int:
    return get_exponential_backoff_interval(
        factor=settings.SUBMIT_RETRY_BASE,
        retries=max(attempts - 1, 0),
        maximum=settings.SUBMIT_RETRY_MAX,
        full_jitter=True,
    )


def _poll_backoff(poll_count: int) -> int:
    return get_exponential_backoff_interval(
        factor=settings.POLL_FIRST_DELAY,
        retries=poll_count,
        maximum=settings.POLL_MAX_DELAY,
    )


def upload_submit(*, upload_id: int) -> None:
    """Send a queued upload to AchieveIt once, and move it on by the outcome.

    The claim (queued -> submitting) is conditional, so a task delivered twice, or
    published by both confirm and the sweep, sends the file once.
    """
    now = timezone.now()
    try:
        client = _client()
    except achieveit.ConfigurationError as error:
        upload = Upload.objects.filter(pk=upload_id, state=State.QUEUED).first()
        if upload is None:
            return
        _finish_with_problem(
            upload,
            state=State.FAILED,
            message=f"The portal cannot reach AchieveIt as configured: {error}",
            expected=State.QUEUED,
        )
        return
    upload = (
        Upload.objects.select_related("team")
        .filter(pk=upload_id, state=State.QUEUED, next_attempt_at__lte=now)
        .first()
    )
    if upload is None:
        return
    attempt = upload.submit_attempts + 1
    filename = achieveit.remote_filename(
        team_slug=upload.team.slug, upload_id=upload.pk, when=now, attempt=attempt
    )
    with transaction.atomic():
        # The claim: whoever moves the attempt count on first sends the file.
        if not Upload.objects.filter(
            pk=upload.pk, state=State.QUEUED, submit_attempts=upload.submit_attempts
        ).update(
            state=State.SUBMITTING,
            submitting_since=now,
            submit_attempts=attempt,
            remote_filename=filename,
        ):
            return
        audit(action="submit.started", upload=upload, attempt=attempt)
    upload.submit_attempts = attempt

    result = client.submit(
        filename=filename, csv_bytes=upload.normalized_csv.encode("utf-8")
    )
    with transaction.atomic():
        _record_attempt(
            upload=upload,
            kind=Attempt.Kind.SUBMIT,
            started_at=now,
            result=result,
            job_id=result.job_id or "",
        )
        _after_submit(upload, result)


def _after_submit(upload: Upload, result: achieveit.SubmitResult) -> None:
    outcome = achieveit.SubmitOutcome
    now = timezone.now()
    # Each branch only applies while the upload is still ours: a sweep or a person
    # may have moved it on while the request was in flight.
    mine = {"expected": State.SUBMITTING}
    if result.outcome is outcome.QUEUED:
        delay = _poll_backoff(0)
        if _transition(
            upload,
            **mine,
            state=State.PROCESSING,
            job_id=result.job_id,
            submitted_at=now,
            poll_count=0,
            next_poll_at=now + timedelta(seconds=delay),
            error_text="",
        ):
            audit(action="submit.queued", upload=upload, job_id=result.job_id)
            transaction.on_commit(partial(publish_poll, upload.pk, countdown=delay))
        return
    if result.outcome is outcome.NOT_QUEUED:
        if upload.submit_attempts < settings.SUBMIT_MAX_ATTEMPTS:
            delay = _submit_backoff(upload.submit_attempts)
            if _transition(
                upload,
                **mine,
                state=State.QUEUED,
                next_attempt_at=now + timedelta(seconds=delay),
                error_text=result.message,
            ):
                audit(
                    action="submit.retry_scheduled",
                    upload=upload,
                    attempt=upload.submit_attempts,
                    delay_seconds=delay,
                    reason=result.message,
                )
                transaction.on_commit(
                    partial(publish_submit, upload.pk, countdown=delay)
                )
            return
        message = (
            f"AchieveIt could not queue the file after {upload.submit_attempts} "
            f"attempts. Last answer: {result.message}"
        )
        _finish_with_problem(upload, state=State.FAILED, message=message, **mine)
        return
    if result.outcome is outcome.UNKNOWN:
        _finish_with_problem(
            upload, state=State.NEEDS_REVIEW, message=result.message, **mine
        )
        return
    # AUTH_FAILED and REJECTED: AchieveIt refused the request; sending the same
    # request again would be refused again.
    _finish_with_problem(upload, state=State.FAILED, message=result.message, **mine)


def _finish_with_problem(
    upload: Upload, *, state: State, message: str, expected: Any
) -> bool:
    now = timezone.now()
    changes: dict[str, Any] = {"state": state, "error_text": message}
    if state == State.FAILED:
        changes["finished_at"] = now
    with transaction.atomic():
        if not _transition(upload, expected=expected, **changes):
            return False
        audit(action=f"upload.{state}", upload=upload, reason=message)
        # Mail once the new state is committed, and never inside the transaction.
        transaction.on_commit(partial(notify_problem, upload_id=upload.pk))
    return True


def upload_poll(*, upload_id: int) -> None:
    """Ask AchieveIt once for the verdict on a processing upload.

    The poll is claimed by moving next_poll_at forward (a lease): a duplicate task
    finds nothing due, and a worker killed mid-poll leaves a poll the sweep finds.
    """
    now = timezone.now()
    lease = settings.ACHIEVEIT_CONNECT_TIMEOUT + settings.ACHIEVEIT_READ_TIMEOUT + 5
    claimed = Upload.objects.filter(
        pk=upload_id, state=State.PROCESSING, next_poll_at__lte=now
    ).update(next_poll_at=now + timedelta(seconds=lease))
    if not claimed:
        return
    upload = Upload.objects.select_related("team").get(pk=upload_id)
    mine = {"expected": State.PROCESSING}
    deadline = upload.submitted_at + timedelta(seconds=settings.POLL_DEADLINE)
    if now >= deadline:
        _finish_with_problem(
            upload,
            state=State.NEEDS_REVIEW,
            message=(
                f"AchieveIt gave no verdict on job {upload.job_id} by the deadline "
                f"({settings.POLL_DEADLINE / 3600:g} h after it was queued). "
                "Check the job in AchieveIt, then resolve or retry."
            ),
            **mine,
        )
        return

    result = _client().status(job_id=upload.job_id)
    with transaction.atomic():
        _record_attempt(
            upload=upload,
            kind=Attempt.Kind.POLL,
            started_at=now,
            result=result,
            job_id=upload.job_id,
        )
        _after_poll(upload, result)


def _after_poll(upload: Upload, result: achieveit.StatusResult) -> None:
    mine = {"expected": State.PROCESSING}
    outcome = achieveit.StatusOutcome
    if result.outcome in (outcome.PROCESSING, outcome.TRANSPORT_ERROR):
        poll_count = upload.poll_count + 1
        delay = _poll_backoff(poll_count)
        if _transition(
            upload,
            **mine,
            poll_count=poll_count,
            next_poll_at=timezone.now() + timedelta(seconds=delay),
        ):
            transaction.on_commit(partial(publish_poll, upload.pk, countdown=delay))
        return
    if result.outcome is outcome.SUCCEEDED:
        if _transition(
            upload,
            **mine,
            state=State.SUCCEEDED,
            finished_at=timezone.now(),
            error_text="",
        ):
            audit(action="upload.succeeded", upload=upload, job_id=upload.job_id)
        return
    if result.outcome is outcome.UNKNOWN_JOB:
        _finish_with_problem(
            upload, state=State.NEEDS_REVIEW, message=result.message, **mine
        )
        return
    # FAILED (400/500 verdict) and AUTH_FAILED.
    message = result.message
    if result.body:
        message = f"{message}\n\nAchieveIt said: {result.body}"
    _finish_with_problem(upload, state=State.FAILED, message=message, **mine)


def upload_sweep() -> dict[str, int]:
    """The periodic safety net (Celery beat): nothing is lost, nothing stays stuck.

    Publishes queued uploads no worker took, polls that are overdue, and moves
    uploads left in `submitting` by a dead worker to needs_review.
    """
    now = timezone.now()
    grace = timedelta(seconds=settings.REQUEUE_AFTER)
    counts = {"requeued": 0, "polled": 0, "stuck": 0}

    counts["requeued"] = _republish_overdue(
        State.QUEUED, "next_attempt_at", now - grace, now, publish_submit
    )
    counts["polled"] = _republish_overdue(
        State.PROCESSING, "next_poll_at", now - grace, now, publish_poll
    )

    stuck_before = now - timedelta(seconds=settings.SUBMIT_STUCK_AFTER)
    for upload in Upload.objects.filter(
        state=State.SUBMITTING, submitting_since__lte=stuck_before
    ):
        if _finish_with_problem(
            upload,
            state=State.NEEDS_REVIEW,
            message=(
                "The worker sending this file stopped before AchieveIt answered. "
                "AchieveIt may have queued it: check there before retrying."
            ),
            expected=State.SUBMITTING,
        ):
            counts["stuck"] += 1
    return counts


def _republish_overdue(
    state: State,
    due_field: str,
    overdue_before: datetime,
    now: datetime,
    publish: Callable[[int], bool],
) -> int:
    """Publish again the uploads in `state` whose due time passed long ago.

    Moving the due time to now means one republish per grace period, not one per
    sweep, while no worker is there to take them.
    """
    overdue = {"state": state, f"{due_field}__lte": overdue_before}
    republished = 0
    for upload_id in Upload.objects.filter(**overdue).values_list("pk", flat=True):
        if Upload.objects.filter(pk=upload_id, **overdue).update(**{due_field: now}):
            publish(upload_id)
            republished += 1
    return republished


def upload_retry(*, upload: Upload, user: AbstractBaseUser) -> Upload:
    """Staff: send a failed or needs-review upload again (a new submission)."""
    now = timezone.now()
    with transaction.atomic():
        if not _transition(
            upload,
            expected=Upload.REVIEWABLE_STATES,
            state=State.QUEUED,
            next_attempt_at=now,
            submit_attempts=0,
            poll_count=0,
            job_id="",
            finished_at=None,
            notified_at=None,
        ):
            raise ServiceError("Only failed or needs-review uploads can be retried.")
        audit(action="upload.retried", upload=upload, actor=user)
        transaction.on_commit(lambda: publish_submit(upload.pk))
    upload.refresh_from_db()
    return upload


def upload_resolve(*, upload: Upload, user: AbstractBaseUser, note: str) -> Upload:
    """Staff: close a failed or needs-review upload with a note saying why."""
    note = note.strip()
    if not note:
        raise ServiceError("Say what was done: a resolution needs a note.")
    with transaction.atomic():
        if not _transition(
            upload,
            expected=Upload.REVIEWABLE_STATES,
            state=State.RESOLVED,
            resolution_note=note,
            finished_at=timezone.now(),
        ):
            raise ServiceError("Only failed or needs-review uploads can be resolved.")
        audit(action="upload.resolved", upload=upload, actor=user, note=note)
    upload.refresh_from_db()
    return upload


def upload_cancel(*, upload: Upload, user: AbstractBaseUser) -> Upload:
    """Staff: stop an upload that has not reached a final state."""
    open_states = frozenset(State) - Upload.TERMINAL_STATES
    with transaction.atomic():
        if not _transition(
            upload,
            expected=open_states,
            state=State.CANCELED,
            finished_at=timezone.now(),
        ):
            raise ServiceError("This upload has already finished.")
        audit(action="upload.canceled", upload=upload, actor=user)
    upload.refresh_from_db()
    return upload


def notify_problem(*, upload_id: int) -> bool:
    """Email the uploader and the point of contact, once per failure."""
    if not Upload.objects.filter(pk=upload_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    ):
        return False
    upload = Upload.objects.select_related("team", "created_by").get(pk=upload_id)
    recipients = [
        address
        for address in (
            upload.created_by.email if upload.created_by else "",
            settings.POINT_OF_CONTACT_EMAIL,
        )
        if address
    ]
    if not recipients:
        return False
    link = f"{settings.PORTAL_BASE_URL}{upload.get_absolute_url()}"
    subject = (
        f"[AchieveIt portal] Upload #{upload.pk} for {upload.team.name}: "
        f"{upload.get_state_display().lower()}"
    )
    body = (
        f"Upload #{upload.pk} ({upload.row_count} updates for {upload.team.name}) "
        f"is {upload.get_state_display().lower()}.\n\n"
        f"Reason: {upload.error_text}\n\n"
        f"See it in the portal: {link}\n"
    )
    try:
        send_mail(subject, body, None, sorted(set(recipients)))
    except OSError as error:  # smtplib errors are OSErrors
        logger.warning("could not email about upload %s: %s", upload_id, error)
        return False
    audit(action="notification.sent", upload=upload, recipients=len(recipients))
    return True
