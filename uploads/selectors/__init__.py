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
    """One team's External ID mapping, as its uploads are checked against it.

    Only the team's own items: another team's ID is then exactly as unknown as an
    ID nobody has (same message, same work), so an upload cannot tell which IDs
    other teams have.
    """
    rows = PlanItem.objects.filter(team=team).values_list(
        "external_id", "active", "has_metric"
    )
    # Four rules at most, shared (they are frozen): one per item cost 100,000
    # objects for a large team, and the checks group the IDs by their rule.
    rules = {
        (active, has_metric): csvformat.PlanItemRule(
            own=True, active=active, has_metric=has_metric
        )
        for active in (True, False)
        for has_metric in (True, False)
    }
    return {
        external_id: rules[active, has_metric]
        for external_id, active, has_metric in rows.iterator(chunk_size=5000)
    }
