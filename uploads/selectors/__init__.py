"""Reads, by area (HackSoft's selectors): each returns data or a QuerySet and
writes nothing. The External ID mapping lives here because every way in needs it.

- `dashboard`: each team's freshness, the weekly chart.
- `history`: the audit history, filtered and paged by keyset.
- `items`: plan items with the last update sent for each.
- `entry`: the form's rows.
- `uploads`: an upload's rows as written, its problems, AchieveIt's answers.
- `review`: the operators' queue.
- `teams`: what a manager sees of a team.
"""

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
