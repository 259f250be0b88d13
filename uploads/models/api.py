"""The script API's tokens and idempotency keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from uploads.models.teams import Team
from uploads.models.uploads import Upload


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


class ApiIdempotencyKey(models.Model):
    """The first answer the API gave to a team's Idempotency-Key, replayed for 24 h."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the request's method, path, body and ?sheet= (when given): the key
    # replays only the same request (empty for keys kept before it was stored:
    # replayed as before).
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
