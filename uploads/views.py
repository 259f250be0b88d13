from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from uploads import csvformat, services
from uploads.forms import ResolveForm, UploadFileForm
from uploads.models import Membership, PlanItem, Team, Upload
from uploads.permissions import can_upload, visible_teams, visible_uploads


def _team_for(request: HttpRequest, slug: str) -> Team:
    return get_object_or_404(visible_teams(request.user), slug=slug)


def _upload_for(request: HttpRequest, upload_id: int) -> Upload:
    return get_object_or_404(
        visible_uploads(request.user).select_related("team", "created_by"),
        pk=upload_id,
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = visible_teams(request.user).annotate(item_count=Count("plan_items"))
    memberships = {m.team_id: m for m in request.user.memberships.all()}
    uploads = visible_uploads(request.user).select_related("team", "created_by")[:20]
    rows = []
    for team in teams:
        membership = memberships.get(team.pk)
        # The same rule as permissions.can_upload, from memberships already loaded.
        may_send = request.user.is_staff or (
            membership is not None and membership.role == Membership.Role.UPLOADER
        )
        role = membership.get_role_display() if membership else "Staff"
        rows.append((team, role, may_send))
    return render(
        request,
        "uploads/dashboard.html",
        {
            "teams": rows,
            "uploads": uploads,
        },
    )


@login_required
def upload_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team_for(request, slug)
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
    team = _team_for(request, slug)
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
    upload = _upload_for(request, upload_id)
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
    upload = _upload_for(request, upload_id)
    response = render(
        request,
        "uploads/_state_badge.html",
        {"upload": upload, "live": True, "reviewable": Upload.REVIEWABLE_STATES},
    )
    if request.GET.get("shown") != upload.state:
        response["HX-Refresh"] = "true"
    return response


def _upload_for_sender(request: HttpRequest, upload_id: int) -> Upload:
    upload = _upload_for(request, upload_id)
    if not can_upload(request.user, upload.team):
        raise Http404
    return upload


@login_required
@require_POST
def upload_confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _upload_for_sender(request, upload_id)
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
    upload = _upload_for_sender(request, upload_id)
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
    upload = _upload_for_sender(request, upload_id)
    if services.upload_reject(upload=upload, user=request.user):
        messages.info(request, "Discarded: nothing was sent. The file is kept.")
    return redirect(upload)


@staff_member_required
@require_POST
def upload_staff_action(
    request: HttpRequest, upload_id: int, action: str
) -> HttpResponse:
    upload = _upload_for(request, upload_id)
    try:
        if action == "retry":
            services.upload_retry(upload=upload, user=request.user)
            messages.success(request, "Queued to be sent again.")
        elif action == "cancel":
            services.upload_cancel(upload=upload, user=request.user)
            messages.info(request, "Canceled.")
        elif action == "resolve":
            form = ResolveForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Say what was done: a resolution needs a note.")
                return redirect(upload)
            services.upload_resolve(
                upload=upload, user=request.user, note=form.cleaned_data["note"]
            )
            messages.success(request, "Resolved.")
        else:
            raise Http404
    except services.ServiceError as error:
        messages.warning(request, str(error))
    return redirect(upload)
