"""Staff actions on an upload that failed or needs a person. Everyone else: 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from uploads import services
from uploads.forms import ResolveForm
from uploads.permissions import Need, get_upload_for


@login_required
@require_POST
def upload_retry(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_for(request, upload_id, need=Need.STAFF)
    try:
        services.upload_retry(upload=upload, user=request.user)
    except services.ServiceError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, "Queued to be sent again.")
    return redirect(upload)


@login_required
@require_POST
def upload_resolve(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_for(request, upload_id, need=Need.STAFF)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what was done: a resolution needs a note.")
        return redirect(upload)
    try:
        services.upload_resolve(
            upload=upload, user=request.user, note=form.cleaned_data["note"]
        )
    except services.ServiceError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, "Resolved.")
    return redirect(upload)


@login_required
@require_POST
def upload_cancel(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_for(request, upload_id, need=Need.STAFF)
    try:
        services.upload_cancel(upload=upload, user=request.user)
    except services.ServiceError as error:
        messages.warning(request, str(error))
    else:
        messages.info(request, "Canceled.")
    return redirect(upload)
