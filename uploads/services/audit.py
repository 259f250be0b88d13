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
    **details: Any,
) -> AuditEvent:
    """Append one event to the audit history (actor None means the system)."""
    return AuditEvent.objects.create(
        action=action,
        upload=upload,
        team=team or (upload.team if upload else None),
        actor=actor,
        details=details,
    )
