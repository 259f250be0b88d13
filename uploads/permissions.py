"""Who may see and change what: every team-scoped query goes through here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from uploads.models import Membership, Team, Upload


def visible_teams(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    """Teams the user may see: all for staff, their memberships otherwise."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_staff:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


def visible_uploads(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Upload]:
    """Uploads of the user's teams; another team's upload simply is not there."""
    if user.is_authenticated and user.is_staff:
        return Upload.objects.all()
    return Upload.objects.filter(team__in=visible_teams(user))


def can_upload(user: AbstractBaseUser | AnonymousUser, team: Team) -> bool:
    """True when the user may send updates for the team."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Membership.objects.filter(
        user=user, team=team, role=Membership.Role.UPLOADER
    ).exists()
