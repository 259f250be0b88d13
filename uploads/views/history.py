"""The audit history of the person's teams, in words: a filtered, paged list and
the same events as a CSV file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from uploads.csvformat.exports import served_lines
from uploads.filters import HistoryFilter
from uploads.models import AuditEvent
from uploads.permissions import team_accesses
from uploads.selectors import history as selectors_history
from uploads.views.downloads import download

PAGE_PARAMS = ("older", "newer")
CSV_HEADER = [
    "time",
    "team",
    "person",
    "action",
    "description",
    "upload",
    "kind",
    "comment",
    "details",
]


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    filterset = HistoryFilter(request.GET, user=request.user)
    if not filterset.is_valid():
        return _render(request, filterset, status=400)
    events = selectors_history.history(
        user=request.user, filters=filterset.form.cleaned_data
    )
    try:
        page = selectors_history.history_page(
            events,
            older_than=request.GET.get("older", ""),
            newer_than=request.GET.get("newer", ""),
        )
    except selectors_history.InvalidCursor:
        return _render(request, filterset, status=400, broken_link=True)
    return _render(request, filterset, page=page)


def _render(
    request: HttpRequest,
    filterset: HistoryFilter,
    *,
    page: selectors_history.HistoryPage | None = None,
    status: int = 200,
    broken_link: bool = False,
) -> HttpResponse:
    query = request.GET.copy()
    for name in PAGE_PARAMS:
        query.pop(name, None)
    context: dict[str, Any] = {
        "form": filterset.form,
        "page": page,
        "query": query.urlencode(),
        "broken_link": broken_link,
        "paged": any(request.GET.get(name) for name in PAGE_PARAMS),
    }
    if page is not None and not page.events and not filterset.form.is_filtered:
        # Only an empty history asks: what may this person do to start one?
        context["may_upload"] = any(
            access.can_upload for access in team_accesses(request.user)
        )
    return render(request, "history/history.html", context, status=status)


@login_required
@require_GET
def history_export(request: HttpRequest) -> HttpResponse:
    """The filtered events as CSV, streamed a few thousand rows at a time."""
    filterset = HistoryFilter(request.GET, user=request.user)
    if not filterset.is_valid():
        return _render(request, filterset, status=400)
    events = selectors_history.history(
        user=request.user, filters=filterset.form.cleaned_data
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    return download(
        served_lines(CSV_HEADER, _csv_rows(events.iterator(chunk_size=2000))),
        filename=f"history-{stamp}.csv",
    )


def _csv_rows(events: Iterable[AuditEvent]) -> Iterator[tuple[object, ...]]:
    """Each event as a row of the export, in the order of CSV_HEADER."""
    for event in events:
        yield (
            timezone.localtime(event.at).isoformat(),
            event.team.name if event.team else "",
            event.actor_name,
            event.get_action_display(),
            event.sentence,
            event.upload_number or event.upload_id or "",
            event.upload.get_kind_display() if event.upload else "",
            # Filled when the export is narrowed to one External ID.
            getattr(event, "item_comment", None) or "",
            details_text(event.details),
        )


def details_text(details: dict[str, Any] | None) -> str:
    """An event's details for people: its note or reason first, then the rest."""
    details = dict(details or {})
    parts = [str(details.pop(key)) for key in ("note", "reason") if details.get(key)]
    parts += [f"{key}: {value}" for key, value in sorted(details.items())]
    return "; ".join(parts)
