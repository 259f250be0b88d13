"""What every page's navigation needs: the sections this person may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from uploads.permissions import team_accesses
from uploads.selectors import review as selectors_review


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    icon: str  # a Tabler icon name
    url: str
    count: int = 0


# url name -> the navigation section it belongs to
SECTIONS = {
    "dashboard": "dashboard",
    "upload_start": "upload",
    "upload_new": "upload",
    # An upload's page belongs to the list of uploads, whether it came as a file,
    # from the form or from a script (not to the Upload tab: issue 19).
    "my_uploads": "mine",
    "my_uploads_discard": "mine",
    "upload_detail": "mine",
    "entry_start": "entry",
    "entry": "entry",
    "history": "history",
    "history_export": "history",
    "plan_items": "items",
    "plan_item_detail": "items",
    "teams": "teams",
    "team_manage": "teams",
    "team_import": "teams",
    "team_import_preview": "teams",
    "review_queue": "review",
    "review_bulk": "review",
    "review_upload": "review",
    "review_send_again": "review",
    "review_resolve": "review",
    "review_cancel": "review",
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    match = request.resolver_match
    accesses = team_accesses(request.user)
    may_upload = any(access.can_upload for access in accesses)
    items = [NavItem("dashboard", "Dashboard", "home", reverse("dashboard"))]
    if may_upload:
        items.append(NavItem("upload", "Upload", "upload", reverse("upload_start")))
        items.append(NavItem("entry", "Enter updates", "edit", reverse("entry_start")))
    items.append(NavItem("mine", "My uploads", "files", reverse("my_uploads")))
    items.append(NavItem("history", "History", "history", reverse("history")))
    items.append(NavItem("items", "Plan items", "list-details", reverse("plan_items")))
    if request.user.is_staff or any(access.can_manage for access in accesses):
        items.append(NavItem("teams", "Teams", "users-group", reverse("teams")))
    if request.user.is_staff:
        waiting = selectors_review.review_count()
        items.append(
            NavItem(
                "review", "Review", "alert-triangle", reverse("review_queue"), waiting
            )
        )
    return {
        "nav_items": items,
        "nav_section": SECTIONS.get(match.url_name if match else "", ""),
    }
