"""Team management: the teams a person manages (staff: all, and a new one), one
team's members and plan items, and importing its External ID mapping through a
preview. A person who may not manage the team gets a 404."""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from uploads.forms import (
    ItemActiveForm,
    MappingFileForm,
    MemberAddForm,
    MemberRoleForm,
    TeamCreateForm,
)
from uploads.models import Membership, PlanItem, Team
from uploads.permissions import Need, get_team_for
from uploads.selectors.teams import (
    managed_teams,
    team_members,
    team_plan_items,
    unwritable_plan_items,
)
from uploads.services import mapping as mapping_services
from uploads.services import teams as team_services
from uploads.services.errors import ServiceError
from uploads.wording.common import with_article

logger = logging.getLogger(__name__)
HOUR = 3600

ITEMS_PER_PAGE = 50
# External IDs named in the warning about items no file can carry.
UNWRITABLE_SHOWN = 20
# Rows of each kind of change the preview lists (the counts cover them all).
PREVIEW_ROWS = 100


@login_required
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    managed = managed_teams(request.user)
    if not request.user.is_staff and (request.method == "POST" or not managed.exists()):
        raise Http404
    form = TeamCreateForm(request.POST or None) if request.user.is_staff else None
    if request.method == "POST" and form.is_valid():
        try:
            team, _ = team_services.team_create(
                slug=form.cleaned_data["slug"],
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except ServiceError as error:
            form.add_error("slug", str(error))
        else:
            messages.success(request, f"Created the team {team.name}.")
            return redirect("team_manage", slug=team.slug)
    status = 400 if form is not None and form.errors else 200
    return render(
        request, "teams/teams.html", {"teams": managed, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET"])
def team_manage(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    return _manage_page(request, team, MemberAddForm())


@login_required
@require_POST
def team_member_add(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            added = team_services.member_add(
                team=team,
                who=form.cleaned_data["who"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ServiceError as error:
            form.add_error("who", str(error))
        else:
            _say_added(request, added)
            return redirect("team_manage", slug=team.slug)
    return _manage_page(request, team, form, status=400)


@login_required
@require_POST
def team_member_role(
    request: HttpRequest, slug: str, membership_id: int
) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, team=team
    )
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: viewer, uploader or manager.")
        return redirect("team_manage", slug=team.slug)
    try:
        team_services.membership_set(
            user=membership.user,
            team=team,
            role=form.cleaned_data["role"],
            actor=request.user,
        )
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        role = Membership.Role(form.cleaned_data["role"]).label.lower()
        role = with_article(role)
        messages.success(request, f"{membership.user.get_username()} is now {role}.")
    return redirect("team_manage", slug=team.slug)


@login_required
@require_POST
def team_member_remove(
    request: HttpRequest, slug: str, membership_id: int
) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "team"), pk=membership_id, team=team
    )
    try:
        team_services.membership_remove(membership=membership, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Removed {membership.user.get_username()} from {team.name}. Their "
            "account stays; add them again at any time.",
        )
    return redirect("team_manage", slug=team.slug)


@login_required
@require_POST
def team_item_active(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    plan_item = get_object_or_404(PlanItem, pk=item_id, team=team)
    form = ItemActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the item should be active or not.")
    else:
        active = form.cleaned_data["active"]
        mapping_services.plan_item_set_active(
            plan_item=plan_item, active=active, actor=request.user
        )
        messages.success(
            request,
            f"{plan_item.external_id} is "
            + ("active again." if active else "inactive: updates for it are refused."),
        )
    return redirect(_back_to_items(request, team))


@login_required
@require_http_methods(["GET", "POST"])
def team_import(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    form = MappingFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = mapping_services.mapping_store(
            team=team, data=form.cleaned_data["file"].read()
        )
        return redirect("team_import_preview", slug=team.slug, token=token)
    status = 400 if form.errors else 200
    return render(
        request, "teams/team_import.html", {"team": team, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_import_preview(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.MANAGE)
    try:
        data = mapping_services.mapping_load(team=team, token=token)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("team_import", slug=team.slug)
    wait = _mapping_checks_used_up(request.user.pk)
    if wait:
        # Each check tells which IDs the organization already has: a person
        # gets a working number of them, not an oracle.
        messages.error(
            request,
            f"You have checked {settings.MAPPING_CHECKS_PER_HOUR} plan items files "
            f"this hour, the most one person may. Try again in {wait}.",
        )
        response = render(
            request,
            "teams/team_import.html",
            {"team": team, "form": MappingFileForm()},
            status=429,
        )
        response["Retry-After"] = "3600"
        return response
    try:
        items = mapping_services.read_mapping(data)
        if request.method == "POST":
            result = mapping_services.plan_items_import(
                team=team, items=items, actor=request.user
            )
            mapping_services.mapping_discard(team=team, token=token)
            messages.success(
                request,
                f"Imported the mapping: {result.created} new, {result.updated} "
                f"changed, {result.unchanged} unchanged.",
            )
            return redirect("team_manage", slug=team.slug)
        preview = mapping_services.plan_items_import_check(
            team=team, items=items, actor=request.user
        )
    except mapping_services.MappingError as error:
        context = {"problems": error.problems}
    except ServiceError as error:
        context = {"problems": [mapping_services.MappingProblem(0, "", str(error))]}
    else:
        context = {"preview": preview, "problems": preview.problems}
    status = 400 if context["problems"] else 200
    return render(
        request,
        "teams/team_import_preview.html",
        {
            "team": team,
            "token": token,
            "form": MappingFileForm(),
            "shown": PREVIEW_ROWS,
            **context,
        },
        status=status,
    )


def _mapping_checks_used_up(user_id: int) -> str:
    """How long until the person may check a mapping file again ("" when they
    may now); counts this check. Fails open (logged) while the cache is down."""
    try:
        usage = get_usage(
            None,
            group="mapping-check",
            key=lambda _group, _request: str(user_id),
            rate=(settings.MAPPING_CHECKS_PER_HOUR, HOUR),
            increment=True,
        )
    except (RedisError, OSError, ValueError) as error:
        logger.warning("mapping checks not counted (cache unavailable): %s", error)
        return ""
    if usage is None or usage["limit"] == 0 or not usage["should_limit"]:
        return ""
    minutes = max(1, math.ceil(usage["time_left"] / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _manage_page(
    request: HttpRequest, team: Team, add_form: MemberAddForm, status: int = 200
) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:255]
    items = Paginator(team_plan_items(team, search=search), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    unwritable = unwritable_plan_items(team)
    context: dict[str, Any] = {
        "team": team,
        "members": team_members(team),
        "add_form": add_form,
        "roles": Membership.Role.choices,
        "items": items,
        "search": search,
        "search_query": urlencode({"q": search}) if search else "",
        "all_items": team.plan_items.count() if search else items.paginator.count,
        "unwritable": unwritable,
        "unwritable_shown": UNWRITABLE_SHOWN,
        "unwritable_more": max(0, len(unwritable) - UNWRITABLE_SHOWN),
    }
    return render(request, "teams/team_manage.html", context, status=status)


def _say_added(request: HttpRequest, added: team_services.MemberAdded) -> None:
    user = added.membership.user
    role = with_article(added.membership.get_role_display().lower())
    team = added.membership.team
    if added.by_invitation:
        # Whoever the address belongs to, a manager is told the same.
        if not added.invited:
            messages.warning(
                request,
                f"{added.address} is {role} of {team.name}, but the invitation email "
                "could not be sent: add them again later to resend it, or ask an "
                "operator.",
            )
            return
        messages.success(
            request,
            f"Invited {added.address} as {role} of {team.name}: they have an email "
            "with a link to log in.",
        )
        return
    if added.created_user and added.invited:
        said = (
            f"Invited {user.email} as {role}: they are user {user.get_username()} "
            "and have an email with a link to set their password."
        )
    elif added.invited:
        said = (
            f"{user.get_username()} is {role}; they have not set a password yet, "
            "so the invitation was sent again."
        )
    else:
        said = f"{user.get_username()} is {role} of {team.name}."
    if not user.has_usable_password() and not added.invited:
        messages.warning(
            request,
            f"{said} The invitation email could not be sent: add them again later "
            "to resend it, or ask an operator.",
        )
        return
    messages.success(request, said)


def _back_to_items(request: HttpRequest, team: Team) -> str:
    """The manage page as the person left it (same search and page)."""
    url = reverse("team_manage", kwargs={"slug": team.slug})
    query = {key: request.POST[key] for key in ("q", "page") if request.POST.get(key)}
    return url + (f"?{urlencode(query)}" if query else "") + "#plan-items"
