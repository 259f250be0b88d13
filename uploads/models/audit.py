"""The append-only history: every step of every upload and team change."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from uploads.models.teams import Team
from uploads.models.uploads import Upload


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
        TEAM_REMINDERS_SET = "team.reminders_set", "Weekly reminders changed"
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
