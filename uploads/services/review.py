"""Staff decisions on uploads that failed or need a person: send again, resolve,
cancel, one at a time or several at once. Each is audited with who and why.

A `needs_review` upload may already be held by AchieveIt (a POST whose outcome is
unknown, or a job that never got a verdict): sending it again is only done when
the operator says they checked AchieveIt (`confirmed_unknown_outcome`), never on a
bare request, whichever page or command asks.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from uploads.models import AuditEvent, Upload
from uploads.services import delivery
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

Action = AuditEvent.Action
State = Upload.State
Outcome = Upload.ResolutionOutcome

UNKNOWN_OUTCOME_MESSAGE = (
    "AchieveIt may already hold upload #{pk}: confirm that you checked AchieveIt "
    "before sending it again."
)


class NeedsConfirmation(ServiceError):
    """A needs-review upload was to be sent again without the operator's word
    that AchieveIt does not hold it."""


def upload_retry(
    *,
    upload: Upload,
    user: AbstractBaseUser,
    confirmed_unknown_outcome: bool = False,
    note: str = "",
) -> Upload:
    """Staff: send a failed or needs-review upload again (a new submission).

    Raises NeedsConfirmation (a ServiceError) for a needs-review upload unless
    `confirmed_unknown_outcome`, and ServiceError for any other state; nothing is
    sent in either case.
    """
    now = timezone.now()
    allowed = Upload.REVIEWABLE_STATES if confirmed_unknown_outcome else State.FAILED
    with transaction.atomic():
        from_state, remote_filename = (
            Upload.objects.select_for_update()
            .filter(pk=upload.pk)
            .values_list("state", "remote_filename")
            .first()
        ) or ("", "")
        if not upload.transition(
            expected=allowed,
            state=State.QUEUED,
            next_attempt_at=now,
            submit_attempts=0,
            poll_count=0,
            job_id="",
            finished_at=None,
            notified_at=None,
        ):
            if from_state == State.NEEDS_REVIEW:
                raise NeedsConfirmation(
                    UNKNOWN_OUTCOME_MESSAGE.format(pk=upload.number)
                )
            raise ServiceError("Only failed or needs-review uploads can be retried.")
        details: dict[str, object] = {"from_state": from_state}
        if note.strip():
            details["note"] = note.strip()
        if from_state == State.NEEDS_REVIEW:
            # What the operator vouched for: this file is not in AchieveIt.
            details["checked_achieveit"] = True
            details["remote_filename"] = remote_filename
        audit(action=Action.UPLOAD_RETRIED, upload=upload, actor=user, **details)
        transaction.on_commit(lambda: delivery.publish_submit(upload.pk))
    upload.refresh_from_db()
    return upload


def upload_resolve(
    *, upload: Upload, user: AbstractBaseUser, note: str, outcome: str
) -> Upload:
    """Staff: close a failed or needs-review upload with a note saying what was
    done and whether AchieveIt applied the updates (`Upload.ResolutionOutcome`).

    Raises ServiceError for an empty note, an unknown outcome, or an upload that
    is not failed or needs-review.
    """
    note = note.strip()
    if not note:
        raise ServiceError("Say what was done: a resolution needs a note.")
    if outcome not in Outcome.values:
        raise ServiceError(
            "Say whether AchieveIt applied the updates: choose "
            f"'{Outcome.APPLIED.label}' or '{Outcome.NOT_APPLIED.label}'."
        )
    with transaction.atomic():
        if not upload.transition(
            expected=Upload.REVIEWABLE_STATES,
            state=State.RESOLVED,
            resolution_note=note,
            resolution_outcome=outcome,
            finished_at=timezone.now(),
        ):
            raise ServiceError("Only failed or needs-review uploads can be resolved.")
        audit(
            action=Action.UPLOAD_RESOLVED,
            upload=upload,
            actor=user,
            note=note,
            outcome=outcome,
        )
    upload.refresh_from_db()
    return upload


def upload_cancel(*, upload: Upload, user: AbstractBaseUser, reason: str) -> Upload:
    """Staff: stop an upload that has not reached a final state, saying why.

    Raises ServiceError for an empty reason or an upload already finished.
    """
    reason = reason.strip()
    if not reason:
        raise ServiceError("Say why: canceling needs a reason.")
    open_states = frozenset(State) - Upload.TERMINAL_STATES
    with transaction.atomic():
        if not upload.transition(
            expected=open_states,
            state=State.CANCELED,
            finished_at=timezone.now(),
        ):
            raise ServiceError("This upload has already finished.")
        audit(action=Action.UPLOAD_CANCELED, upload=upload, actor=user, reason=reason)
    upload.refresh_from_db()
    return upload


class BulkAction(enum.StrEnum):
    RETRY = "retry"
    RESOLVE = "resolve"
    CANCEL = "cancel"


@dataclass
class BulkResult:
    """What one bulk action did to each upload it was given."""

    done: list[Upload] = field(default_factory=list)
    # Needs-review uploads "send again" left alone: each needs its own confirmation.
    awaiting_confirmation: list[Upload] = field(default_factory=list)
    # Uploads the action did not apply to, with the reason in a person's words.
    refused: list[tuple[Upload, str]] = field(default_factory=list)


def uploads_bulk(
    *,
    uploads: Iterable[Upload],
    user: AbstractBaseUser,
    action: BulkAction,
    text: str,
    outcome: str = "",
) -> BulkResult:
    """Staff: one action with one note or reason on several uploads.

    Each upload is decided on its own (one failing does not stop the others), by
    the same rules as the single actions: "send again" never sends a needs-review
    upload, it lists it under `awaiting_confirmation`. Raises ServiceError only
    when the note, reason or outcome itself is missing, before anything changes.
    """
    if not text.strip():
        raise ServiceError("Say why: the action needs a note or reason.")
    if action is BulkAction.RESOLVE and outcome not in Outcome.values:
        raise ServiceError(
            "Say whether AchieveIt applied the updates before resolving them."
        )
    result = BulkResult()
    for upload in uploads:
        try:
            if action is BulkAction.RETRY:
                upload = upload_retry(upload=upload, user=user, note=text)
            elif action is BulkAction.RESOLVE:
                upload = upload_resolve(
                    upload=upload, user=user, note=text, outcome=outcome
                )
            else:
                upload = upload_cancel(upload=upload, user=user, reason=text)
        except NeedsConfirmation:
            result.awaiting_confirmation.append(upload)
        except ServiceError as error:
            result.refused.append((upload, str(error)))
        else:
            result.done.append(upload)
    return result
