"""Staff decisions on uploads that failed or need a person: retry, resolve, cancel."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from uploads.models import AuditEvent, Upload
from uploads.services import delivery
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

Action = AuditEvent.Action
State = Upload.State


def upload_retry(*, upload: Upload, user: AbstractBaseUser) -> Upload:
    """Staff: send a failed or needs-review upload again (a new submission)."""
    now = timezone.now()
    with transaction.atomic():
        if not upload.transition(
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
        audit(action=Action.UPLOAD_RETRIED, upload=upload, actor=user)
        transaction.on_commit(lambda: delivery.publish_submit(upload.pk))
    upload.refresh_from_db()
    return upload


def upload_resolve(*, upload: Upload, user: AbstractBaseUser, note: str) -> Upload:
    """Staff: close a failed or needs-review upload with a note saying why."""
    note = note.strip()
    if not note:
        raise ServiceError("Say what was done: a resolution needs a note.")
    with transaction.atomic():
        if not upload.transition(
            expected=Upload.REVIEWABLE_STATES,
            state=State.RESOLVED,
            resolution_note=note,
            finished_at=timezone.now(),
        ):
            raise ServiceError("Only failed or needs-review uploads can be resolved.")
        audit(action=Action.UPLOAD_RESOLVED, upload=upload, actor=user, note=note)
    upload.refresh_from_db()
    return upload


def upload_cancel(*, upload: Upload, user: AbstractBaseUser) -> Upload:
    """Staff: stop an upload that has not reached a final state."""
    open_states = frozenset(State) - Upload.TERMINAL_STATES
    with transaction.atomic():
        if not upload.transition(
            expected=open_states,
            state=State.CANCELED,
            finished_at=timezone.now(),
        ):
            raise ServiceError("This upload has already finished.")
        audit(action=Action.UPLOAD_CANCELED, upload=upload, actor=user)
    upload.refresh_from_db()
    return upload
