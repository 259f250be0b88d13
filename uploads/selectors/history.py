"""The audit history: every event of a person's teams, filtered, paged by keyset."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, Subquery
from django.db.models.query import QuerySet
from django.utils.crypto import salted_hmac

from uploads.filters import HistoryFilter
from uploads.models import AuditEvent, UploadRow
from uploads.permissions import (
    User,
    visible_teams,
)

HISTORY_PAGE_SIZE = 50


def history(
    *, user: User, filters: Mapping[str, Any] | None = None
) -> QuerySet[AuditEvent]:
    """Every audit event of the user's teams (staff: every event), newest first,
    narrowed by `filters`: the cleaned values of `HistoryFilter`'s form (a missing
    or empty value does not filter); with an External ID each event carries the
    comment its upload sent for that item (`item_comment`). Actor, team and
    upload come along, so a page of events reads in one query (who did it is the
    event's own snapshot)."""
    events = AuditEvent.objects.select_related("team", "upload").order_by("-at", "-id")
    if not user.is_staff:
        # Plain ids rather than a subquery, so the planner picks (team, at, id).
        events = events.filter(
            team_id__in=list(visible_teams(user).values_list("pk", flat=True))
        )
    filterset = HistoryFilter(queryset=events, user=user)
    for name, value in (filters or {}).items():
        events = filterset.filters[name].filter(events, value)
    external_id = (filters or {}).get("external_id")
    if external_id:
        # Narrowed to one plan item: each event's upload says what it sent for
        # it, comment and all (`item_comment`, "" when none). An upload of many
        # items cannot list every comment on one line of the history.
        events = events.annotate(
            item_comment=Subquery(
                UploadRow.objects.filter(
                    upload_id=OuterRef("upload_id"), external_id=external_id
                )
                .order_by("line")
                .values("comment")[:1]
            )
        )
    return events


class InvalidCursor(ValueError):
    """A page link whose cursor this portal did not write."""


_CURSOR = re.compile(r"^(\d{8}T\d{12})-([0-9a-f]{16})$")
_UTC = ZoneInfo("UTC")


def history_cursor(event: AuditEvent) -> str:
    """The position of one event in the history, for a page link: its time, and
    its id masked (ids are global and sequential, so a bare one in a link would
    tell each team how much happens in the others)."""
    moment = f"{event.at.astimezone(_UTC):%Y%m%dT%H%M%S%f}"
    return f"{moment}-{event.pk ^ _mask(moment):016x}"


def _mask(moment: str) -> int:
    """A secret 64-bit mask for the events of one moment (the id only settles
    ties between events written in the same microsecond)."""
    return int(salted_hmac("history-cursor", moment).hexdigest()[:16], 16)


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    match = _CURSOR.match(cursor)
    if not match:
        raise InvalidCursor(cursor)
    try:
        at = datetime.strptime(match[1], "%Y%m%dT%H%M%S%f").replace(tzinfo=_UTC)
    except ValueError as error:
        raise InvalidCursor(cursor) from error
    return at, int(match[2], 16) ^ _mask(match[1])


@dataclass(frozen=True)
class HistoryPage:
    events: list[AuditEvent]
    newer: str  # cursor of the page before (newer events), "" on the newest page
    older: str  # cursor of the page after (older events), "" on the oldest page


def history_page(
    events: QuerySet[AuditEvent],
    *,
    older_than: str = "",
    newer_than: str = "",
    size: int = HISTORY_PAGE_SIZE,
) -> HistoryPage:
    """One page of `history(...)` by keyset on (at, id): one query, as fast on the
    thousandth page as on the first. Raises InvalidCursor for a malformed cursor."""
    if newer_than:
        at, pk = _parse_cursor(newer_than)
        # `at >= ...` bounds the index range; the OR only settles ties on `at`.
        rows = list(
            events.filter(Q(at__gt=at) | Q(at=at, pk__gt=pk), at__gte=at).order_by(
                "at", "id"
            )[: size + 1]
        )
        has_newer, rows = len(rows) > size, rows[:size][::-1]
        has_older = True
    else:
        if older_than:
            at, pk = _parse_cursor(older_than)
            events = events.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk), at__lte=at)
        rows = list(events[: size + 1])
        has_older, rows = len(rows) > size, rows[:size]
        has_newer = bool(older_than)
    return HistoryPage(
        events=rows,
        newer=history_cursor(rows[0]) if rows and has_newer else "",
        older=history_cursor(rows[-1]) if rows and has_older else "",
    )
