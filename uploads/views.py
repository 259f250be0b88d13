from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from uploads.models import Upload
from uploads.permissions import visible_teams, visible_uploads


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = visible_teams(request.user).annotate(item_count=Count("plan_items"))
    roles = {
        membership.team_id: membership.get_role_display()
        for membership in request.user.memberships.all()
    }
    uploads = visible_uploads(request.user).select_related("team", "created_by")[:20]
    return render(
        request,
        "uploads/dashboard.html",
        {
            "teams": [(team, roles.get(team.pk, "Staff")) for team in teams],
            "uploads": uploads,
        },
    )


@login_required
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_object_or_404(
        visible_uploads(request.user).select_related("team", "created_by"),
        pk=upload_id,
    )
    return render(
        request,
        "uploads/upload_detail.html",
        {
            "upload": upload,
            "rows": upload.rows.all()[:500],
            "attempts": upload.attempts.all(),
            "events": upload.events.select_related("actor"),
            "reviewable": Upload.REVIEWABLE_STATES,
        },
    )


@login_required
def upload_state(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The live state badge (htmx polls it while the upload is on its way).

    When the state has moved on, the whole page reloads so the calls and history
    shown beside the badge move on with it.
    """
    upload = get_object_or_404(visible_uploads(request.user), pk=upload_id)
    response = render(
        request,
        "uploads/_state_badge.html",
        {"upload": upload, "live": True, "reviewable": Upload.REVIEWABLE_STATES},
    )
    if request.GET.get("shown") != upload.state:
        response["HX-Refresh"] = "true"
    return response
