"""Delivery: from a confirmed upload to AchieveIt's verdict, nothing lost on the way.

draft -> queued -> submitting -> processing -> succeeded | failed | needs_review
(DESIGN.md). Each step is a conditional update (`Upload.transition`): when it
matches no row, another worker or a person got there first and this call does
nothing. Tasks are published only after the state they act on is committed, and
beat's sweep publishes again whatever no worker took.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from uploads import achieveit
from uploads.models import Attempt, AuditEvent, PlanItem, Upload
from uploads.selectors import uploads as selectors_uploads
from uploads.services import readback
from uploads.services.audit import audit
from uploads.wording import emails
from uploads.wording import uploads as wording_uploads

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
State = Upload.State
# How long a worker may take to send the email about a problem before the sweep
# sends it (again): also the wait between two tries while mail fails.
NOTIFY_RETRY_AFTER = timedelta(minutes=5)
NOTIFY_PER_SWEEP = 20
SWEEP_LOCK = "uploads:sweep:lock"
# The Redis broker's run_id the last sweep in this process saw.
_broker_run_id: dict[str, str] = {}


def publish_submit(upload_id: int, *, countdown: float | None = None) -> bool:
    """Hand the upload to a worker to send; see _publish."""
    from uploads.tasks import submit_upload

    return _publish(submit_upload, upload_id, countdown)


def publish_poll(upload_id: int, *, countdown: float | None = None) -> bool:
    """Ask a worker to poll AchieveIt for the upload; see _publish."""
    from uploads.tasks import poll_upload

    return _publish(poll_upload, upload_id, countdown)


def publish_check(upload_id: int) -> bool:
    """Ask a worker to check a stored file (state checking); see _publish."""
    from uploads.tasks import check_upload

    return _publish(check_upload, upload_id, None)


def _publish(task: Any, upload_id: int, countdown: float | None) -> bool:
    """Publish once, without waiting on the broker. An outage only delays the
    upload: its due time is in the database and the sweep publishes it again, so
    a failure here is logged, not raised (a person confirming is not kept waiting).
    """
    try:
        task.apply_async(args=[upload_id], countdown=countdown, retry=False)
    except (BrokerError, OSError) as error:
        logger.warning("could not publish %s(%s): %s", task.name, upload_id, error)
        # Nothing is on its way: the sweep publishes it once it is overdue.
        Upload.objects.filter(pk=upload_id).update(published_at=None)
        return False
    # The sweep's evidence that a task is on its way (see _republish_overdue).
    Upload.objects.filter(pk=upload_id).update(published_at=timezone.now())
    return True


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
        client = achieveit.client_from_settings()
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
        team_slug=upload.team.slug,
        upload_number=upload.number,
        when=now,
        attempt=attempt,
    )
    with transaction.atomic():
        # The claim: whoever moves the attempt count on first sends the file.
        if not upload.transition(
            expected=State.QUEUED,
            where={"submit_attempts": upload.submit_attempts},
            state=State.SUBMITTING,
            submitting_since=now,
            submit_attempts=attempt,
            remote_filename=filename,
        ):
            return
        audit(action=Action.SUBMIT_STARTED, upload=upload, attempt=attempt)
    upload.submit_attempts = attempt

    result = client.submit(
        filename=filename,
        csv_bytes=upload.normalized_csv.encode("utf-8"),
        kind=upload.kind,
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
        if upload.transition(
            **mine,
            state=State.PROCESSING,
            job_id=result.job_id,
            submitted_at=now,
            poll_count=0,
            next_poll_at=now + timedelta(seconds=delay),
            error_text="",
        ):
            audit(action=Action.SUBMIT_QUEUED, upload=upload, job_id=result.job_id)
            transaction.on_commit(partial(publish_poll, upload.pk, countdown=delay))
        return
    if result.outcome is outcome.NOT_QUEUED:
        if upload.submit_attempts < settings.SUBMIT_MAX_ATTEMPTS:
            delay = _submit_backoff(upload.submit_attempts)
            if upload.transition(
                **mine,
                state=State.QUEUED,
                next_attempt_at=now + timedelta(seconds=delay),
                error_text=result.message,
            ):
                audit(
                    action=Action.SUBMIT_RETRY_SCHEDULED,
                    upload=upload,
                    attempt=upload.submit_attempts,
                    delay_seconds=delay,
                    status_code=result.status_code,
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
        message = _with_answer(upload, message, result.body)
        _finish_with_problem(upload, state=State.FAILED, message=message, **mine)
        return
    if result.outcome is outcome.UNKNOWN:
        _finish_with_problem(
            upload, state=State.NEEDS_REVIEW, message=result.message, **mine
        )
        return
    # AUTH_FAILED and REJECTED: AchieveIt refused the request; sending the same
    # request again would be refused again.
    message = _with_answer(upload, result.message, result.body)
    _finish_with_problem(upload, state=State.FAILED, message=message, **mine)


def _finish_with_problem(
    upload: Upload, *, state: State, message: str, expected: Any
) -> bool:
    now = timezone.now()
    changes: dict[str, Any] = {"state": state, "error_text": message}
    if state == State.FAILED:
        changes["finished_at"] = now
    with transaction.atomic():
        if not upload.transition(expected=expected, **changes):
            return False
        audit(action=Action(f"upload.{state}"), upload=upload, reason=message)
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

    result = achieveit.client_from_settings().status(
        job_id=upload.job_id, kind=upload.kind
    )
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
        _poll_again(upload)
        return
    if result.status_code == 500:
        # A single 500 is as likely a passing server error as a verdict; calling
        # the job failed too early invites a "send again" that applies it twice.
        in_a_row = _trailing_status_500s(upload)
        if in_a_row <= settings.STATUS_500_CONFIRMATIONS:
            _poll_again(upload)
            return
        message = (
            f"{result.message} AchieveIt answered 500 to {in_a_row} status requests "
            "in a row, so the portal takes it as the verdict."
        )
        message = _with_answer(upload, message, result.body)
        _finish_with_problem(upload, state=State.FAILED, message=message, **mine)
        return
    if result.outcome is outcome.SUCCEEDED:
        now = timezone.now()
        if upload.transition(
            **mine,
            state=State.SUCCEEDED,
            finished_at=now,
            error_text="",
        ):
            audit(action=Action.UPLOAD_SUCCEEDED, upload=upload, job_id=upload.job_id)
            PlanItem.objects.filter(
                team=upload.team_id,
                external_id__in=upload.rows.values("external_id"),
            ).update(last_updated_at=now)
        return
    if result.outcome is outcome.UNKNOWN_JOB:
        _finish_with_problem(
            upload, state=State.NEEDS_REVIEW, message=result.message, **mine
        )
        return
    # FAILED (400/500 verdict) and AUTH_FAILED.
    message = _with_answer(upload, result.message, result.body)
    _finish_with_problem(upload, state=State.FAILED, message=message, **mine)


def _with_answer(upload: Upload, message: str, body: str) -> str:
    """The portal's message, then what AchieveIt answered in words (its reasons
    tied to the person's rows): people read this, so never the raw JSON, which
    the upload's page keeps behind a disclosure."""
    errors = selectors_uploads.tie_to_rows(
        upload, selectors_uploads.remote_errors(body)
    )
    said = wording_uploads.achieveit_answer(errors, body)
    return f"{message}\n\n{said}" if said else message


