"""A team's API tokens (/teams/<slug>/tokens/): the list, making one (shown once)
and revoking one. Everyone in the team sees the list (names, prefixes, last use);
uploaders, managers and staff make and revoke tokens. Another team's is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from uploads.forms import TokenCreateForm
from uploads.models import ApiToken, Team
from uploads.permissions import Need, access_to, get_team_for
from uploads.services.errors import ServiceError
from uploads.services.tokens import token_create, token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def team_tokens(request: HttpRequest, slug: str) -> HttpResponse:
    need = Need.UPLOAD if request.method == "POST" else Need.VIEW
    team = get_team_for(request, slug, need=need)
    form = TokenCreateForm(request.POST or None)
    created = plaintext = None
    if request.method == "POST" and form.is_valid():
        try:
            created, plaintext = token_create(
                team=team, name=form.cleaned_data["name"], actor=request.user
            )
        except ServiceError as error:
            form.add_error("name", str(error))
        else:
            form = TokenCreateForm()
    status = 400 if form.errors else 200
    response = _page(request, team, form, created, plaintext, status)
    # The page may hold a token in clear: no cache keeps it.
    response["Cache-Control"] = "no-store"
    return response


def _page(
    request: HttpRequest,
    team: Team,
    form: TokenCreateForm,
    created: ApiToken | None,
    plaintext: str | None,
    status: int,
) -> HttpResponse:
    access = access_to(request.user, team)
    # Active tokens first, then the revoked ones, newest revocation first.
    tokens = team.api_tokens.select_related("created_by").order_by(
        F("revoked_at").desc(nulls_first=True), "name", "pk"
    )
    return render(
        request,
        "tokens/team_tokens.html",
        {
            "team": team,
            "tokens": tokens,
            "form": form,
            "may_change": access is not None and access.can_upload,
            "created": created,
            "plaintext": plaintext,
            "base_url": settings.PORTAL_BASE_URL,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_token_revoke(request: HttpRequest, slug: str, token_id: int) -> HttpResponse:
    team = get_team_for(request, slug, need=Need.UPLOAD)
    token = get_object_or_404(ApiToken, pk=token_id, team=team)
    if request.method == "POST":
        if token_revoke(token=token, actor=request.user):
            messages.success(
                request,
                f"Revoked the token “{token.name}”: calls with it now get a 401.",
            )
        else:
            messages.info(request, f"The token “{token.name}” was already revoked.")
        return redirect("team_tokens", slug=team.slug)
    return render(request, "tokens/revoke.html", {"team": team, "token": token})
