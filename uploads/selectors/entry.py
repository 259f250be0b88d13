"""Reads for the form that enters updates: a team's active plan items, each with
the last update its team sent for it, which the form starts from.

"Sent" means the person confirmed the upload and it was not refused or withdrawn,
as on the plan-item pages: a draft, rejected, failed or canceled upload never counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from uploads.models import PlanItem, Team, UploadRow
from uploads.selectors.items import last_updates


@dataclass(frozen=True)
class EntryItem:
    """A plan item as the form shows it, with the last update sent for it."""

    plan_item: PlanItem
    last: UploadRow | None

    @property
    def last_status(self) -> str:
        return self.last.status if self.last else ""

    @property
    def last_value(self) -> str:
        return self.last.value if self.last else ""


def entry_plan_items(team: Team) -> QuerySet[PlanItem]:
    """The team's active plan items, in External ID order (the form's rows)."""
    return (
        PlanItem.objects.filter(team=team, active=True)
        .select_related("team")
        .order_by("external_id")
    )


def entry_items(plan_items: Iterable[PlanItem]) -> list[EntryItem]:
    """The items, each with the sent update with the latest As Of Date (an
    update for an older date sent later does not replace it), in one query
    (`selectors.items.last_updates`)."""
    return [
        EntryItem(standing.item, standing.last)
        for standing in last_updates(plan_items, latest_date=True)
    ]