def _poll_again(upload: Upload) -> None:
    """Schedule the next status request after the normal backoff."""
    poll_count = upload.poll_count + 1
    delay = _poll_backoff(poll_count)
    if upload.transition(
        expected=State.PROCESSING,
        poll_count=poll_count,
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    ):
        transaction.on_commit(partial(publish_poll, upload.pk, countdown=delay))


def _trailing_status_500s(upload: Upload) -> int:
    """How many of the upload's latest calls, newest first, were status polls
    answered 500 (the one just recorded included). Counted from the Attempts, so
    the run survives a worker restart and needs no counter of its own."""
    limit = settings.STATUS_500_CONFIRMATIONS + 1
    latest = upload.attempts.order_by("-started_at", "-pk").values_list(
        "kind", "status_code"
    )[:limit]
    in_a_row = 0
    for kind, status_code in latest:
        if kind != Attempt.Kind.POLL or status_code != 500:
            break
        in_a_row += 1
    return in_a_row


def upload_sweep() -> dict[str, int]:
    """The periodic safety net (Celery beat): nothing is lost, nothing stays stuck.

    Publishes queued uploads, overdue polls and checks of files left unchecked
    whose task is lost (_republish_overdue), and moves uploads left in
    `submitting` by a dead worker to needs_review. One sweep at a time: a sweep
    that finds another holding the lock (SWEEP_LOCK in the cache) returns
    {"skipped": 1} at once.
    """
    try:
        if not cache.add(SWEEP_LOCK, "held", timeout=settings.SWEEP_LOCK_SECONDS):
            # Another sweep is running: two at once would only republish twice.
            return {"skipped": 1}
    except (RedisError, OSError) as error:
        # The safety net matters more than a duplicate sweep (claims are
        # conditional), so a cache that cannot lock does not stop it.
        logger.warning("sweep runs without its lock (cache unavailable): %s", error)
    try:
        return _sweep()
    finally:
        try:
            cache.delete(SWEEP_LOCK)
        except (RedisError, OSError) as error:
            logger.warning("sweep lock not released (expires by itself): %s", error)


