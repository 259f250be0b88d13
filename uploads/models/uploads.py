"""An upload and its life (the allowed transitions), its rows and its calls to
AchieveIt."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse

from uploads.models.teams import Team


class TransitionNotAllowed(ValueError):
    """A state change that Upload.ALLOWED_TRANSITIONS does not list: a bug in the
    caller, refused before anything is written."""


class Upload(models.Model):
    class Source(models.TextChoices):
        CSV = "csv", "CSV file"
        FORM = "form", "Web form"
        API = "api", "API"

    class Kind(models.TextChoices):
        # AchieveIt's two kinds of file: a status (and value) per item, or a value
        # only (sent to /api/metricupdates/).
        PROGRESS = "progress", "progress update"
        METRIC = "metric", "metric update"

    class State(models.TextChoices):
        # Stored, not yet checked: a big file is checked by a worker.
        CHECKING = "checking", "Checking"
        DRAFT = "draft", "Draft"
        REJECTED = "rejected", "Rejected"
        QUEUED = "queued", "Queued"
        SUBMITTING = "submitting", "Submitting"
        PROCESSING = "processing", "Processing at AchieveIt"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        NEEDS_REVIEW = "needs_review", "Needs review"
        RESOLVED = "resolved", "Resolved"
        CANCELED = "canceled", "Canceled"

    class ResolutionOutcome(models.TextChoices):
        APPLIED = "applied", "Applied in AchieveIt"
        NOT_APPLIED = "not_applied", "Not applied"

    class ReadbackState(models.TextChoices):
        # "" while the read-back is to come or under way.
        SEEN = "seen", "AchieveIt shows every update"
        PARTLY_SEEN = "partly_seen", "AchieveIt shows some of the updates"
        NOT_SEEN = "not_seen", "AchieveIt shows none of the updates"

    TERMINAL_STATES = frozenset(
        {State.SUCCEEDED, State.REJECTED, State.RESOLVED, State.CANCELED}
    )
    REVIEWABLE_STATES = frozenset({State.FAILED, State.NEEDS_REVIEW})
    # The life of an upload: each state and the states that may follow it. Every
    # conditional state change (`transition`) is checked against it; the README's
    # list is tested against it (tests/test_transitions.py).
    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        # Checked by a worker: a draft, or stopped by staff.
        State.CHECKING: frozenset({State.DRAFT, State.CANCELED}),
        # Confirmed, closed unsent (discarded, revised, expired), or stopped.
        State.DRAFT: frozenset({State.QUEUED, State.REJECTED, State.CANCELED}),
        # Claimed by a worker, or failed at once (AchieveIt not configured).
        State.QUEUED: frozenset({State.SUBMITTING, State.FAILED, State.CANCELED}),
        # AchieveIt's answer to the POST: queued (a job), not queued (try again
        # later, or give up), refused, or unknown (no answer after sending).
        State.SUBMITTING: frozenset(
            {
                State.PROCESSING,
                State.QUEUED,
                State.FAILED,
                State.NEEDS_REVIEW,
                State.CANCELED,
            }
        ),
        # The job's verdict, or none by the deadline.
        State.PROCESSING: frozenset(
            {State.SUCCEEDED, State.FAILED, State.NEEDS_REVIEW, State.CANCELED}
        ),
        # Staff: send again, resolve with a note, or cancel.
        State.FAILED: frozenset({State.QUEUED, State.RESOLVED, State.CANCELED}),
        State.NEEDS_REVIEW: frozenset({State.QUEUED, State.RESOLVED, State.CANCELED}),
        State.SUCCEEDED: frozenset(),
        State.REJECTED: frozenset(),
        State.RESOLVED: frozenset(),
        State.CANCELED: frozenset(),
    }
    # Went to AchieveIt, or is on its way there: what "sent" means on every page.
    SENT_STATES = frozenset(
        {
            State.QUEUED,
            State.SUBMITTING,
            State.PROCESSING,
            State.SUCCEEDED,
            State.NEEDS_REVIEW,
            State.RESOLVED,
        }
    )

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="uploads")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="uploads",
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PROGRESS)
    # The upload's identifier outside the portal's pages (the API's job ID): opaque,
    # so it says nothing about how many uploads other teams send.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The number people see ("Upload #5"), in download names and in the file name
    # sent to AchieveIt: counted per team (1, 2, 3 ... in each), so it tells a team
    # nothing about how many uploads the others send. Assigned by save().
    team_number = models.PositiveIntegerField(null=True, editable=False)
    # The API token a script sent it with (source api).
    api_token = models.ForeignKey(
        "ApiToken",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uploads",
    )
    # The draft this one was made from (fixed in the browser, or left without the
    # rows with errors); the older one lists its successors as `revisions`.
    revision_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
    )
    # A one-time token from the form that made this draft, so a form posted twice
    # makes one draft.
    form_token = models.CharField(max_length=64, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    # The workbook's sheet a person chose to read ("" when it was picked, or the
    # file is no workbook): every check of the file reads the same sheet.
    sheet = models.CharField(max_length=255, blank=True)
    # Path of the file as received, relative to PRIVATE_STORAGE_DIR.
    original_path = models.CharField(max_length=500, blank=True)
    normalized_csv = models.TextField(blank=True)
    findings = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    # While a worker checks the file (state checking): how many rows it has read.
    rows_checked = models.PositiveIntegerField(default=0)
    checksum = models.CharField("payload SHA-256", max_length=64, blank=True)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    job_id = models.CharField(max_length=200, blank=True)
    remote_filename = models.CharField(max_length=200, blank=True)
    error_text = models.TextField(blank=True)
    resolution_note = models.TextField(blank=True)
    # What staff found when they resolved it: did AchieveIt apply the updates?
    resolution_outcome = models.CharField(
        max_length=16, choices=ResolutionOutcome.choices, blank=True
    )

    submit_attempts = models.PositiveIntegerField(default=0)
    poll_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    submitting_since = models.DateTimeField(null=True, blank=True)
    # When the last task for this upload (check, submit or poll) was handed to the
    # broker; null when never, or when that publish failed. The sweep republishes
    # only what is lost (services/delivery.py), not what waits behind a long queue.
    published_at = models.DateTimeField(null=True, blank=True)
    # A script's dry run of a big file, checked by a worker: never queued.
    dry_run = models.BooleanField(default=False)
    # For a big file a script sent, checked by a worker: the kind of the call it
    # was sent to (progress or metric), which the file's kind must match to be
    # queued (services/api.py api_after_check); empty for every other upload.
    api_kind = models.CharField(max_length=16, blank=True, default="")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the email about a failure was sent; null until it was (the sweep sends
    # what is still due). notify_claimed_at is the lease of the worker sending it.
    notified_at = models.DateTimeField(null=True, blank=True)
    notify_claimed_at = models.DateTimeField(null=True, blank=True)
    # Read-back (uploads/services/readback.py): what AchieveIt's plans showed of the
    # rows after the POST, and the verdict once there is one.
    readback_state = models.CharField(
        max_length=16, choices=ReadbackState.choices, blank=True, default=""
    )
    readback_at = models.DateTimeField(null=True, blank=True)
    readback_seen = models.PositiveIntegerField(null=True, blank=True)
    # The lines of the rows AchieveIt did not show (at most READBACK_LINES_KEPT).
    readback_missing_lines = models.JSONField(default=list, blank=True)
    # The POST the verdict is about (submitting_since then): a later POST of the
    # same upload is read back afresh.
    readback_post_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["state", "next_poll_at"]),
            # The dashboard: a team's recent uploads, its weekly counts by state;
            # everyone's most recent (staff) without sorting every upload.
            models.Index(fields=["team", "created_at", "state"]),
            models.Index(fields=["created_at", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "form_token"],
                condition=~models.Q(form_token=""),
                name="one_draft_per_form_token",
            ),
            models.UniqueConstraint(
                fields=["team", "team_number"], name="one_number_per_team_upload"
            ),
        ]

    def __str__(self) -> str:
        return f"Upload #{self.number} ({self.team.slug}, {self.state})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new upload takes the next number of its team: the team's row is
        locked (select_for_update) while the highest number is read and this one
        written, so two uploads created at once never share a number."""
        if self.pk is not None or self.team_number is not None:
            super().save(*args, **kwargs)
            return
        with transaction.atomic():
            list(
                Team.objects.select_for_update()
                .filter(pk=self.team_id)
                .values_list("pk", flat=True)
            )
            highest = Upload.objects.filter(team_id=self.team_id).aggregate(
                highest=models.Max("team_number")
            )["highest"]
            self.team_number = (highest or 0) + 1
            super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        # The opaque public_id, not the number: see public_id above.
        return reverse("upload_detail", kwargs={"public_id": self.public_id})

    @property
    def number(self) -> int | None:
        """The upload's number as people see it: its team's count (`team_number`)."""
        return self.team_number

    def transition(
        self,
        *,
        expected: str | frozenset[str],
        where: Mapping[str, Any] | None = None,
        **changes: Any,
    ) -> bool:
        """Write the changes only while the upload is in an expected state (and,
        with `where`, while its other fields hold those values).

        One conditional `UPDATE ... WHERE state IN (...)`: True when this call made
        the change, False when a worker or a person had already moved it on.
        Raises TransitionNotAllowed, writing nothing, when `changes` sets a state
        that ALLOWED_TRANSITIONS does not allow after every expected state.
        """
        states = [expected] if isinstance(expected, str) else list(expected)
        if "state" in changes:
            self.check_transition(states, changes["state"])
        return bool(
            Upload.objects.filter(pk=self.pk, state__in=states, **(where or {})).update(
                **changes
            )
        )

    @classmethod
    def check_transition(cls, from_states: Iterable[str], to_state: str) -> None:
        """Raise TransitionNotAllowed unless `to_state` may follow each state."""
        refused = sorted(
            str(state)
            for state in from_states
            if to_state not in cls.ALLOWED_TRANSITIONS.get(state, frozenset())
        )
        if refused:
            raise TransitionNotAllowed(
                f"An upload may not go from {', '.join(refused)} to {to_state}."
            )

    @property
    def is_terminal(self) -> bool:
        return self.state in self.TERMINAL_STATES

    @property
    def is_sendable(self) -> bool:
        """True when the draft holds a clean payload: the normalized CSV is only
        stored for a file without errors."""
        return bool(self.normalized_csv) and self.row_count > 0


class UploadRow(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    external_id = models.CharField(max_length=255)
    status = models.CharField(max_length=32)
    # The value exactly as sent (a plain decimal), empty when absent.
    value = models.CharField(max_length=64, blank=True)
    as_of_date = models.DateField()
    # The narrative sent with the update ("" when none); a metric update's status
    # is "".
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["upload", "line"]
        indexes = [models.Index(fields=["external_id", "as_of_date"])]

    def __str__(self) -> str:
        return f"{self.external_id} {self.status} {self.as_of_date}"


class Attempt(models.Model):
    class Kind(models.TextChoices):
        SUBMIT = "submit", "Submit (POST)"
        POLL = "poll", "Status poll (GET)"

    upload = models.ForeignKey(
        Upload, on_delete=models.CASCADE, related_name="attempts"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=32)
    message = models.TextField(blank=True)
    response_body = models.TextField(blank=True)
    job_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome} ({self.status_code})"
