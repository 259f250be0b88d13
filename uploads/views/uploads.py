"""An upload from file to verdict: choose a file, see the preview, send it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from uploads import csvformat
from uploads.csvformat.exports import render_problems
from uploads.csvformat.writing import safe_normalized_csv
from uploads.forms import FixRowsForm, SheetChoiceForm, UploadFileForm
from uploads.models import Upload
from uploads.permissions import (
    Need,
    can_upload,
    get_team_for,
    get_upload_for,
    team_accesses,
)
from uploads.selectors import uploads as selectors_uploads
from uploads.selectors.entry import entry_items, entry_plan_items
from uploads.selectors.teams import template_external_ids
from uploads.services import checks, column_mappings, drafts, revisions
from uploads.services.errors import ServiceError
from uploads.views.downloads import ANY_FILE, XLSX, download
from uploads.wording import uploads as wording_uploads

# The updates listed on an upload's page; the file as sent holds them all.
ROWS_SHOWN = 500
# Rows with errors editable at once (four fields each, well under Django's 1,000).
FIX_ROWS_SHOWN = 50


@login_required
def upload_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_team_for(request, slug)
    if not can_upload(request.user, team):
        messages.error(request, "You may look at this team's uploads, not send them.")
        return redirect("dashboard")
    form = UploadFileForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            checks.checks_allow(team=team, user=request.user)
        except checks.TooManyChecks as error:
            form.add_error(
                None, wording_uploads.too_many_checks(error.whose, error.limit)
            )
            status = 429
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        data = uploaded.read()
        upload = drafts.upload_receive(
            team=team, user=request.user, data=data, original_name=uploaded.name
        )
        if len(data) > settings.CHECK_IN_WORKER_BYTES:
            # A big file is checked by a worker; its page follows the check.
            drafts.check_later(upload)
        else:
            upload = drafts.upload_check(upload=upload, data=data)
        return redirect(upload)
    return render(
        request,
        "uploads/upload_new.html",
        {"team": team, "form": form, "comment_max": f"{csvformat.COMMENT_MAX:,}"},
        status=status,
    )


@login_required
def team_template(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's active External IDs to fill in. An ID stored before imports
    checked it, and that no upload could carry, is left out (the team's page
    lists it for its managers) rather than failing the whole file."""
    team = get_team_for(request, slug)
    return download(
        csvformat.render_template(template_external_ids(team)),
        filename=f"{team.slug}-updates.csv",
    )


@login_required
def team_template_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's template as an Excel workbook: each active item's External ID
    and name, a Status drop-down, and the last status and value sent, greyed.
    The same items as the CSV template (IDs no file can carry left out)."""
    team = get_team_for(request, slug)
    items = (
        csvformat.TemplateItem(
            external_id=item.plan_item.external_id,
            name=item.plan_item.name or item.plan_item.achieveit_name,
            last_status=item.last_status,
            last_value=item.last_value,
        )
        for item in entry_items(entry_plan_items(team))
        if csvformat.is_writable_id(item.plan_item.external_id)
    )
    return download(
        csvformat.render_workbook_template(items),
        filename=f"{team.slug}-updates.xlsx",
        content_type=XLSX,
    )


@login_required
def upload_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id)
    findings = upload.findings
    errors = [f for f in findings if f["severity"] == csvformat.ERROR]
    may_send = can_upload(request.user, upload.team)
    attempts = list(upload.attempts.all())
    answer = selectors_uploads.problem_answer(upload) if attempts else None
    remote = selectors_uploads.remote_errors_of(upload, answer) if answer else []
    facts = selectors_uploads.state_facts(upload, errors=errors, remote=remote)
    rows = list(upload.rows.all()[:ROWS_SHOWN])
    context = {
        "upload": upload,
        "rows": rows,
        # A Comment column only when a comment is there to show.
        "has_comments": any(row.comment for row in rows),
        "attempts": attempts,
        "events": upload.events.select_related("actor", "upload"),
        "reviewable": Upload.REVIEWABLE_STATES,
        "errors": errors,
        "notes": [f for f in findings if f["severity"] != csvformat.ERROR],
        "more_findings": selectors_uploads.findings_total(upload) - len(findings),
        "may_send": may_send,
        "summary": wording_uploads.upload_summary(facts),
        "remote_errors": remote,
        "problem_answer": answer,
        "revisions": upload.revisions.order_by("pk"),
        "retry_wait": facts.retry,
    }
    if upload.state == Upload.State.DRAFT:
        context["duplicate"] = selectors_uploads.recent_duplicate(upload)
        context["offers_mapping"] = may_send and column_mappings.offers_mapping(upload)
        if context["offers_mapping"] and errors:
            context["summary"] = wording_uploads.mapping_summary(upload.team.name)
        if may_send and any(f["code"] == "sheet.choose" for f in errors):
            context["sheet_form"] = _sheet_form(upload)
        if errors and may_send:
            bad_rows = selectors_uploads.rows_with_errors(upload)
            context["fix_form"] = FixRowsForm(
                bad_rows=bad_rows[:FIX_ROWS_SHOWN],
                columns=selectors_uploads.grid_columns(upload.kind),
            )
            context["bad_rows_total"] = len(bad_rows)
    return render(request, "uploads/upload_detail.html", context)


def _sheet_form(upload: Upload, data: Any = None) -> SheetChoiceForm:
    """The choice of the sheets of a draft's stored workbook."""
    stored = selectors_uploads.original_bytes(upload)
    sheets = csvformat.sheet_names(stored) if stored is not None else []
    form = SheetChoiceForm(data, sheets=sheets)
    form.helper.form_action = reverse("upload_choose_sheet", args=[upload.public_id])
    return form


