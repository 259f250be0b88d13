"""How many checks of files one person (a script's token) and one team may have
running at once: a check holds a web thread (a small file) or a worker (a big
one), so nobody can keep either busy for everyone else (issue 20).

A check in progress is an upload in state `checking`: the count survives restarts
and needs no counter of its own. A worker that died mid-check leaves its upload
checking until the sweep has it checked again, so the slot frees by itself.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from uploads.models import ApiToken, Team, Upload
from uploads.services.errors import ServiceError


class TooManyChecks(ServiceError):
    """Over a limit on checks at once: `limit` of them already run for the person
    (or token) when `whose` is "person", for the team when "team"."""

    def __init__(self, *, whose: str, limit: int) -> None:
        super().__init__(f"{limit} checks already running for this {whose}")
        self.whose = whose
        self.limit = limit


def checks_allow(
    *,
    team: Team,
    user: AbstractBaseUser | None = None,
    api_token: ApiToken | None = None,
) -> None:
    """Raise TooManyChecks when the person (or the token) or the team already has
    CHECKS_PER_PERSON or CHECKS_PER_TEAM files being checked."""
    checking = Upload.objects.filter(state=Upload.State.CHECKING)
    if api_token is not None:
        mine = checking.filter(api_token=api_token)
    elif user is not None:
        mine = checking.filter(created_by=user)
    else:
        mine = checking.none()
    if mine.count() >= settings.CHECKS_PER_PERSON:
        raise TooManyChecks(whose="person", limit=settings.CHECKS_PER_PERSON)
    if checking.filter(team=team).count() >= settings.CHECKS_PER_TEAM:
        raise TooManyChecks(whose="team", limit=settings.CHECKS_PER_TEAM)
