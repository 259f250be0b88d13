"""The domain's models, one module per idea; every name is importable from
``uploads.models`` as before (migrations name ``uploads.models.<function>``).

- ``teams``: Team, Membership (roles), PlanItem, PersonReminder, TeamPlan,
  ColumnMapping, SignInIdentity, and the rule against control characters in names.
- ``uploads``: Upload (its states and ALLOWED_TRANSITIONS), UploadRow, Attempt.
- ``api``: ApiToken, ApiIdempotencyKey.
- ``audit``: AuditEvent, the append-only history.
"""

from __future__ import annotations

from uploads.models.api import ApiIdempotencyKey, ApiToken
from uploads.models.audit import AuditEvent, AuditEventQuerySet
from uploads.models.teams import (
    ColumnMapping,
    Membership,
    PersonReminder,
    PlanItem,
    SignInIdentity,
    Team,
    TeamPlan,
    validate_no_control_characters,
    without_control_characters,
)
from uploads.models.uploads import Attempt, TransitionNotAllowed, Upload, UploadRow

__all__ = [
    "ApiIdempotencyKey",
    "ApiToken",
    "Attempt",
    "AuditEvent",
    "AuditEventQuerySet",
    "ColumnMapping",
    "Membership",
    "PersonReminder",
    "PlanItem",
    "SignInIdentity",
    "Team",
    "TeamPlan",
    "TransitionNotAllowed",
    "Upload",
    "UploadRow",
    "validate_no_control_characters",
    "without_control_characters",
]