@login_required
@require_POST
def upload_choose_sheet(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Check a workbook with several sheets again, reading the one chosen."""
    upload = get_upload_for(request, public_id, need=Need.UPLOAD)
    form = _sheet_form(upload, request.POST)
    if not form.is_valid():
        messages.warning(request, "Choose one of the workbook's sheets.")
        return redirect(upload)
    try:
        chosen = revisions.upload_choose_sheet(
            upload=upload, user=request.user, sheet=form.cleaned_data["sheet"]
        )
    except ServiceError as error:
        messages.warning(request, str(error))
        return redirect(upload)
    return redirect(chosen)


@login_required
def upload_state(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The live state badge (htmx polls it while the upload is on its way).

    When the state has moved on, the whole page reloads so the calls and history
    shown beside the badge move on with it.
    """
    upload = get_upload_for(request, public_id)
    response = render(
        request,
        "uploads/_state_badge.html",
        {
            "upload": upload,
            "live": True,
            "reviewable": Upload.REVIEWABLE_STATES,
            "retry_wait": selectors_uploads.retry_wait(upload),
        },
    )
    if request.GET.get("shown") != upload.state:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def upload_revise(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Save the cells corrected in the browser as a new draft, checked again."""
    upload = get_upload_for(request, public_id, need=Need.UPLOAD)
    bad_rows = selectors_uploads.rows_with_errors(upload)[:FIX_ROWS_SHOWN]
    form = FixRowsForm(
        request.POST,
        bad_rows=bad_rows,
        columns=selectors_uploads.grid_columns(upload.kind),
    )
    if not form.is_valid():
        messages.warning(
            request,
            "A cell holds more than 1,000 characters (a comment more than "
            f"{csvformat.COMMENT_MAX:,}): shorten it and save.",
        )
        return redirect(upload)
    corrections = form.corrections()
    if not corrections:
        messages.info(request, "Nothing was changed, so no new draft was made.")
        return redirect(upload)
    try:
        revision = revisions.upload_revise(
            upload=upload, user=request.user, corrections=corrections
        )
    except ServiceError as error:
        messages.warning(request, str(error))
        return redirect(upload)
    if revision.is_sendable:
        messages.success(
            request, f"Saved as #{revision.number} and checked again: ready to send."
        )
    else:
        messages.warning(
            request,
            f"Saved as #{revision.number} and checked again: some problems remain.",
        )
    return redirect(revision)


@login_required
@require_GET
def upload_problems(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Every finding of an upload as CSV, formula-safe for spreadsheets."""
    upload = get_upload_for(request, public_id)
    return download(
        render_problems(selectors_uploads.all_findings(upload)),
        filename=f"upload-{upload.number}-problems.csv",
    )


@login_required
@require_GET
def upload_original(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The file exactly as it was received, under its own name."""
    upload = get_upload_for(request, public_id)
    data = selectors_uploads.original_bytes(upload)
    if data is None:
        raise Http404("The original file of this upload is not kept.")
    name = upload.original_name or f"upload-{upload.number}.csv"
    return download(data, filename=name, content_type=ANY_FILE)


@login_required
@require_GET
def upload_sent_file(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The normalized CSV: exactly the bytes sent (or to be sent) to AchieveIt.

    Such a file has no cell a spreadsheet would run; one kept from before
    External IDs were checked for formula triggers has them quoted."""
    upload = get_upload_for(request, public_id)
    if not upload.normalized_csv:
        raise Http404("This upload has no file to send.")
    return download(
        safe_normalized_csv(upload.normalized_csv).encode("utf-8"),
        filename=f"upload-{upload.number}-as-sent.csv",
    )


@login_required
@require_POST
def upload_confirm(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id, need=Need.UPLOAD)
    try:
        drafts.upload_confirm(upload=upload, user=request.user)
    except ServiceError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, "Sent on its way to AchieveIt.")
    return redirect(upload)


@login_required
@require_POST
def upload_exclude_invalid(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id, need=Need.UPLOAD)
    try:
        clean = revisions.upload_exclude_invalid(upload=upload, user=request.user)
    except ServiceError as error:
        messages.warning(request, str(error))
        return redirect(upload)
    # The new draft's note names the rows left out.
    messages.info(
        request, f"{clean.findings[0]['message']} Check the rest, then send it."
    )
    return redirect(clean)


@login_required
@require_POST
def upload_discard(request: HttpRequest, public_id: UUID) -> HttpResponse:
    upload = get_upload_for(request, public_id, need=Need.UPLOAD)
    if drafts.upload_reject(upload=upload, user=request.user):
        messages.info(request, "Discarded: nothing was sent. The file is kept.")
    return redirect(upload)


@login_required
def upload_start(request: HttpRequest) -> HttpResponse:
    """The navigation's Upload: straight to the team's page when there is one team."""
    return choose_team(
        request,
        url_name="upload_new",
        heading="Upload updates",
        question="Which team are these updates for?",
        icon="upload",
        testid="upload",
    )


def choose_team(
    request: HttpRequest,
    *,
    url_name: str,
    heading: str,
    question: str,
    icon: str,
    testid: str,
) -> HttpResponse:
    """Send the person on to `url_name` for the one team they may send updates
    for, or let them choose among several (or say they may not send any)."""
    teams = [access.team for access in team_accesses(request.user) if access.can_upload]
    if len(teams) == 1:
        return redirect(url_name, teams[0].slug)
    return render(
        request,
        "uploads/choose_team.html",
        {
            "teams": [(team, reverse(url_name, args=[team.slug])) for team in teams],
            "heading": heading,
            "question": question,
            "icon": icon,
            "testid": testid,
        },
    )
