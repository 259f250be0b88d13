"""Who may see and change what: every team-scoped query and check goes through here.

Views start with one of the `get_*_for` helpers (the way healthchecks'
`_get_rw_check_for_user` works): an object the person may not reach is a 404,
never a 403 that would confirm it exists. The role rules themselves live on
`Membership`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from uploads.models import Membership, Team, Upload

User = AbstractBaseUser | AnonymousUser


class Need(enum.StrEnum):
    """What a view is about to do with a team's things."""

    VIEW = "view"
    UPLOAD = "upload"
    MANAGE = "manage"
    STAFF = "staff"


@dataclass(frozen=True)
class TeamAccess:
    """One person's standing in one team."""

    team: Team
    role_label: str
    can_upload: bool
    can_manage: bool
    is_staff: bool

    @classmethod
    def of(cls, user: User, team: Team, membership: Membership | None) -> TeamAccess:
        if user.is_staff:
            return cls(team, "Staff", can_upload=True, can_manage=True, is_staff=True)
        assert membership is not None, "a non-staff user sees only their teams"
        return cls(
            team,
            membership.get_role_display(),
            can_upload=membership.can_upload,
            can_manage=membership.can_manage,
            is_staff=False,
        )

    def allows(self, need: Need) -> bool:
        return {
            Need.VIEW: True,
            Need.UPLOAD: self.can_upload,
            Need.MANAGE: self.can_manage,
            Need.STAFF: self.is_staff,
        }[need]


def visible_teams(user: User) -> QuerySet[Team]:
    """Teams the user may see: all for staff, their memberships otherwise."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_staff:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


def visible_uploads(user: User) -> QuerySet[Upload]:
    """Uploads of the user's teams; another team's upload simply is not there."""
    if user.is_authenticated and user.is_staff:
        return Upload.objects.all()
    return Upload.objects.filter(team__in=visible_teams(user))


def team_accesses(user: User, teams: QuerySet[Team] | None = None) -> list[TeamAccess]:
    """The user's standing in each team they may see, in team order.

    `teams` narrows or annotates `visible_teams(user)`; it must come from it.
    """
    if not user.is_authenticated:
        return []
    memberships = {m.team_id: m for m in user.memberships.all()}
    return [
        TeamAccess.of(user, team, memberships.get(team.pk))
        for team in (visible_teams(user) if teams is None else teams)
    ]


def access_to(user: User, team: Team) -> TeamAccess | None:
    """The user's standing in one team; None when they may not see it."""
    if not user.is_authenticated:
        return None
    membership = None
    if not user.is_staff:
        membership = Membership.objects.filter(user=user, team=team).first()
        if membership is None:
            return None
    return TeamAccess.of(user, team, membership)


def can_upload(user: User, team: Team) -> bool:
    """True when the user may send updates for the team."""
    access = access_to(user, team)
    return access is not None and access.can_upload


def get_team_for(request: HttpRequest, slug: str, need: Need = Need.VIEW) -> Team:
    """The team named by the URL, if the person may do `need` with it; else 404."""
    team = get_object_or_404(visible_teams(request.user), slug=slug)
    access = access_to(request.user, team)
    if access is None or not access.allows(need):
        raise Http404
    return team


def get_upload_for(
    request: HttpRequest, public_id: UUID, need: Need = Need.VIEW
) -> Upload:
    """The upload named by the URL (its opaque `public_id`: upload numbers are
    global and sequential, so they would tell one team how much others send), if
    the person may do `need` with it; else 404."""
    if need is Need.STAFF and not request.user.is_staff:
        raise Http404
    upload = get_object_or_404(
        visible_uploads(request.user).select_related("team", "created_by"),
        public_id=public_id,
    )
    if need is not Need.VIEW:
        access = access_to(request.user, upload.team)
        if access is None or not access.allows(need):
            raise Http404
    return upload