def _sweep() -> dict[str, int]:
    now = timezone.now()
    grace = timedelta(seconds=settings.REQUEUE_AFTER)
    counts = {"requeued": 0, "polled": 0, "stuck": 0, "checks": 0}
    # A broker that restarted empty lost every message it held: whatever is
    # overdue is republished now instead of after REPUBLISH_AFTER.
    lost_all = broker_restarted()

    counts["requeued"] = _republish_overdue(
        State.QUEUED, "next_attempt_at", now - grace, now, publish_submit, lost_all
    )
    counts["polled"] = _republish_overdue(
        State.PROCESSING, "next_poll_at", now - grace, now, publish_poll, lost_all
    )

    stuck_before = now - timedelta(seconds=settings.SUBMIT_STUCK_AFTER)
    # A file stored and never checked (a lost message, a worker killed mid-check).
    counts["checks"] = _republish_overdue(
        State.CHECKING, "updated_at", stuck_before, now, publish_check, lost_all
    )
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
    counts["read_back"] = readback.publish_due()  # reads only, never POSTs
    # Last: while mail is down, each email due may wait for EMAIL_TIMEOUT.
    counts["notified"] = _notify_overdue()
    return counts


def _republish_overdue(
    state: State,
    due_field: str,
    overdue_before: datetime,
    now: datetime,
    publish: Callable[[int], bool],
    lost_all: bool = False,
) -> int:
    """Publish again the uploads in `state` whose due time passed long ago and
    whose task is lost, not merely waiting behind a long queue.

    A task is taken as lost when none was published (or its publish failed:
    `published_at` is null), when it was published over REPUBLISH_AFTER ago and
    its upload is that long overdue (a broker that dropped it, a worker killed
    holding it), or, with `lost_all`, when the broker restarted empty. Moving the
    due time and `published_at` to now means one republish per such period.
    """
    lost_before = now - timedelta(seconds=settings.REPUBLISH_AFTER)
    overdue = Q(state=state, **{f"{due_field}__lte": overdue_before})
    if not lost_all:
        overdue &= Q(published_at__isnull=True) | Q(
            published_at__lte=lost_before, **{f"{due_field}__lte": lost_before}
        )
    republished = 0
    for upload_id in Upload.objects.filter(overdue).values_list("pk", flat=True):
        if Upload.objects.filter(overdue, pk=upload_id).update(**{due_field: now}):
            publish(upload_id)
            republished += 1
    return republished


