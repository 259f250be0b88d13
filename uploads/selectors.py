"""Reads that more than one path into the portal needs."""

from __future__ import annotations

from uploads import csvformat
from uploads.models import PlanItem, Team


def plan_item_rules(team: Team) -> dict[str, csvformat.PlanItemRule]:
    """The organization's External ID mapping, as seen by one team's upload.

    Items of other teams are included (own=False) so an upload naming one is told
    "not one of this team's items" rather than "unknown".
    """
    rows = PlanItem.objects.values_list(
        "external_id", "team_id", "active", "has_metric"
    )
    return {
        external_id: csvformat.PlanItemRule(
            own=team_id == team.pk, active=active, has_metric=has_metric
        )
        for external_id, team_id, active, has_metric in rows.iterator(chunk_size=5000)
    }
