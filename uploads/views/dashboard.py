"""The dashboard: what a plan owner acts on first (items to update, what failed,
one next step), then their drafts and their teams' failures, each team's plan
items, uploads per week and what was sent recently."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from uploads.models import Upload
from uploads.permissions import visible_uploads
from uploads.selectors.dashboard import (
    dashboard_focus,
    dashboard_teams,
    weekly_outcomes,
)

State = Upload.State
SHOWN = 10


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    uploads = visible_uploads(request.user).select_related("team", "created_by")
    drafts = uploads.filter(created_by=request.user, state=State.DRAFT)
    problems = uploads.filter(state__in=Upload.REVIEWABLE_STATES)
    recent = uploads.exclude(state__in=[State.DRAFT, State.REJECTED])
    summaries = dashboard_teams(request.user)
    problem_count = problems.count()
    chart_teams = None
    if not request.user.is_staff:
        chart_teams = [summary.access.team.pk for summary in summaries]
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "summaries": summaries,
            "focus": dashboard_focus(
                user=request.user,
                summaries=summaries,
                drafts=drafts,
                failed=problem_count,
            ),
            "drafts": drafts[:SHOWN],
            "problems": problems[:SHOWN],
            "problem_count": problem_count,
            "recent": recent[:SHOWN],
            "chart": weekly_outcomes(team_ids=chart_teams),
            "reviewable": Upload.REVIEWABLE_STATES,
            "draft_days": settings.DRAFT_MAX_AGE_DAYS,
        },
    )
