"""API tokens: a team's key for the AchieveIt-shaped API (for scripts).

A token is shown once, when it is made; the portal keeps only its SHA-256 hash and
a short prefix to recognize it in a list. Both are audited, never with the token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from uploads.models import ApiToken, AuditEvent, Team
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

Action = AuditEvent.Action
# Characters of the token kept to recognize it (about 48 bits of its ~256).
PREFIX_LENGTH = 8
# A token used again within this long does not write its last-used time again, so
# a script's burst of calls does not cost a write each.
LAST_USED_EVERY = timedelta(minutes=1)
# The header scripts send: "API-KEY <token>", or the bare token as in the article.
SCHEME = "API-KEY"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_create(
    *, team: Team, name: str, actor: AbstractBaseUser | None
) -> tuple[ApiToken, str]:
    """Make a named token for a team; returns it with the token in clear.

    The clear token exists only in the return value: show it once. Raises
    ServiceError when the name is empty or longer than 100 characters.
    """
    name = " ".join(name.split())
    if not name:
        raise ServiceError("Give the token a name that says what uses it.")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ServiceError("A token's name may be at most 100 characters.")
    plaintext = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            team=team,
            name=name,
            prefix=plaintext[:PREFIX_LENGTH],
            token_hash=token_hash(plaintext),
            created_by=actor,
        )
        audit(
            action=Action.API_TOKEN_CREATED,
            team=team,
            actor=actor,
            token_id=token.pk,
            name=token.name,
            prefix=token.prefix,
        )
    return token, plaintext


def token_revoke(*, token: ApiToken, actor: AbstractBaseUser | None) -> bool:
    """Revoke a token: every later call with it gets a 401. Audited.

    Returns False (and writes nothing) when it was already revoked.
    """
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if changed:
            audit(
                action=Action.API_TOKEN_REVOKED,
                team=token.team,
                actor=actor,
                token_id=token.pk,
                name=token.name,
                prefix=token.prefix,
            )
    token.refresh_from_db()
    return bool(changed)


def token_authenticate(header_value: str | None) -> ApiToken | None:
    """The active token an Authorization header carries, or None.

    Accepts `API-KEY <token>` and a bare `<token>`. The lookup is by the token's
    hash, so no comparison of the secret itself can leak its length or prefix
    through timing. Never raises.
    """
    value = (header_value or "").strip()
    scheme, _, rest = value.partition(" ")
    if scheme.upper() == SCHEME and rest.strip():
        value = rest.strip()
    if not value or len(value) > 200 or " " in value:
        return None
    token = (
        ApiToken.objects.select_related("team")
        .filter(token_hash=token_hash(value), revoked_at=None)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
