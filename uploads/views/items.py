"""Plan items: the team's items with the last update sent for each, and one item's
every update with a chart of its value and status over time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from uploads.models import Team, Upload
from uploads.permissions import can_upload, visible_teams
from uploads.selectors.items import (
    get_plan_item_for,
    last_updates,
    sent_updates,
    update_trend,
    visible_plan_items,
)

ITEMS_PER_PAGE = 50
UPDATES_PER_PAGE = 25


class PlanItemFilterForm(forms.Form):
    """The list's filters, bound to the query string so a view can be shared."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="All your teams",
    )
    q = forms.CharField(
        label="External ID or name", required=False, max_length=255, strip=True
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].error_messages["invalid_choice"] = (
            "There is no such team among yours. Choose one from the list."
        )


@login_required
@require_GET
def plan_items(request: HttpRequest) -> HttpResponse:
    teams = visible_teams(request.user)
    form = PlanItemFilterForm(request.GET, teams=teams)
    if not form.is_valid():
        return HttpResponseBadRequest(
            render_to_string(
                "items/plan_items.html", {"form": form, "invalid": True}, request
            )
        )
    items = visible_plan_items(
        request.user, team=form.cleaned_data["team"], search=form.cleaned_data["q"]
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "items/plan_items.html",
        {
            "form": form,
            "page": page,
            "standings": last_updates(page.object_list),
            "show_team": form.cleaned_data["team"] is None and len(teams) > 1,
            "filtered": bool(form.cleaned_data["q"] or form.cleaned_data["team"]),
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def plan_item_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    plan_item = get_plan_item_for(request.user, external_id)
    updates = Paginator(sent_updates(plan_item), UPDATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    may_send = can_upload(request.user, plan_item.team)
    return render(
        request,
        "items/plan_item_detail.html",
        {
            "plan_item": plan_item,
            "updates": updates,
            "trend": update_trend(plan_item) if updates.paginator.count else None,
            "may_send": may_send,
            "entry_url": _entry_url(plan_item.team) if may_send else None,
            "reviewable": Upload.REVIEWABLE_STATES,
        },
    )


def _entry_url(team: Team) -> str | None:
    """The form for entering updates, once that page exists."""
    try:
        return reverse("entry", kwargs={"slug": team.slug})
    except NoReverseMatch:
        return None
