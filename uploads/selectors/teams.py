"""Reads for the team pages: the teams a person manages, a team's members and its
plan items."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from uploads import csvformat
from uploads.models import Membership, PlanItem, Team
from uploads.permissions import User

# What may make an External ID unwritable (see csvformat.is_writable_id): the
# database narrows the items down with it, Python decides. The same pattern in
# SQLite (Python's re) and PostgreSQL: the word, a comma or ASCII quotation mark,
# a formula trigger first, a space first or last, anything but printable ASCII.
_SUSPECT_ID = r"^$|external|[,\"']|^[-=+@ ]| $|[^ -~]"


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


def unwritable_plan_items(team: Team) -> list[PlanItem]:
    """The team's active items whose External ID breaks the rules an upload
    checks (stored before the import checked them): they are left out of the
    team's template, and updates for them are refused. By External ID."""
    suspects = PlanItem.objects.filter(
        team=team, active=True, external_id__iregex=_SUSPECT_ID
    ).order_by("external_id")
    return [item for item in suspects if not csvformat.is_writable_id(item.external_id)]


def template_external_ids(team: Team) -> list[str]:
    """The External IDs of the team's template: its active items, by External ID,
    without those `unwritable_plan_items` lists."""
    external_ids = (
        PlanItem.objects.filter(team=team, active=True)
        .order_by("external_id")
        .values_list("external_id", flat=True)
    )
    return [
        external_id
        for external_id in external_ids.iterator(chunk_size=5000)
        if csvformat.is_writable_id(external_id)
    ]
