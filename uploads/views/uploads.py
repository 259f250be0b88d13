"""An upload from file to verdict: choose a file, see the preview, send it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from uploads import csvformat, services
from uploads.forms import ResolveForm, UploadFileForm
from uploads.models import PlanItem, Upload
from uploads.permissions import (
    Need,
    can_upload,
    get_team_for,
    get_upload_for,
    team_accesses,
)


@login_required
def upload_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug)
    if not can_upload(request.user, team):
        messages.error(request, "You may look at this team's uploads, not send them.")
        return redirect("dashboard")
    form = UploadFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        upload = services.upload_create(
            team=team,
            user=request.user,
            data=uploaded.read(),
            original_name=uploaded.name,
        )
        return redirect(upload)
    return render(request, "uploads/upload_new.html", {"team": team, "form": form})


@login_required
def team_template(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug)
    external_ids = PlanItem.objects.filter(team=team, active=True).values_list(
        "external_id", flat=True
    )
    response = HttpResponse(
        csvformat.render_template(external_ids), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-updates.csv"'
    return response


@login_required
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_for(request, upload_id)
    findings = upload.findings
    return render(
        request,
        "uploads/upload_detail.html",
        {
            "upload": upload,
            "rows": upload.rows.all()[:500],
            "attempts": upload.attempts.all(),
            "events": upload.events.select_related("actor"),
            "reviewable": Upload.REVIEWABLE_STATES,
            "errors": [f for f in findings if f["severity"] == "error"],
            "notes": [f for f in findings if f["severity"] != "error"],
            "may_send": can_upload(request.user, upload.team),
            "resolve_form": ResolveForm(),
        },
    )


@login_required
def upload_state(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The live state badge (htmx polls it while the upload is on its way).

    When the state has moved on, the whole page reloads so the calls and history
    shown beside the badge move on with it.
    """
    upload = get_upload_for(request, upload_id)
    response = render(
        request,
        "uploads/_state_badge.html",
        {"upload": upload, "live": True, "reviewable": Upload.REVIEWABLE_STATES},
    )
    if request.GET.get("shown") != upload.state:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def upload_confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_for(request, upload_id, need=Need.UPLOAD)
    try:
        services.upload_confirm(upload=upload, user=request.user)
    except services.ServiceError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, "Sent on its way to AchieveIt.")
    return redirect(upload)


@login_required
@require_POST
def upload_exclude_invalid(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_for(request, upload_id, need=Need.UPLOAD)
    try:
        clean = services.upload_exclude_invalid(upload=upload, user=request.user)
    except services.ServiceError as error:
        messages.warning(request, str(error))
        return redirect(upload)
    messages.info(
        request, "The rows with errors were left out. Check the rest, then send it."
    )
    return redirect(clean)


@login_required
@require_POST
def upload_discard(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_for(request, upload_id, need=Need.UPLOAD)
    if services.upload_reject(upload=upload, user=request.user):
        messages.info(request, "Discarded: nothing was sent. The file is kept.")
    return redirect(upload)


@login_required
def upload_start(request: HttpRequest) -> HttpResponse:
    """The navigation's Upload: straight to the team's page when there is one team."""
    teams = [access.team for access in team_accesses(request.user) if access.can_upload]
    if len(teams) == 1:
        return redirect("upload_new", teams[0].slug)
    return render(request, "uploads/upload_start.html", {"teams": teams})
