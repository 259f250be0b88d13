"""Reads for the operators' review: the queue of failures and what each one needs
a person to know (the reason, AchieveIt's answers, what to look for in AchieveIt)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet

from uploads.models import Attempt, AuditEvent, Team, Upload

State = Upload.State


def review_queue(*, state: str = "", team: Team | None = None) -> QuerySet[Upload]:
    """Failed and needs-review uploads of every team, oldest first."""
    uploads = Upload.objects.filter(state__in=Upload.REVIEWABLE_STATES)
    if state:
        uploads = uploads.filter(state=state)
    if team is not None:
        uploads = uploads.filter(team=team)
    return (
        uploads.select_related("team", "created_by")
        .defer("normalized_csv", "findings")
        .order_by("created_at", "pk")
    )


def review_count() -> int:
    """How many uploads wait for a person (one COUNT, for the navigation)."""
    return Upload.objects.filter(state__in=Upload.REVIEWABLE_STATES).count()


@dataclass
class AnswerRun:
    """Consecutive calls that got the same answer ("GET 202, 41 times")."""

    kind: str
    kind_label: str
    status_code: int | None
    message: str
    first_at: datetime
    last_at: datetime
    count: int = 1


@dataclass
class QueueEntry:
    """One upload in the queue, with what an operator decides from."""

    upload: Upload
    answers: list[AnswerRun] = field(default_factory=list)
    # When the file was last sent (the last POST), to find it in AchieveIt.
    sent_at: datetime | None = None
    last_body: str = ""

    @property
    def unknown_outcome(self) -> bool:
        return self.upload.state == State.NEEDS_REVIEW


def queue_entries(uploads: Sequence[Upload]) -> list[QueueEntry]:
    """The entries for one page of the queue: two queries whatever its size (the
    calls without their bodies, then the last body of each upload)."""
    entries = {upload.pk: QueueEntry(upload) for upload in uploads}
    last_attempt: dict[int, int] = {}
    attempts = (
        Attempt.objects.filter(upload__in=list(entries))
        .defer("response_body")
        .order_by("upload_id", "started_at", "pk")
    )
    for attempt in attempts:
        entry = entries[attempt.upload_id]
        _add_answer(entry, attempt)
        if attempt.kind == Attempt.Kind.SUBMIT:
            entry.sent_at = attempt.started_at
        last_attempt[attempt.upload_id] = attempt.pk
    bodies = Attempt.objects.filter(pk__in=last_attempt.values()).values_list(
        "upload_id", "response_body"
    )
    for upload_id, body in bodies:
        entries[upload_id].last_body = body
    return list(entries.values())


def _add_answer(entry: QueueEntry, attempt: Attempt) -> None:
    runs = entry.answers
    if (
        runs
        and runs[-1].kind == attempt.kind
        and runs[-1].status_code == attempt.status_code
        and runs[-1].message == attempt.message
    ):
        runs[-1].count += 1
        runs[-1].last_at = attempt.started_at
        return
    runs.append(
        AnswerRun(
            kind=attempt.kind,
            kind_label=attempt.get_kind_display(),
            status_code=attempt.status_code,
            message=attempt.message,
            first_at=attempt.started_at,
            last_at=attempt.started_at,
        )
    )


@dataclass
class UploadReview:
    """Everything the review page of one upload shows."""

    upload: Upload
    attempts: list[Attempt]
    events: list[AuditEvent]
    sent_at: datetime | None


def upload_review(upload: Upload) -> UploadReview:
    """The upload's calls to AchieveIt and its history, for its review page."""
    attempts = list(upload.attempts.all())
    submits = [a for a in attempts if a.kind == Attempt.Kind.SUBMIT]
    return UploadReview(
        upload=upload,
        attempts=attempts,
        events=list(upload.events.select_related("actor", "upload")),
        sent_at=submits[-1].started_at if submits else None,
    )
