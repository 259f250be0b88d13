"""Teams, their plan items, and every upload sent to AchieveIt with its history."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse

# Line breaks, tabs, NUL, bidi overrides, zero-width and other invisible
# formatting: a name is printed in pages, CSV files and email headers, where any
# of these breaks the line or hides what it says.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def validate_no_control_characters(value: str) -> None:
    """Refuse text holding a control or invisible formatting character."""
    for position, character in enumerate(value, 1):
        if unicodedata.category(character) in _CONTROL_CATEGORIES:
            raise ValidationError(
                "Use plain text: no line breaks, tabs or other control characters "
                "(character %(position)s is U+%(code)04X).",
                code="control_character",
                params={"position": position, "code": ord(character)},
            )


def without_control_characters(text: str) -> str:
    """The text on one line: each control or invisible formatting character (line
    breaks included) becomes a space, each run of spaces one space. For email
    headers, which cannot hold a line break, whatever a name holds."""
    spaced = "".join(
        " " if unicodedata.category(character) in _CONTROL_CATEGORIES else character
        for character in text
    )
    return " ".join(spaced.split())


class Team(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200, validators=[validate_no_control_characters])
    # A plan item with no update sent for this long shows as stale on the dashboard.
    stale_after_days = models.PositiveSmallIntegerField(default=30)
    # Weekly reminder emails of stale items (uploads/services/reminders.py), sent
    # on this weekday (0 = Monday) to the team's uploaders and managers.
    reminders_on = models.BooleanField(default=False)
    reminder_weekday = models.PositiveSmallIntegerField(
        default=0,
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        UPLOADER = "uploader", "Uploader"
        MANAGER = "manager", "Manager"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    # The role rules (DESIGN.md), in one place: every role may look at its team.
    @property
    def can_upload(self) -> bool:
        """Upload, enter and fix updates, and send them."""
        return self.role in (self.Role.UPLOADER, self.Role.MANAGER)

    @property
    def can_manage(self) -> bool:
        """Manage the team's members and plan-item mapping."""
        return self.role == self.Role.MANAGER