def broker_restarted() -> bool:
    """True when the Redis broker is not the server the last sweep saw (its
    run_id changed, or no sweep saw one yet): a Redis restarted without its data
    holds none of the tasks published before. False for any other broker, and
    when the broker cannot be asked (a publish then fails and says so itself)."""
    from portal.celery import app

    try:
        with app.connection_for_write() as connection:
            if connection.transport_cls not in ("redis", "rediss"):
                return False
            connection.ensure_connection(max_retries=1)
            run_id = connection.default_channel.client.info("server")["run_id"]
    except (BrokerError, RedisError, OSError, KeyError) as error:
        logger.warning("could not ask the broker for its run id: %s", error)
        return False
    # Kept in the process, not in the cache: the cache may be that same Redis,
    # and a new worker process republishing what is overdue once is harmless.
    seen = _broker_run_id.get("seen")
    _broker_run_id["seen"] = run_id
    if seen != run_id:
        logger.info("broker run id %s (was %s): republishing what is due", run_id, seen)
    return seen != run_id


def notify_problem(*, upload_id: int) -> bool:
    """Email the uploader and the point of contact once about a failed or
    needs-review upload; True when this call sent the email.

    The send is claimed first (notify_claimed_at, a lease), so two workers do not
    both send it, and `notified_at` is set only once the email went out. A failure
    to send is logged and leaves the email due: the sweep tries again once the
    lease (NOTIFY_RETRY_AFTER) has passed. Raises nothing for a mail failure.
    """
    now = timezone.now()
    if not _notification_due(now).filter(pk=upload_id).update(notify_claimed_at=now):
        return False
    upload = Upload.objects.select_related("team", "created_by").get(pk=upload_id)
    # The uploader may be the point of contact: one email each, counted once.
    recipients = sorted(
        {
            address
            for address in (
                upload.created_by.email if upload.created_by else "",
                settings.POINT_OF_CONTACT_EMAIL,
            )
            if address
        }
    )
    if not recipients:
        # Nobody to tell: nothing stays due.
        Upload.objects.filter(pk=upload_id).update(
            notified_at=now, notify_claimed_at=None
        )
        return False
    email = emails.upload_problem(upload)
    try:
        send_mail(email.subject, email.body, None, recipients)
    except (OSError, ValueError):  # smtplib errors; BadHeaderError is a ValueError
        logger.exception(
            "could not email about upload %s; the sweep will try again", upload_id
        )
        return False
    with transaction.atomic():
        # The lease is let go, so a later failure (after a retry) mails at once.
        Upload.objects.filter(pk=upload_id).update(
            notified_at=timezone.now(), notify_claimed_at=None
        )
        audit(
            action=Action.NOTIFICATION_SENT, upload=upload, recipients=len(recipients)
        )
    return True


def _notify_overdue() -> int:
    """Send the emails about problems that are still due (a failed send, a worker
    stopped before sending); how many went out."""
    due = _notification_due(timezone.now())
    # A bounded few per sweep: while mail is down each try may take EMAIL_TIMEOUT.
    return sum(
        notify_problem(upload_id=upload_id)
        for upload_id in due.values_list("pk", flat=True)[:NOTIFY_PER_SWEEP]
    )


def _notification_due(now: datetime) -> QuerySet[Upload]:
    """The failed or needs-review uploads whose email has not gone out and that no
    worker holds the lease on (unclaimed, or claimed over NOTIFY_RETRY_AFTER ago)."""
    return Upload.objects.filter(
        Q(notify_claimed_at__isnull=True)
        | Q(notify_claimed_at__lte=now - NOTIFY_RETRY_AFTER),
        state__in=Upload.REVIEWABLE_STATES,
        notified_at__isnull=True,
    )
