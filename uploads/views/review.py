"""The operators' review: the queue of failures, each upload's review page, and
the actions (send again, resolve, cancel, and several at once). Staff only: to
everyone else these pages and actions are a plain 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from uploads.forms import (
    BulkReviewForm,
    CancelForm,
    ResolveForm,
    ReviewFilterForm,
)
from uploads.models import Upload
from uploads.permissions import Need, get_upload_for
from uploads.selectors import review as selectors_review
from uploads.services import review as actions
from uploads.services.errors import ServiceError
from uploads.views.readback import SendAgainForm  # read-back aware

QUEUE_PAGE_SIZE = 25


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    filters = ReviewFilterForm(request.GET)
    if not filters.is_valid():
        return render(
            request,
            "review/queue.html",
            {"filters": filters, "entries": []},
            status=400,
        )
    return _render_queue(request, filters, BulkReviewForm())


def _render_queue(
    request: HttpRequest,
    filters: ReviewFilterForm,
    bulk_form: BulkReviewForm,
    status: int = 200,
) -> HttpResponse:
    uploads = selectors_review.review_queue(
        state=filters.cleaned_data.get("state") or "",
        team=filters.cleaned_data.get("team"),
    )
    page = Paginator(uploads, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    ticked = {str(value) for value in (bulk_form["uploads"].value() or [])}
    context: dict[str, Any] = {
        "filters": filters,
        "filtered": any(filters.cleaned_data.values()),
        "page": page,
        "entries": selectors_review.queue_entries(page.object_list),
        "bulk_form": bulk_form,
        "ticked": ticked,
        "query": request.GET.urlencode(),
    }
    return render(request, "review/queue.html", context, status=status)


@login_required
@require_POST
def review_bulk(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = BulkReviewForm(request.POST)
    if not form.is_valid():
        filters = ReviewFilterForm({})
        filters.is_valid()
        return _render_queue(request, filters, form, status=400)
    action = actions.BulkAction(form.cleaned_data["action"])
    uploads = sorted(form.cleaned_data["uploads"], key=lambda upload: upload.pk)
    try:
        result = actions.uploads_bulk(
            uploads=uploads,
            user=request.user,
            action=action,
            text=form.cleaned_data["text"],
            outcome=form.cleaned_data["outcome"],
        )
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("review_queue")
    return render(
        request,
        "review/bulk_done.html",
        {"result": result, "action_label": BulkReviewForm.Action(action).label},
    )


@login_required
@require_GET
def review_upload(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id, need=Need.STAFF)
    return _render_review(request, upload)


def _render_review(
    request: HttpRequest,
    upload: Upload,
    *,
    resolve_form: ResolveForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "review/upload.html",
        {
            "review": selectors_review.upload_review(upload),
            "upload": upload,
            "reviewable": upload.state in Upload.REVIEWABLE_STATES,
            "send_again_form": SendAgainForm(upload=upload),
            "resolve_form": resolve_form or ResolveForm(),
            "cancel_form": cancel_form or CancelForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_send_again(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id, need=Need.STAFF)
    if request.method == "GET":
        return _render_send_again(request, upload, SendAgainForm(upload=upload))
    return _send_again(request, upload)


def _send_again(request: HttpRequest, upload: Upload) -> HttpResponse:
    """Send again only with the confirmation; a bare POST shows the confirmation
    and sends nothing."""
    if upload.state not in Upload.REVIEWABLE_STATES:
        messages.warning(request, "Only failed or needs-review uploads can be retried.")
        return redirect("review_upload", upload.public_id)
    form = SendAgainForm(request.POST, upload=upload)
    if not form.is_valid():
        return _render_send_again(request, upload, form, status=400)
    try:
        actions.upload_retry(
            upload=upload,
            user=request.user,
            confirmed_unknown_outcome=form.unknown_outcome,
            note=form.cleaned_data["note"],
        )
    except ServiceError as error:
        messages.warning(request, str(error))
        return redirect("review_upload", upload.public_id)
    messages.success(request, f"Upload #{upload.number} is queued to be sent again.")
    return redirect("review_queue")


def _render_send_again(
    request: HttpRequest, upload: Upload, form: SendAgainForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "review/send_again.html",
        {
            "upload": upload,
            "form": form,
            "review": selectors_review.upload_review(upload),
        },
        status=status,
    )


@login_required
@require_POST
def review_resolve(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id, need=Need.STAFF)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _render_review(request, upload, resolve_form=form, status=400)
    try:
        actions.upload_resolve(
            upload=upload,
            user=request.user,
            note=form.cleaned_data["note"],
            outcome=form.cleaned_data["outcome"],
        )
    except ServiceError as error:
        messages.warning(request, str(error))
        return redirect("review_upload", upload.public_id)
    messages.success(request, f"Upload #{upload.number} is resolved.")
    return redirect("review_queue")


@login_required
@require_POST
def review_cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id, need=Need.STAFF)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_review(request, upload, cancel_form=form, status=400)
    try:
        actions.upload_cancel(
            upload=upload, user=request.user, reason=form.cleaned_data["reason"]
        )
    except ServiceError as error:
        messages.warning(request, str(error))
        return redirect("review_upload", upload.public_id)
    messages.info(request, f"Upload #{upload.number} is canceled.")
    return redirect("review_queue")
