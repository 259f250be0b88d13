"""The dashboard: how current each team's plan items are, and uploads per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone

from uploads.models import PlanItem, Upload
from uploads.permissions import TeamAccess, User, team_accesses
from uploads.selectors.items import fresh_q, stale_q


@dataclass(frozen=True)
class TeamSummary:
    """One team on the dashboard: how current its plan items are in AchieveIt."""

    access: TeamAccess
    item_count: int
    updated_count: int  # items AchieveIt processed an update for within the period
    stale_count: int
    stale_items: list[PlanItem]  # the first few, least recently updated first

    @property
    def period_days(self) -> int:
        return self.access.team.stale_after_days

    @property
    def stale_not_shown(self) -> int:
        """Stale items beyond the few listed ("and 3 more")."""
        return max(0, self.stale_count - len(self.stale_items))


STALE_ITEMS_SHOWN = 5


def dashboard_teams(user: User) -> list[TeamSummary]:
    """Each team the user sees, with its plan items' freshness (three queries,
    however many teams and items)."""
    accesses = team_accesses(user)
    teams = [access.team for access in accesses]
    now = timezone.now()
    counts: dict[int, dict[str, int]] = {}
    # Teams may choose their own period; most share the default, so one query per
    # distinct period.
    by_period: dict[int, list[int]] = {}
    for team in teams:
        by_period.setdefault(team.stale_after_days, []).append(team.pk)
    for days, team_ids in by_period.items():
        cutoff = now - timedelta(days=days)
        rows = (
            PlanItem.objects.filter(team__in=team_ids, active=True)
            .values("team")
            .annotate(
                total=Count("pk"),
                # AchieveIt's own last update counts where the team syncs.
                fresh=Count("pk", filter=fresh_q(cutoff)),
            )
        )
        counts.update({row["team"]: row for row in rows})

    stale_filter = Q()
    for team in teams:
        cutoff = now - timedelta(days=team.stale_after_days)
        stale_filter |= Q(team=team) & stale_q(cutoff)
    stale_by_team: dict[int, list[PlanItem]] = {}
    if teams:
        ranked = (
            PlanItem.objects.filter(stale_filter, active=True)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("team"),
                    order_by=[
                        F("last_updated_at").asc(nulls_first=True),
                        F("external_id").asc(),
                    ],
                )
            )
            .filter(rank__lte=STALE_ITEMS_SHOWN)
            .order_by("team", "rank")
        )
        for item in ranked:
            stale_by_team.setdefault(item.team_id, []).append(item)

    summaries = []
    for access in accesses:
        row = counts.get(access.team.pk, {"total": 0, "fresh": 0})
        summaries.append(
            TeamSummary(
                access=access,
                item_count=row["total"],
                updated_count=row["fresh"],
                stale_count=row["total"] - row["fresh"],
                stale_items=stale_by_team.get(access.team.pk, []),
            )
        )
    return summaries


@dataclass(frozen=True)
class Focus:
    """What the dashboard leads with: the numbers a plan owner acts on, and the
    one next step (`step` names it; the template words it)."""

    to_update: int  # active plan items not updated in their team's period
    item_count: int
    updated_count: int
    failed: int  # the teams' uploads that failed or wait for review
    drafts: int  # the person's own drafts
    ready_draft: Upload | None  # the newest of them that may be sent as it is
    step: str  # "first", "failed", "draft", "update", "upload", "none"
    upload_team_count: int  # teams the person may send updates for


def dashboard_focus(
    *,
    user: User,
    summaries: list[TeamSummary],
    drafts: QuerySet[Upload],
    failed: int,
) -> Focus:
    """The dashboard's lead: how many items to update, what failed, and what to
    do first. A person who may send and never has starts with the form."""
    uploading = [summary for summary in summaries if summary.access.can_upload]
    to_update = sum(summary.stale_count for summary in summaries)
    draft_count = drafts.count()
    ready = (
        drafts.exclude(normalized_csv="").filter(row_count__gt=0).first()
        if draft_count
        else None
    )
    if not uploading:
        step = "none"
    elif not Upload.objects.filter(created_by=user).exists():
        step = "first"
    elif failed:
        step = "failed"
    elif ready is not None:
        step = "draft"
    elif sum(summary.stale_count for summary in uploading):
        step = "update"
    else:
        step = "upload"
    return Focus(
        to_update=to_update,
        item_count=sum(summary.item_count for summary in summaries),
        updated_count=sum(summary.updated_count for summary in summaries),
        failed=failed,
        drafts=draft_count,
        ready_draft=ready,
        step=step,
        upload_team_count=len(uploading),
    )


# How each state counts in the dashboard's weekly chart.
OUTCOME_OF_STATE = {
    Upload.State.SUCCEEDED: "Succeeded",
    Upload.State.FAILED: "Failed or needs review",
    Upload.State.NEEDS_REVIEW: "Failed or needs review",
    Upload.State.RESOLVED: "Resolved or canceled",
    Upload.State.CANCELED: "Resolved or canceled",
    Upload.State.QUEUED: "On its way",
    Upload.State.SUBMITTING: "On its way",
    Upload.State.PROCESSING: "On its way",
}
CHART_WEEKS = 12


CHART_CACHE_SECONDS = 60


def weekly_outcomes(
    *, team_ids: list[int] | None, weeks: int = CHART_WEEKS
) -> dict[str, Any]:
    """Uploads sent per week (drafts and discarded files left out), by outcome,
    for the last `weeks` weeks, of the given teams (None: every team):
    {"weeks": [...], "series": {outcome: [...]}}.

    Counting reads every upload of those weeks, so the figures are kept for a
    minute per set of teams: a trend does not need to be right to the second.
    """
    today = timezone.localdate()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    uploads = Upload.objects.all()
    scope = "all"
    if team_ids is not None:
        # Ids as a list, not a subquery: each team's index is then read alone.
        uploads = uploads.filter(team__in=sorted(team_ids))
        scope = ",".join(map(str, sorted(team_ids)))
    key = f"weekly-outcomes:{scope}:{first_monday}:{weeks}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    start = timezone.make_aware(datetime.combine(first_monday, time.min))
    rows = (
        uploads.filter(created_at__gte=start, state__in=list(OUTCOME_OF_STATE))
        .annotate(week=TruncWeek("created_at"))
        .values("week", "state")
        # count(*) lets PostgreSQL answer from the (…, created_at, state) indexes.
        .annotate(count=Count("*"))
        .order_by()
    )
    mondays = [first_monday + timedelta(weeks=n) for n in range(weeks)]
    series = {name: [0] * weeks for name in dict.fromkeys(OUTCOME_OF_STATE.values())}
    position = {monday: index for index, monday in enumerate(mondays)}
    for row in rows:
        index = position.get(timezone.localtime(row["week"]).date())
        if index is not None:
            series[OUTCOME_OF_STATE[row["state"]]][index] += row["count"]
    chart = {"weeks": [monday.isoformat() for monday in mondays], "series": series}
    cache.set(key, chart, CHART_CACHE_SECONDS)
    return chart
