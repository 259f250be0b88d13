"""Reads for the team pages: the teams a person manages, a team's members and its
plan items."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from uploads.models import Membership, PlanItem, Team
from uploads.permissions import User


def managed_teams(user: User) -> QuerySet[Team]:
    """The teams the user may manage (every team for staff), by name, each with
    `member_count`, `item_count` and `active_item_count`."""
    if not user.is_authenticated:
        return Team.objects.none()
    teams = Team.objects.all()
    if not user.is_staff:
        # One filter() call: the same membership must be the user's and a manager's.
        teams = teams.filter(
            memberships__user=user, memberships__role=Membership.Role.MANAGER
        )
    return teams.annotate(
        member_count=_count(Membership.objects.filter(team=OuterRef("pk"))),
        item_count=_count(PlanItem.objects.filter(team=OuterRef("pk"))),
        active_item_count=_count(
            PlanItem.objects.filter(team=OuterRef("pk"), active=True)
        ),
    ).order_by("name")


def _count(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("team").annotate(number=Count("pk"))
    return Coalesce(Subquery(counted.values("number"), output_field=IntegerField()), 0)


def team_members(team: Team) -> QuerySet[Membership]:
    """The team's memberships with their users, by username."""
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("user__username")
    )


def team_plan_items(team: Team, *, search: str = "") -> QuerySet[PlanItem]:
    """The team's plan items by External ID, those matching `search` (External ID
    or name, any case) when given."""
    items = PlanItem.objects.filter(team=team)
    if search:
        items = items.filter(
            Q(external_id__icontains=search) | Q(name__icontains=search)
        )
    return items.order_by("external_id")
