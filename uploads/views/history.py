"""The audit history of the person's teams, in words: a filtered, paged list and
the same events as a CSV file."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from uploads.csvformat.exports import served_lines
from uploads.filters import HistoryFilter
from uploads.models import AuditEvent, Upload
from uploads.permissions import team_accesses
from uploads.selectors import history as selectors_history
from uploads.views.downloads import download
from uploads.wording import history as wording

logger = logging.getLogger(__name__)

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
    """The history page: the filtered events, a page at a time."""
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
        "export_max_rows": settings.HISTORY_EXPORT_MAX_ROWS,
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
    """The filtered events as CSV, streamed a few thousand rows at a time from a
    cursor, at most HISTORY_EXPORT_MAX_ROWS of them (the file ends saying so), and
    at most HISTORY_EXPORTS_PER_PERSON at once per person (429 past that)."""
    filterset = HistoryFilter(request.GET, user=request.user)
    if not filterset.is_valid():
        return _render(request, filterset, status=400)
    lease = ExportLease.take(request.user.pk)
    if lease is None:
        return _too_many_exports(request)
    events = selectors_history.history(
        user=request.user, filters=filterset.form.cleaned_data
    ).only(*EXPORTED_FIELDS)
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    limit = settings.HISTORY_EXPORT_MAX_ROWS
    # One row past the cap tells whether there was more; the slice keeps the
    # server-side cursor (PostgreSQL) from reading further.
    rows = _capped(_csv_rows(events[: limit + 1].iterator(chunk_size=2000)), limit)
    return download(
        lease.released_after(_paced(_batched(served_lines(CSV_HEADER, rows)))),
        filename=f"history-{stamp}.csv",
    )


# What a row of the export reads, and nothing more: an upload's own file and
# findings (normalized_csv, findings: megabytes for a big bad file) would
# otherwise be read and decoded again for each of its events.
EXPORTED_FIELDS = (
    "at",
    "actor_username",
    "team__name",
    "upload__kind",
    "upload__row_count",
    "upload__team_number",
    "upload_number",
    "action",
    "details",
)
ACTION_LABELS = dict(AuditEvent.Action.choices)
KIND_LABELS = dict(Upload.Kind.choices)
# Lines sent to the server at once: one write a line would be a system call,
# and a pass through the response's encoding, for each of 100,000 events.
BATCH_BYTES = 64 * 1024


# The most of one core an export keeps for itself while it makes its file: a
# person looping exports (HISTORY_EXPORTS_PER_PERSON of them at once) takes at
# most about one core from everyone else, and each export takes about twice the
# time it would alone.
EXPORT_CPU_SHARE = 0.5


def _paced(pieces: Iterator[str], share: float = EXPORT_CPU_SHARE) -> Iterator[str]:
    """`pieces`, each made to wait as long again as it took this thread's CPU to
    make (times (1 - share) / share), so that the export uses at most `share` of
    a core; the pause leaves the processor and the interpreter to the others."""
    started = time.thread_time()
    for piece in pieces:
        time.sleep((time.thread_time() - started) * (1 - share) / share)
        yield piece
        started = time.thread_time()


def _batched(lines: Iterator[str], size: int = BATCH_BYTES) -> Iterator[str]:
    """`lines` joined into pieces of about `size` characters."""
    batch: list[str] = []
    length = 0
    for line in lines:
        batch.append(line)
        length += len(line)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    if batch:
        yield "".join(batch)


def _too_many_exports(request: HttpRequest) -> HttpResponse:
    """The 429 for an export past the person's HISTORY_EXPORTS_PER_PERSON: a small
    page of its own, the reason in words and a link back to the history with the
    same filters. Rendered without the request (no navigation, no queries), as
    it is what a person looping exports gets: their worst must stay cheap."""
    query = request.GET.urlencode()
    page = render_to_string(
        "history/too_many_exports.html",
        {
            "title": wording.TOO_MANY_EXPORTS_TITLE,
            "message": wording.too_many_exports(settings.HISTORY_EXPORTS_PER_PERSON),
            "back": reverse("history") + (f"?{query}" if query else ""),
            "back_label": wording.BACK_TO_HISTORY,
        },
    )
    response = HttpResponse(page, status=429)
    response["Retry-After"] = str(settings.HISTORY_EXPORT_LEASE_SECONDS)
    return response


def _capped(
    rows: Iterator[tuple[object, ...]], limit: int
) -> Iterator[tuple[object, ...]]:
    """The first `limit` rows, then, when there were more, a last row saying the
    file stops there and how to get the rest."""
    for count, row in enumerate(rows):
        if count == limit:
            yield ("", "", "", "", capped_note(limit), "", "", "", "")
            return
        yield row


def capped_note(limit: int) -> str:
    """What the last line of an export cut at `limit` events says."""
    return (
        f"This file stops at {limit:,} events, the most one export holds: the older "
        "events matching these filters are not in it. Narrow the filters (dates, "
        "team, person, action or External ID) and export again for the rest."
    )


class ExportLease:
    """One of a person's HISTORY_EXPORTS_PER_PERSON slots for a running export,
    taken with an atomic `cache.add` and given back when the response is closed;
    a slot whose stream died unnoticed frees itself after the lease's timeout."""

    def __init__(self, key: str, token: str) -> None:
        self.key = key
        self.token = token

    @classmethod
    def take(cls, user_id: int) -> ExportLease | None:
        """A free slot of the person's, or None when every slot is taken. Fails
        open (logged) while the cache is down: an export is only a read."""
        token = secrets.token_hex(8)
        try:
            for slot in range(settings.HISTORY_EXPORTS_PER_PERSON):
                key = f"history-export:{user_id}:{slot}"
                if cache.add(key, token, timeout=settings.HISTORY_EXPORT_LEASE_SECONDS):
                    return cls(key, token)
        except (RedisError, OSError, ValueError) as error:
            logger.warning("history exports not counted (cache unavailable): %s", error)
            return cls("", token)
        return None

    def release(self) -> None:
        """Give the slot back, unless its lease ran out and another export has it."""
        if not self.key:
            return
        try:
            if cache.get(self.key) == self.token:
                cache.delete(self.key)
        except (RedisError, OSError, ValueError) as error:
            logger.warning("history export slot not released: %s", error)

    def released_after(self, lines: Iterator[str]) -> _LeasedLines:
        """`lines`, with the slot given back when the response is closed (the
        server closes it whether the file was sent whole, cut or never read)."""
        return _LeasedLines(lines, self)


class _LeasedLines:
    """An iterator of lines whose `close()` (called by Django when the response
    ends) gives the export's slot back; a generator's `finally` would not run
    for a stream never started."""

    def __init__(self, lines: Iterator[str], lease: ExportLease) -> None:
        self.lines = lines
        self.lease = lease

    def __iter__(self) -> Iterator[str]:
        return self.lines

    def close(self) -> None:
        self.lease.release()


def _csv_rows(events: Iterable[AuditEvent]) -> Iterator[tuple[object, ...]]:
    """Each event as a row of the export, in the order of CSV_HEADER (the labels
    from dicts made once: `get_FOO_display` flattens the choices on each call)."""
    zone = timezone.get_current_timezone()
    for event in events:
        upload = event.upload
        yield (
            event.at.astimezone(zone).isoformat(),
            event.team.name if event.team else "",
            event.actor_name,
            ACTION_LABELS.get(event.action, event.action),
            event.sentence,
            event.upload_number or (upload.number if upload else "") or "",
            KIND_LABELS.get(upload.kind, upload.kind) if upload else "",
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
