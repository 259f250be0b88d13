"""The audit history: every write path appends its events through here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from uploads.models import AuditEvent, Team, Upload


def audit(
    *,
    action: AuditEvent.Action,
    upload: Upload | None = None,
    team: Team | None = None,
    actor: AbstractBaseUser | None = None,
    upload_number: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event to the audit history (actor None means the system).

    Who and which upload are written twice: as foreign keys, and as the username
    and number they have now, which the history shows whatever happens to them.
    `upload_number` alone names an upload that is no longer there (archived).
    """
    return AuditEvent.objects.create(
        action=action,
        upload=upload,
        upload_number=upload.number if upload else upload_number,
        team=team or (upload.team if upload else None),
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        details=details,
    )
