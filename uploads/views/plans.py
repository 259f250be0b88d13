"""Linked AchieveIt plans on a team's manage page: link, remove, and "Sync from
AchieveIt" through a preview and a confirmation. Managers of the team and staff;
anyone else gets a 404 (get_team_for)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from uploads.permissions import Need, get_team_for
from uploads.services import plans as plan_services
from uploads.services.errors import ServiceError

# Rows of each kind of change the preview lists (the counts cover them all).
PREVIEW_ROWS = 100


def _back(slug: str) -> str:
    return reverse("team_manage", kwargs={"slug": slug}) + "#linked-plans"


@login_required
@require_POST
def team_plan_link(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    try:
        link = plan_services.plan_link(
            team=team, plan_id=request.POST.get("plan_id", ""), actor=request.user
        )
    except ServiceError as error:
        messages.warning(request, str(error))
    else:
        messages.success(
            request,
            f"Linked the AchieveIt plan {link.plan_id}. Sync from AchieveIt to see "
            "its items.",
        )
    return redirect(_back(team.slug))


@login_required
@require_POST
def team_plan_unlink(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    plan_id = request.POST.get("plan_id", "")
    if plan_services.plan_unlink(team=team, plan_id=plan_id, actor=request.user):
        messages.success(
            request, f"Removed the plan {plan_id}; the team's items stay as they are."
        )
    return redirect(_back(team.slug))


@login_required
@require_http_methods(["GET", "POST"])
def team_plan_sync(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: read the plans and show what a sync would change, keeping that read.
    POST (the confirmation): apply the read the preview was made from (no second
    read, so what is applied is what was shown)."""
    team = get_team_for(request, slug, need=Need.MANAGE)
    if request.method == "POST":
        token = request.POST.get("preview", "")
        try:
            reads = plan_services.preview_load(team=team, token=token)
            result = plan_services.sync_apply(
                team=team, actor=request.user, reads=reads
            )
        except plan_services.PlanSyncError as error:
            messages.error(request, str(error))
            return redirect(_back(team.slug))
        plan_services.preview_discard(team=team, token=token)
        messages.success(request, f"Synced from AchieveIt: {result.summary()}.")
        return redirect(_back(team.slug))
    try:
        reads = plan_services.read_team_plans(team)
        preview = plan_services.sync_preview(team=team, reads=reads)
    except plan_services.PlanSyncError as error:
        messages.error(request, str(error))
        return redirect(_back(team.slug))
    token = plan_services.preview_store(team=team, reads=reads)
    return render(
        request,
        "teams/_plans_preview.html",
        {"team": team, "preview": preview, "rows": PREVIEW_ROWS, "token": token},
    )
