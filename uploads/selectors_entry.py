"""Reads for the form that enters updates: a team's active plan items, each with
the last update its team sent for it, which the form starts from.

"Sent" means the person confirmed the upload and it was not refused or withdrawn,
as on the plan-item pages: a draft, rejected, failed or canceled upload never counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber

from uploads.models import PlanItem, Team, Upload, UploadRow

State = Upload.State

SENT_STATES = (
    State.QUEUED,
    State.SUBMITTING,
    State.PROCESSING,
    State.SUCCEEDED,
    State.NEEDS_REVIEW,
    State.RESOLVED,
)
# When an update was sent: when its upload was confirmed (or made, for the uploads
# from before confirmation was recorded).
_SENT_AT = Coalesce(F("upload__confirmed_at"), F("upload__created_at"))


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
    return PlanItem.objects.filter(team=team, active=True).order_by("external_id")


def entry_items(team: Team, plan_items: Iterable[PlanItem]) -> list[EntryItem]:
    """The items, each with the last update the team sent for it, in one query.

    The last update is the one sent most recently (then the later row of one
    upload), the same rule as the plan-item pages.
    """
    plan_items = list(plan_items)
    if not plan_items:
        return []
    rows = (
        UploadRow.objects.filter(
            upload__team=team,
            upload__state__in=SENT_STATES,
            external_id__in=[item.external_id for item in plan_items],
        )
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("external_id")],
                order_by=[_SENT_AT.desc(), F("upload_id").desc(), F("line").desc()],
            )
        )
        .filter(newest=1)
    )
    last = {row.external_id: row for row in rows}
    return [EntryItem(item, last.get(item.external_id)) for item in plan_items]
