"""Entering updates in a form: a grid of the team's plan items, each starting from
the last update sent for it; the changed rows go to the same preview as a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from uploads.forms import EntryTokenForm, entry_formset
from uploads.permissions import can_upload, get_team_for
from uploads.selectors.entry import entry_items, entry_plan_items
from uploads.services.drafts import FormAlreadySent, upload_create_from_form
from uploads.views.uploads import choose_team

# Rows per page: each row posts seven fields, and Django refuses a request of more
# than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields.
PAGE_SIZE = 100


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug)
    if not can_upload(request.user, team):
        messages.error(request, "You may look at this team's items, not send updates.")
        return redirect("dashboard")
    paginator = Paginator(entry_plan_items(team), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    formset = entry_formset(
        request.POST or None,
        items=entry_items(page.object_list),
        as_of=timezone.localdate(),
        first_number=page.start_index(),
    )
    token = EntryTokenForm(request.POST or None)
    out_of_date = request.method == "POST" and not token.is_valid()
    if out_of_date:
        # An old or altered page: keep what was entered, with a fresh token.
        token = EntryTokenForm()
    elif request.method == "POST" and formset.is_valid():
        rows, lines = formset.updates()
        try:
            upload = upload_create_from_form(
                team=team,
                user=request.user,
                rows=rows,
                lines=lines,
                form_token=str(token.cleaned_data["form_token"]),
            )
        except FormAlreadySent as sent:
            messages.info(
                request,
                "This form was already sent, so nothing new was made: here is "
                "the draft it made. To enter other updates, open Enter updates "
                "again.",
            )
            upload = sent.upload
        return redirect(upload)
    return render(
        request,
        "entry/entry.html",
        {
            "team": team,
            "formset": formset,
            "token": token,
            "page": page,
            "out_of_date": out_of_date,
        },
    )


@login_required
@require_safe
def entry_start(request: HttpRequest) -> HttpResponse:
    """The navigation's Enter updates: straight to the team's form when there is
    one team the person may send for."""
    return choose_team(
        request,
        url_name="entry",
        heading="Enter updates",
        question="Which team's plan items do you want to update?",
        icon="edit",
        testid="entry",
    )
