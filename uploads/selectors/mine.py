"""A person's uploads and their teams': the list the uploads page pages through,
and what each draft on it needs (ready to send, or how many errors)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from uploads import csvformat
from uploads.models import Upload
from uploads.permissions import User, team_accesses, visible_uploads

State = Upload.State
# Not sent yet: the author's business until then (the dashboard hides them too).
UNSENT = (State.CHECKING, State.DRAFT)


def my_uploads(*, user: User) -> QuerySet[Upload]:
    """The uploads of the user's teams that the user may list, newest first (the
    page narrows them with uploads.filters.MyUploadsFilter).

    Everything the person sent, and their teams' uploads except other people's
    unsent drafts. `ready` says whether a draft holds a clean file to send.
    """
    return (
        visible_uploads(user)
        .filter(Q(created_by=user) | ~Q(state__in=UNSENT))
        .select_related("team", "created_by", "api_token")
        # The file as sent may be large: a list only needs to know it is there.
        .defer("normalized_csv")
        .annotate(
            ready=ExpressionWrapper(
                Q(state=State.DRAFT) & ~Q(normalized_csv="") & Q(row_count__gt=0),
                output_field=BooleanField(),
            )
        )
        .order_by("-created_at", "-pk")
    )


def error_counts(uploads: Iterable[Upload]) -> dict[int, int]:
    """How many errors each draft's check found (its stored findings), by id."""
    return {
        upload.pk: sum(
            1 for finding in upload.findings if finding["severity"] == csvformat.ERROR
        )
        for upload in uploads
        if upload.state == State.DRAFT
    }


def discardable_drafts(user: User) -> QuerySet[Upload]:
    """The user's own drafts in the teams they may still send for: the ones the
    uploads page may discard for them."""
    teams = [access.team for access in team_accesses(user) if access.can_upload]
    return visible_uploads(user).filter(
        created_by=user, state=State.DRAFT, team__in=teams
    )
