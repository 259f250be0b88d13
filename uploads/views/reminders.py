"""Weekly reminders of stale items (uploads/services/reminders.py): a manager's
switch for the team (on the team page's plans card), and each person's own
switch (/reminders/, linked from every reminder email)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from uploads.models import Membership, Team
from uploads.permissions import Need, get_team_for
from uploads.services import reminders


@login_required
@require_POST
def team_reminders(request: HttpRequest, slug: str) -> HttpResponse:
    """Turn the team's weekly reminders on or off and choose their weekday."""
    team = get_team_for(request, slug, need=Need.MANAGE)
    on = request.POST.get("reminders_on") == "on"
    try:
        weekday = int(request.POST.get("reminder_weekday", ""))
        reminders.set_team_reminders(
            team=team, on=on, weekday=weekday, actor=request.user
        )
    except ValueError:
        messages.warning(request, "Choose a weekday for the reminders.")
    else:
        day = dict(Team._meta.get_field("reminder_weekday").choices)[weekday]
        messages.success(
            request,
            f"Reminders are on: every {day}, each uploader of {team.name} gets "
            "their stale items by email."
            if on
            else f"Reminders are off for {team.name}.",
        )
    return redirect(reverse("team_manage", kwargs={"slug": team.slug}) + "#reminders")


@login_required
@require_http_methods(["GET", "POST"])
def my_reminders(request: HttpRequest) -> HttpResponse:
    """A person's own switch for the reminder emails, and which teams send them."""
    if request.method == "POST":
        off = request.POST.get("reminders") == "off"
        reminders.set_opted_out(user=request.user, opted_out=off)
        messages.success(
            request,
            "You will get no more reminder emails."
            if off
            else "You will get the weekly reminder emails again.",
        )
        return redirect("my_reminders")
    teams = [
        membership.team
        for membership in Membership.objects.filter(
            user=request.user, role__in=reminders.UPLOAD_ROLES, team__reminders_on=True
        ).select_related("team")
    ]
    return render(
        request,
        "reminders/mine.html",
        {"opted_out": reminders.opted_out(request.user), "teams": teams},
    )
