"""Reads for the plan-item pages: each item with the last update sent for it, and
one item's every update.

"Sent" means the person confirmed the upload and it was not refused or withdrawn:
the updates of a failed, canceled, rejected or draft upload never count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from uploads.models import PlanItem, Team, Upload, UploadRow
from uploads.permissions import User, visible_teams

State = Upload.State

SENT_STATES = Upload.SENT_STATES
# The moment an update was sent: when the person confirmed it (uploads made before
# confirmed_at existed fall back to their creation).
SENT_AT = Coalesce(F("upload__confirmed_at"), F("upload__created_at"))


def stale_q(cutoff: datetime) -> Q:
    """Plan items neither the portal nor AchieveIt updated since `cutoff`.

    AchieveIt's own "last updated" (kept by a sync, so only for a team with a
    linked plan) counts as much as an update the portal sent: an item someone
    updated in AchieveIt directly is not stale.
    """
    return (Q(last_updated_at__isnull=True) | Q(last_updated_at__lt=cutoff)) & (
        Q(achieveit_last_updated__isnull=True) | Q(achieveit_last_updated__lt=cutoff)
    )


def fresh_q(cutoff: datetime) -> Q:
    """Plan items the portal or AchieveIt updated since `cutoff` (not stale_q)."""
    return Q(last_updated_at__gte=cutoff) | Q(achieveit_last_updated__gte=cutoff)


def updated_in_achieveit_q() -> Q:
    """Plan items AchieveIt shows an update for that is newer than any the portal
    had processed (PlanItem.updated_in_achieveit_directly, as a query)."""
    return Q(achieveit_last_updated__isnull=False) & (
        Q(last_updated_at__isnull=True)
        | Q(achieveit_last_updated__gt=F("last_updated_at"))
    )


# The dashboard lists at most this many items updated in AchieveIt directly.
DRIFT_SHOWN = 5


@dataclass(frozen=True)
class Drift:
    """The user's teams' items updated in AchieveIt directly: the count and the
    newest few."""

    count: int
    items: list[PlanItem]

    @property
    def not_shown(self) -> int:
        return max(0, self.count - len(self.items))


def updated_in_achieveit(user: User) -> Drift:
    """Active items of the user's teams that were updated in AchieveIt directly
    (two queries)."""
    items = PlanItem.objects.filter(
        updated_in_achieveit_q(), team__in=visible_teams(user), active=True
    )
    count = items.count()
    newest = (
        list(
            items.select_related("team").order_by(
                "-achieveit_last_updated", "external_id"
            )[:DRIFT_SHOWN]
        )
        if count
        else []
    )
    return Drift(count=count, items=newest)


def visible_plan_items(
    user: User, *, team: Team | None = None, search: str = ""
) -> QuerySet[PlanItem]:
    """The plan items of the user's teams (all for staff), by External ID.

    `team` narrows to one team (it must be one of `visible_teams(user)`); `search`
    keeps the items whose External ID or name contains it, in any case.
    """
    items = PlanItem.objects.filter(team__in=visible_teams(user))
    if team is not None:
        items = items.filter(team=team)
    if search:
        items = items.filter(
            Q(external_id__icontains=search) | Q(name__icontains=search)
        )
    return items.select_related("team").order_by("external_id")


def get_plan_item_for(user: User, external_id: str) -> PlanItem:
    """The item with this External ID if it belongs to one of the user's teams.

    Raises Http404 otherwise, so another team's ID looks exactly like an unknown one.
    """
    return get_object_or_404(
        PlanItem.objects.filter(team__in=visible_teams(user)).select_related("team"),
        external_id=external_id,
    )


def sent_updates(plan_item: PlanItem) -> QuerySet[UploadRow]:
    """Every update sent for the item by its team, newest sent first."""
    return (
        UploadRow.objects.filter(
            external_id=plan_item.external_id,
            upload__team_id=plan_item.team_id,
            upload__state__in=SENT_STATES,
        )
        .select_related("upload")
        .annotate(sent_at=SENT_AT)
        .order_by("-sent_at", "-upload_id", "-line")
    )


@dataclass(frozen=True)
class ItemStanding:
    """A plan item with the last update sent for it (None when nothing was sent)."""

    item: PlanItem
    last: UploadRow | None
    stale: bool


def last_updates(
    items: Iterable[PlanItem],
    *,
    now: datetime | None = None,
    latest_date: bool = False,
) -> list[ItemStanding]:
    """The items, each with the last update its team sent for it (with
    `latest_date`, the sent update with the latest As Of Date, sent last among
    those: what the item stands at, even when an older date was sent after it).

    One query for all the items together (a window over the sent rows of their
    External IDs), never one per item. An active item is stale when AchieveIt
    has processed no update for it in its team's `stale_after_days`, nor shown one
    at the last sync (the same rule as the dashboard's: `stale_q`).
    """
    items = list(items)
    if not items:
        return []
    now = now or timezone.now()
    rows = (
        UploadRow.objects.filter(
            external_id__in=[item.external_id for item in items],
            upload__team_id__in={item.team_id for item in items},
            upload__state__in=SENT_STATES,
        )
        .select_related("upload")
        .only(
            "external_id",
            "status",
            "value",
            "as_of_date",
            "comment",
            "upload__id",
            "upload__public_id",
            "upload__team_number",
            "upload__kind",
            "upload__state",
            "upload__team_id",
            "upload__confirmed_at",
            "upload__created_at",
        )
        .annotate(
            sent_at=SENT_AT,
            newest=Window(
                RowNumber(),
                partition_by=[F("external_id"), F("upload__team_id")],
                order_by=[
                    *([F("as_of_date").desc()] if latest_date else []),
                    SENT_AT.desc(),
                    F("upload_id").desc(),
                    F("line").desc(),
                ],
            ),
        )
        .filter(newest=1)
    )
    last = {(row.external_id, row.upload.team_id): row for row in rows}
    standings = []
    for item in items:
        row = last.get((item.external_id, item.team_id))
        cutoff = now - timedelta(days=item.team.stale_after_days)
        freshest = item.freshest_update_at
        stale = item.active and (freshest is None or freshest < cutoff)
        standings.append(ItemStanding(item=item, last=row, stale=stale))
    return standings


@dataclass(frozen=True)
class Trend:
    """An item's updates as the chart draws them, and the same in words."""

    points: list[dict[str, Any]]
    summary: str


def _number(value: str) -> float | None:
    try:
        return float(Decimal(value)) if value else None
    except InvalidOperation:
        return None


def update_trend(plan_item: PlanItem, *, limit: int = 500) -> Trend:
    """The item's sent updates by As Of Date (the newest `limit` of them), for the
    chart, with a sentence that says what the chart shows."""
    newest = list(
        sent_updates(plan_item)
        .order_by("-as_of_date", "-sent_at", "-upload_id", "-line")
        .values_list("as_of_date", "status", "value")[:limit]
    )
    newest.reverse()
    points = [
        {"date": as_of.isoformat(), "status": status, "value": _number(value)}
        for as_of, status, value in newest
    ]
    return Trend(points=points, summary=_describe(newest))


def _describe(updates: Sequence[tuple[date, str, str]]) -> str:
    if not updates:
        return "No update has been sent for this item yet."
    first_date, _, _ = updates[0]
    last_date, _, _ = updates[-1]
    # A metric update carries no status ("").
    statuses = [status for _, status, _ in updates if status]
    count = len(updates)
    if count == 1:
        sentences = [f"1 update, as of {last_date.isoformat()}."]
    else:
        sentences = [
            f"{count} updates from {first_date.isoformat()} to {last_date.isoformat()}."
        ]
    values = [
        (as_of, value) for as_of, _, value in updates if _number(value) is not None
    ]
    if len(values) == 1:
        sentences.append(f"Value {values[0][1]} on {values[0][0].isoformat()}.")
    elif values:
        first_value, last_value = values[0][1], values[-1][1]
        first_number, last_number = _number(first_value), _number(last_value)
        if first_number == last_number:
            sentences.append(f"Value stayed at {last_value}.")
        else:
            direction = "rose" if last_number > first_number else "fell"
            sentences.append(f"Value {direction} from {first_value} to {last_value}.")
    if len(statuses) == 1:
        sentences.append(f"Status {statuses[0]}.")
    elif statuses and statuses[0] == statuses[-1]:
        sentences.append(f"Status {statuses[-1]} throughout.")
    elif statuses:
        sentences.append(f"Status went from {statuses[0]} to {statuses[-1]}.")
    return " ".join(sentences)
