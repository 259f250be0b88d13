"""The emails the portal sends: each one's context, rendered through its two
templates (templates/emails/<name>-subject.txt and -body.txt, where the texts
are)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.template.loader import render_to_string
from django.urls import reverse

from uploads.models import Membership, Team, Upload, without_control_characters
from uploads.wording.common import portal_url, with_article


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def _render(name: str, context: dict[str, object]) -> Email:
    # One line of subject, whatever the template's whitespace or a name holds: a
    # header cannot hold a newline (BadHeaderError), nor should it a NUL or an ESC.
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    return Email(
        without_control_characters(subject),
        render_to_string(f"emails/{name}-body.txt", context),
    )


# The comments an email about an upload quotes; the page has them all.
COMMENTS_IN_EMAIL = 10


def upload_problem(upload: Upload) -> Email:
    """The email about a failed or needs-review upload (its team selected along),
    with the first comments its updates carry, so the reader knows what was said."""
    commented = upload.rows.exclude(comment="").order_by("line")
    return _render(
        "upload_problem",
        {
            "upload": upload,
            "link": portal_url(upload),
            "comments": list(
                commented.values_list("external_id", "comment")[:COMMENTS_IN_EMAIL]
            ),
            "comments_total": commented.count(),
        },
    )


def invitation(
    *,
    user: AbstractBaseUser,
    team: Team | None,
    membership: Membership | None,
    inviter: AbstractBaseUser | None,
    link: str,
) -> Email:
    """The invitation to set a password (`link`) and log in, to `team` when given,
    with the role `membership` gives them there."""
    role = membership.get_role_display().lower() if membership else ""
    return _render(
        "invitation",
        {
            "user": user,
            "team": team,
            "role": with_article(role) if role else "",
            "inviter": inviter.get_username() if inviter else "",
            "link": link,
            "login_link": settings.PORTAL_BASE_URL + reverse("login"),
            "days": f"{settings.PASSWORD_RESET_TIMEOUT / 86400:g}",
        },
    )


def stale_reminder(reminder: Any) -> Email:
    """The weekly reminder of stale plan items (services/reminders.Reminder): each
    team's items for this person, with a link to its prefilled form."""
    return _render(
        "reminder",
        {
            "user": reminder.user,
            "teams": reminder.teams,
            "count": reminder.item_count,
            "switch_link": settings.PORTAL_BASE_URL + reverse("my_reminders"),
        },
    )