class PlanItem(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="plan_items")
    # Unique across the organization: AchieveIt maps one External ID to one item.
    external_id = models.CharField("External ID", max_length=255, unique=True)
    name = models.CharField(max_length=300, blank=True)
    has_metric = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When AchieveIt last processed an update for this item (kept by delivery, so
    # the dashboard finds stale items without reading every upload ever sent).
    last_updated_at = models.DateTimeField(null=True, blank=True)
    # What AchieveIt showed for the item when a linked plan was last read
    # (uploads/services/plans.py); blank until the team syncs. Defaults in the
    # database too: a mapping import inserts rows with SQL that names none of them.
    achieveit_plan_id = models.CharField(max_length=200, blank=True, db_default="")
    achieveit_name = models.CharField(max_length=300, blank=True, db_default="")
    achieveit_status = models.CharField(max_length=64, blank=True, db_default="")
    achieveit_value = models.CharField(max_length=64, blank=True, db_default="")
    achieveit_last_updated = models.DateTimeField(null=True, blank=True)
    assignee_name = models.CharField(max_length=200, blank=True, db_default="")
    assignee_email = models.CharField(max_length=254, blank=True, db_default="")
    target = models.CharField(max_length=64, blank=True, db_default="")
    read_at = models.DateTimeField(null=True, blank=True)
    # In no linked plan at the last sync: flagged for a person, never deactivated
    # by the portal on its own.
    missing_in_achieveit = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["external_id"]
        indexes = [models.Index(fields=["team", "last_updated_at"])]

    def __str__(self) -> str:
        return self.external_id

    @property
    def freshest_update_at(self) -> datetime | None:
        """The newest of what the portal had processed and what AchieveIt showed
        at the last sync (only synced teams have the latter): stale counts from
        it (uploads/selectors/items.py stale_q)."""
        moments = [
            moment
            for moment in (self.last_updated_at, self.achieveit_last_updated)
            if moment is not None
        ]
        return max(moments, default=None)

    @property
    def updated_in_achieveit_directly(self) -> bool:
        """AchieveIt shows an update newer than any the portal had processed."""
        if self.achieveit_last_updated is None:
            return False
        return (
            self.last_updated_at is None
            or self.achieveit_last_updated > self.last_updated_at
        )


class PersonReminder(models.Model):
    """A person's weekly reminder (uploads/services/reminders.py): the week it
    was last claimed for (one email a week, however many workers), and their own
    switch to stop them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder"
    )
    # The Monday of the week a reminder was claimed for; null before the first.
    week = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opted_out = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"reminders of {self.user}"


class TeamPlan(models.Model):
    """An AchieveIt plan linked to a team: its items are the team's (synced by
    uploads/services/plans.py), and read back after an upload."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="plans")
    # The plan ID as copied from the plan's options menu in AchieveIt.
    plan_id = models.CharField("plan ID", max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(auto_now_add=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # The one-sentence reason the last read failed ("" when it worked).
    last_error = models.TextField(blank=True)
    # The start of AchieveIt's last answer, kept for an operator (truncated).
    last_raw_answer = models.TextField(blank=True)
    # When the read-back last read this plan: also its claim, so one worker reads
    # a team's plans once per READBACK_EVERY (uploads/services/readback.py).
    last_read_back_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["team", "plan_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "plan_id"], name="one_link_per_plan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team.slug}: {self.plan_id}"


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


class ApiToken(models.Model):
    """A team's key for the AchieveIt-shaped API. Only a hash of the token is kept;
    the token itself is shown once, when it is made."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the token, to recognize it in a list (not a secret).
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField("SHA-256 of the token", max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ColumnMapping(models.Model):
    """A team's mapping of another system's columns, remembered under the file's
    header signature (csvformat.suggest.header_signature): which field each
    column holds and how the team's own status words read."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="column_mappings"
    )
    signature = models.CharField(max_length=64)
    # The header as written, for the team page; columns: {"0": "External ID",
    # "4": null, ...} by column index; status_words: {"Green": "On Track", ...}.
    header = models.JSONField(default=list)
    columns = models.JSONField(default=dict)
    status_words = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "signature"], name="column_mapping_team_signature"
            )
        ]
        ordering = ["-last_used_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.team.slug}: {', '.join(self.header)}"


class ApiIdempotencyKey(models.Model):
    """The first answer the API gave to a team's Idempotency-Key, replayed for 24 h."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the request's method, path and body: the key replays only the
    # same request (empty for keys kept before it was stored: replayed as before).
    request_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(default=dict, blank=True)
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "key"], name="one_answer_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.key}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("AuditEvent is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("AuditEvent is append-only")


class AuditEvent(models.Model):
    """Append-only history: who (a user, or the system when null) did what, when.

    Who and which upload are also kept as written (actor_username, upload_number),
    so the history reads the same after a rename or after archive_uploads; the
    foreign keys PROTECT, so deleting a user or an upload cannot rewrite it.
    """

    class Action(models.TextChoices):
        """Every kind of event, with the words a history page shows for it."""

        UPLOAD_CREATED = "upload.created", "Checked and kept as a draft"
        UPLOAD_REJECTED = "upload.rejected", "Discarded without sending"
        UPLOAD_EXPIRED = "upload.expired", "Draft discarded: not sent in time"
        UPLOAD_CONFIRMED = "upload.confirmed", "Confirmed for sending"
        SUBMIT_STARTED = "submit.started", "Sent to AchieveIt"
        SUBMIT_QUEUED = "submit.queued", "AchieveIt accepted the file"
        SUBMIT_RETRY_SCHEDULED = (
            "submit.retry_scheduled",
            "AchieveIt could not take the file; sending again later",
        )
        UPLOAD_SUCCEEDED = "upload.succeeded", "AchieveIt processed the updates"
        UPLOAD_FAILED = "upload.failed", "Failed"
        UPLOAD_NEEDS_REVIEW = "upload.needs_review", "Needs a person's review"
        UPLOAD_RETRIED = "upload.retried", "Queued to be sent again"
        UPLOAD_RESOLVED = "upload.resolved", "Resolved"
        UPLOAD_CANCELED = "upload.canceled", "Canceled"
        NOTIFICATION_SENT = "notification.sent", "Emailed about the problem"
        TEAM_CREATED = "team.created", "Team created"
        MEMBERSHIP_SET = "membership.set", "Member's role set"
        MEMBERSHIP_REMOVED = "membership.removed", "Member removed"
        USER_INVITED = "user.invited", "Invitation sent"
        PLAN_ITEM_DEACTIVATED = "plan_item.deactivated", "Plan item deactivated"
        PLAN_ITEM_REACTIVATED = "plan_item.reactivated", "Plan item reactivated"
        API_TOKEN_CREATED = "api_token.created", "API token created"
        API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
        USER_CREATED = "user.created", "User created"
        PLAN_ITEMS_IMPORTED = "plan_items.imported", "Plan items imported"
        PLAN_ITEMS_CHECKED = "plan_items.checked", "Plan items file checked"
        ADMIN_CHANGED = "admin.changed", "Changed in the admin"
        UPLOAD_ARCHIVED = "upload.archived", "Archived and removed from the portal"
        PLAN_LINKED = "plan.linked", "AchieveIt plan linked"
        PLAN_UNLINKED = "plan.unlinked", "AchieveIt plan unlinked"
        PLAN_ITEMS_SYNCED = "plan_items.synced", "Plan items synced from AchieveIt"
        UPLOAD_READ_BACK = "upload.read_back", "Read back from AchieveIt"
        USER_CREATED_AT_SIGN_IN = (
            "user.created_at_sign_in",
            "User created at first sign-in with the organization",
        )
        MEMBERSHIP_SET_AT_SIGN_IN = (
            "membership.set_at_sign_in",
            "Role set from the organization's groups",
        )
        MEMBERSHIP_REMOVED_AT_SIGN_IN = (
            "membership.removed_at_sign_in",
            "Removed: no longer in the organization's group",
        )

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The actor's username when the event was written ("" for the system).
    actor_username = models.CharField(max_length=150, blank=True, default="")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    upload = models.ForeignKey(
        Upload,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    # The upload's number when the event was written; kept by archive_uploads.
    upload_number = models.PositiveIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64, choices=Action.choices)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The history reads newest first, by keyset on (at, id), per team.
            models.Index(fields=["at", "id"], name="audit_at_id"),
            models.Index(fields=["team", "at", "id"], name="audit_team_at_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("AuditEvent is append-only")
        # The snapshots, whichever way the event is made.
        if self.actor_id and not self.actor_username:
            self.actor_username = self.actor.get_username()
        if self.upload_id and self.upload_number is None:
            self.upload_number = self.upload.number
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("AuditEvent is append-only")

    @property
    def description(self) -> str:
        """The event in a person's words (uploads/wording/history.py)."""
        from uploads.wording import history  # it reads this module's actions

        return history.description(self)

    @property
    def actor_name(self) -> str:
        """Who did it, as the history shows them: the username as it was when
        the event was written, the script's token ("script 'weekly export'"), or
        "system"."""
        token = (self.details or {}).get("api_token")
        return self.actor_username or (f"script '{token}'" if token else "system")

    @property
    def sentence(self) -> str:
        """The event as one sentence, who did it first, for the history pages
        (uploads/wording/history.py). Reads `upload.row_count`: select it along."""
        from uploads.wording import history

        return history.sentence(self)
