"""The uploads page: a person's uploads and their teams', filtered, searched by
number and paged; their drafts, ready to send or not, discarded several at once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from uploads.filters import MyUploadsFilter
from uploads.models import Upload
from uploads.permissions import team_accesses
from uploads.selectors import mine as selectors_mine
from uploads.services import drafts

PER_PAGE = 25


class DiscardDraftsForm(forms.Form):
    """The drafts ticked on the uploads page; one that is not the person's own
    draft any more (sent, discarded, another's) makes the form invalid."""

    uploads = forms.ModelMultipleChoiceField(
        queryset=Upload.objects.none(),
        to_field_name="public_id",
        error_messages={
            "required": "Tick the drafts to discard first.",
            "invalid_choice": "One of the ticked drafts can no longer be "
            "discarded (it was sent or discarded meanwhile): look at the list again.",
            "invalid_pk_value": "That is not an upload of this list.",
        },
    )
    next = forms.CharField(required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uploads"].queryset = selectors_mine.discardable_drafts(user)


@login_required
@require_GET
def my_uploads(request: HttpRequest) -> HttpResponse:
    filterset = MyUploadsFilter(
        request.GET, queryset=_scope(request), user=request.user
    )
    if not filterset.is_valid():
        return _render(request, filterset, status=400)
    try:
        page = Paginator(filterset.qs, PER_PAGE).page(request.GET.get("page") or 1)
    except InvalidPage:
        return _render(request, filterset, status=400, broken_link=True)
    return _render(request, filterset, page=page)


@login_required
@require_POST
def my_uploads_discard(request: HttpRequest) -> HttpResponse:
    """Discard the ticked drafts, each through the one discard service (each
    audited as a discard from its own page is)."""
    form = DiscardDraftsForm(request.POST, user=request.user)
    if not form.is_valid():
        filterset = MyUploadsFilter({}, queryset=_scope(request), user=request.user)
        filterset.is_valid()
        page = Paginator(filterset.qs, PER_PAGE).page(1)
        return _render(request, filterset, page=page, discard_form=form, status=400)
    discarded = sum(
        drafts.upload_reject(upload=upload, user=request.user)
        for upload in sorted(form.cleaned_data["uploads"], key=lambda u: u.pk)
    )
    messages.info(
        request,
        f"Discarded {discarded} draft{'s' if discarded != 1 else ''}: nothing was "
        "sent. The files are kept.",
    )
    back = form.cleaned_data["next"]
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return redirect(back)
    return redirect("my_uploads")


def _scope(request: HttpRequest) -> Any:
    return selectors_mine.my_uploads(user=request.user)


def _render(
    request: HttpRequest,
    filterset: MyUploadsFilter,
    *,
    page: Any = None,
    discard_form: DiscardDraftsForm | None = None,
    status: int = 200,
    broken_link: bool = False,
) -> HttpResponse:
    query = request.GET.copy()
    query.pop("page", None)
    uploads = list(page.object_list) if page is not None else []
    errors = selectors_mine.error_counts(uploads)
    for upload in uploads:
        upload.error_count = errors.get(upload.pk, 0)
    discardable = {
        upload.pk
        for upload in selectors_mine.discardable_drafts(request.user).filter(
            pk__in=[upload.pk for upload in uploads]
        )
    }
    context: dict[str, Any] = {
        "form": filterset.form,
        "page": page,
        "uploads": uploads,
        "discardable": discardable,
        "discard_form": discard_form,
        "query": query.urlencode(),
        "here": request.get_full_path() if request.method == "GET" else "",
        "broken_link": broken_link,
        "may_upload": any(access.can_upload for access in team_accesses(request.user)),
        "list_url": reverse("my_uploads"),
        "draft_days": settings.DRAFT_MAX_AGE_DAYS,
    }
    return render(request, "uploads/mine.html", context, status=status)
