from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from uploads.models import Upload
from uploads.permissions import visible_uploads
from uploads.selectors import dashboard_teams, weekly_outcomes

State = Upload.State
SHOWN = 10


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    uploads = visible_uploads(request.user).select_related("team", "created_by")
    drafts = uploads.filter(created_by=request.user, state=State.DRAFT)
    problems = uploads.filter(state__in=Upload.REVIEWABLE_STATES)
    recent = uploads.exclude(state__in=[State.DRAFT, State.REJECTED])
    return render(
        request,
        "uploads/dashboard.html",
        {
            "summaries": dashboard_teams(request.user),
            "drafts": drafts[:SHOWN],
            "draft_count": drafts.count(),
            "problems": problems[:SHOWN],
            "problem_count": problems.count(),
            "recent": recent[:SHOWN],
            "chart": weekly_outcomes(request.user),
            "reviewable": Upload.REVIEWABLE_STATES,
            "draft_days": settings.DRAFT_MAX_AGE_DAYS,
        },
    )
