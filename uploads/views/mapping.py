"""The mapping step: another system's columns matched to AchieveIt's, once per team.

Two steps on one page: each column of the file with a few values and a field
(suggested), then, when the Status column holds words that are not AchieveIt
statuses, a status for each word (suggested). Saving checks the stored file again
as a new draft and remembers the mapping for the team (services/column_mappings).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from uploads import csvformat
from uploads.csvformat import suggest
from uploads.csvformat.columns import column_letter
from uploads.models import Upload
from uploads.permissions import Need, get_team_for, get_upload_for
from uploads.selectors import uploads as selectors_uploads
from uploads.services import column_mappings
from uploads.services.errors import ServiceError

LEAVE_OUT = ""


@login_required
def upload_mapping(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Map a draft's columns (GET shows the suggestions; POST the value step or
    the new draft)."""
    upload = get_upload_for(request, public_id, need=Need.UPLOAD)
    if upload.state != Upload.State.DRAFT:
        messages.info(request, "This upload is no longer a draft.")
        return redirect(upload)
    data = selectors_uploads.original_bytes(upload)
    found = column_mappings.file_columns(data, upload.sheet or None) if data else None
    if found is None:
        messages.warning(request, "The columns of this file could not be read.")
        return redirect(upload)
    own_ids = column_mappings.own_ids_among(upload.team, found)
    suggestions = suggest.suggest_columns(found.header, found.rows, own_ids=own_ids)
    saved = column_mappings.saved_mapping(upload.team, found.header)
    chosen = {s.index: s.field or LEAVE_OUT for s in suggestions}
    if saved is not None:
        chosen = {
            int(index): field or LEAVE_OUT for index, field in saved.columns.items()
        }
    words: dict[str, str | None] = {}
    error = ""
    status = 200
    if request.method == "POST":
        chosen = {
            s.index: request.POST.get(f"column-{s.index}", LEAVE_OUT)
            for s in suggestions
        }
        fields = {index: field or None for index, field in chosen.items()}
        status_at = next(
            (index for index, field in fields.items() if field == suggest.FIELD_STATUS),
            None,
        )
        written = []
        if status_at is not None:
            written = suggest.foreign_words(
                row[status_at] for row in found.rows if status_at < len(row)
            )
        if written and request.POST.get("step") != "words":
            words = suggest.suggest_status_words(written)
            if saved is not None:
                words |= {
                    w: saved.status_words[w] for w in written if w in saved.status_words
                }
        else:
            status_words = {
                word: request.POST.get(f"word-{number}", "")
                for number, word in enumerate(written)
            }
            try:
                revision = column_mappings.upload_remap(
                    upload=upload,
                    user=request.user,
                    columns=fields,
                    status_words={w: s for w, s in status_words.items() if s},
                )
            except ServiceError as problem:
                error, status = str(problem), 400
            else:
                messages.success(
                    request,
                    f"Columns mapped and saved for {upload.team.name}: #{revision.pk}"
                    " is the file read with them.",
                )
                return redirect(revision)
    columns = [
        {
            "suggestion": s,
            "letter": column_letter(s.index),
            "chosen": chosen.get(s.index, LEAVE_OUT),
        }
        for s in suggestions
    ]
    return render(
        request,
        "uploads/mapping.html",
        {
            "upload": upload,
            "columns": columns,
            "fields": suggest.FIELDS,
            "words": list(words.items()),
            "statuses": csvformat.STATUSES,
            "saved": saved,
            "error": error,
        },
        status=status,
    )


@login_required
@require_POST
def team_mapping_delete(
    request: HttpRequest, slug: str, mapping_id: int
) -> HttpResponse:
    """A manager deletes one of the team's saved column mappings."""
    team = get_team_for(request, slug, need=Need.MANAGE)
    if column_mappings.mapping_delete(team=team, mapping_id=mapping_id):
        messages.success(request, "The saved column mapping was deleted.")
    else:
        messages.info(request, "That column mapping was already deleted.")
    return redirect("team_manage", slug=team.slug)
