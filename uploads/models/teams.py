"""Teams, their people and their plan items (with what AchieveIt last showed),
the plans linked to a team and its saved column mappings."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

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


class SignInIdentity(models.Model):
    """Who a person is at the organization's OpenID Connect provider: the
    issuer's `sub`, which never changes, where an email address may change or be
    given to someone else. Stored at the first sign-in; later sign-ins find the
    account by it first, and an address now held by another `sub` is refused."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="identity_issuer_subject_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"], name="identity_one_per_user_and_issuer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
