"""A warning the csvformat check cannot give: an update whose As Of Date is older
than the last one the team sent for its item. Not an error (a late correction is
legitimate), but AchieveIt would then hold an older date after a newer one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any

from django.db.models import Max

from uploads import csvformat
from uploads.models import Team, Upload, UploadRow

# A few are enough to be noticed; a file of 100,000 old rows is not 100,000 notes.
MAX_NOTED = 20


def last_sent_dates(team: Team, kind: str) -> dict[str, date]:
    """The latest As Of Date the team sent for each item, in one query."""
    rows = UploadRow.objects.filter(
        upload__team=team, upload__state__in=Upload.SENT_STATES, upload__kind=kind
    )
    return dict(
        rows.values("external_id")
        .annotate(latest=Max("as_of_date"))
        .values_list("external_id", "latest")
    )


def older_date_findings(
    team: Team, updates: Iterable[csvformat.Update], *, kind: str
) -> list[dict[str, Any]]:
    """A warning for each update (the first MAX_NOTED) dated before the last
    update sent for its item, in the stored form of findings."""
    latest = last_sent_dates(team, kind)
    if not latest:
        return []
    found = []
    for update in updates:
        sent = latest.get(update.external_id)
        if sent is None or update.as_of_date >= sent:
            continue
        found.append(
            asdict(
                csvformat.Finding(
                    line=update.line or None,
                    column="As Of Date",
                    severity=csvformat.WARNING,
                    detail=(
                        f"{update.as_of_date:%Y-%m-%d} is older than the last "
                        f"update sent for {update.external_id} "
                        f"(as of {sent:%Y-%m-%d}); AchieveIt would then hold an "
                        "older update after a newer one. Send it only if that "
                        "is meant."
                    ),
                    code="older_than_last_sent",
                    external_id="",
                )
            )
        )
        if len(found) == MAX_NOTED:
            break
    return found
