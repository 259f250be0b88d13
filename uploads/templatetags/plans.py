"""The team manage page's "Linked AchieveIt plans" card, and an upload's
read-back on its review page, rendered where they are included."""

from __future__ import annotations

from typing import Any

from django import template

from uploads.models import Team, Upload
from uploads.selectors import items as selectors_items
from uploads.services import readback

register = template.Library()


@register.inclusion_tag("teams/_plans.html", takes_context=True)
def linked_plans(context: dict[str, Any], team: Team) -> dict[str, Any]:
    """The team's linked plans, with what their last read said."""
    return {
        "team": team,
        "links": list(team.plans.all()),
        "missing": team.plan_items.filter(missing_in_achieveit=True).count(),
        "csrf_token": context.get("csrf_token"),
        "user": context.get("user"),
        "weekdays": Team._meta.get_field("reminder_weekday").choices,
    }


@register.inclusion_tag("review/_readback.html")
def upload_readback(upload: Upload) -> dict[str, Any]:
    """What the read-back of this upload found, row by row when partly seen."""
    missing = set(upload.readback_missing_lines or [])
    rows = []
    if upload.readback_at is not None and missing:
        rows = [
            {"line": line, "external_id": external_id, "seen": line not in missing}
            for line, external_id in upload.rows.values_list("line", "external_id")[
                :200
            ]
        ]
    return {
        "upload": upload,
        "rows": rows,
        "verdict": upload.readback_state,
        "cannot_tell": readback.WHAT_A_READ_BACK_CANNOT_TELL,
        "linked": upload.team.plans.exists(),
    }


# The review queue lists at most this many flagged uploads (newest read first).
FLAGGED_SHOWN = 50


@register.simple_tag
def readback_flagged() -> dict[str, Any]:
    """Succeeded uploads AchieveIt does not fully show, for the review queue:
    each with how many of its updates AchieveIt does not show, and the count."""
    flagged = readback.flagged_uploads().order_by("-readback_at", "-pk")
    uploads = list(flagged[: FLAGGED_SHOWN + 1])
    entries = [
        {
            "upload": upload,
            "total": upload.row_count,
            "missing": max(0, upload.row_count - (upload.readback_seen or 0)),
        }
        for upload in uploads[:FLAGGED_SHOWN]
    ]
    more = len(uploads) > FLAGGED_SHOWN
    return {"entries": entries, "more": more}


@register.inclusion_tag("dashboard/_updated_in_achieveit.html")
def updated_in_achieveit(user: Any) -> dict[str, Any]:
    """The dashboard's short list of items updated in AchieveIt directly (newer
    there than anything the portal sent); renders nothing when there are none."""
    return {"drift": selectors_items.updated_in_achieveit(user)}
