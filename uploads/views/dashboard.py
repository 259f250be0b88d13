from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from uploads.permissions import team_accesses, visible_teams, visible_uploads


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = visible_teams(request.user).annotate(item_count=Count("plan_items"))
    uploads = visible_uploads(request.user).select_related("team", "created_by")[:20]
    return render(
        request,
        "uploads/dashboard.html",
        {"accesses": team_accesses(request.user, teams), "uploads": uploads},
    )
