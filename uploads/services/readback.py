"""Read-back: does AchieveIt show the updates an upload sent?

READBACK_AFTER seconds after a POST, uploads in `needs_review` (the POST's answer
was lost, or no verdict came) and in `succeeded` are compared with the team's
linked plans as AchieveIt shows them now. The plans are read once per team per
sweep (claimed on TeamPlan.last_read_back_at, at most once per READBACK_EVERY)
and that one read is shared by all the team's uploads.

A row is seen when its item shows the row's status, its value (as decimals), its
comment (when the row has one and the answer carries comments), and was updated
after the POST. Then:
- needs_review, every row seen: resolved as applied by the portal, with the
  evidence, audited, the uploader told. Never on a partial match.
- needs_review, nothing seen by READBACK_GIVE_UP: stays for a person, marked
  NOT_SEEN (the review page says sending again is safe). Partly seen: PARTLY_SEEN,
  row by row.
- succeeded, not every row seen by READBACK_GIVE_UP: flagged to operators.

Read-back only reads: it never POSTs, whatever it finds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from uploads.achieveit_plans import PlanItemRead
from uploads.models import (
    AuditEvent,
    PlanItem,
    Team,
    TeamPlan,
    Upload,
    without_control_characters,
)
from uploads.services import plans
from uploads.services.audit import audit
from uploads.wording.common import count, portal_url

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
State = Upload.State
Verdict = Upload.ReadbackState
READ_BACK_STATES = frozenset({State.NEEDS_REVIEW, State.SUCCEEDED})
# The missing rows' lines kept on an upload for its review page.
READBACK_LINES_KEPT = 1000
# Beyond this age a POST is never read back (an upload from before plans were
# linked would compare with what later updates left).
READBACK_MAX_AGE = timedelta(days=1)

WHAT_A_READ_BACK_CANNOT_TELL = (
    "A read-back compares each row with what AchieveIt shows now. It cannot tell "
    "an update of the same item made after this one (by a person in AchieveIt or "
    "by another upload) from this one being lost, and it cannot see a comment "
    "when AchieveIt's answer does not carry comments."
)


@dataclass(frozen=True)
class RowCheck:
    """One sent row against its item as AchieveIt shows it."""

    line: int
    external_id: str
    seen: bool


def candidates(now: datetime | None = None) -> QuerySet[Upload]:
    """The uploads due a read-back: needs-review or succeeded, POSTed at least
    READBACK_AFTER ago (and not over a day past READBACK_GIVE_UP), of a team with
    a linked plan, without a verdict on that POST yet."""
    now = now or timezone.now()
    oldest = now - timedelta(seconds=settings.READBACK_GIVE_UP) - READBACK_MAX_AGE
    return Upload.objects.filter(
        Q(readback_post_at__isnull=True) | ~Q(readback_post_at=F("submitting_since")),
        state__in=READ_BACK_STATES,
        team__plans__isnull=False,
        submitting_since__isnull=False,
        submitting_since__lte=now - timedelta(seconds=settings.READBACK_AFTER),
        submitting_since__gte=oldest,
    ).distinct()


def publish_due() -> int:
    """The sweep's part: for each team with uploads due a read-back whose plans
    were not read back within READBACK_EVERY, claim the team and hand it to a
    worker (uploads.tasks.read_back). Returns how many teams were handed on."""
    from uploads.tasks import read_back

    now = timezone.now()
    claimed = 0
    team_ids = candidates(now).values_list("team_id", flat=True).distinct()
    for team_id in list(team_ids):
        if _claim(team_id, now):
            claimed += 1
            try:
                read_back.apply_async(args=[team_id], retry=False)
            except OSError as error:  # a broker outage: the next claim retries
                logger.warning("could not publish read_back(%s): %s", team_id, error)
    return claimed


def _claim(team_id: int, now: datetime) -> bool:
    """Move the team's read-back time to now unless another worker did within
    READBACK_EVERY: whoever moves it reads the plans."""
    every = timedelta(seconds=settings.READBACK_EVERY)
    return bool(
        TeamPlan.objects.filter(team_id=team_id)
        .filter(
            Q(last_read_back_at__isnull=True) | Q(last_read_back_at__lte=now - every)
        )
        .update(last_read_back_at=now)
    )


def readback_team(*, team_id: int, claimed: bool = True) -> dict[str, int]:
    """Read the team's linked plans once and judge every upload of the team due a
    read-back against that one read. With `claimed=False` (a command, a test)
    the claim is taken here first.

    A plan that cannot be read judges nothing (the uploads wait for the next
    read). Returns counts: reads (plans read), resolved, not_seen, partly_seen,
    flagged, waiting.
    """
    counts = dict.fromkeys(
        (
            "reads",
            "resolved",
            "confirmed",
            "not_seen",
            "partly_seen",
            "flagged",
            "waiting",
        ),
        0,
    )
    now = timezone.now()
    team = Team.objects.filter(pk=team_id).first()
    if team is None or (not claimed and not _claim(team_id, now)):
        return counts
    due = list(candidates(now).filter(team=team).select_related("team", "created_by"))
    if not due:
        return counts
    try:
        reads = plans.read_team_plans(team)
    except plans.PlanSyncError as error:
        logger.warning("read-back of team %s: %s", team.slug, error)
        return counts
    counts["reads"] = len(reads)
    items = plans.items_by_external_id(reads)
    read_at = timezone.now()
    for upload in due:
        counts[judge(upload=upload, items=items, read_at=read_at)] += 1
    return counts


def check_rows(upload: Upload, items: Mapping[str, PlanItemRead]) -> list[RowCheck]:
    """Each row of the upload, seen or not in `items` (AchieveIt's, by ID)."""
    posted_at = upload.submitting_since
    if posted_at is None:
        return []
    return [
        RowCheck(line, external_id, _seen(items.get(external_id), posted_at, *sent))
        for line, external_id, *sent in upload.rows.values_list(
            "line", "external_id", "status", "value", "comment"
        )
    ]


def _seen(
    item: PlanItemRead | None,
    posted_at: datetime,
    status: str,
    value: str,
    comment: str,
) -> bool:
    if item is None or item.last_updated is None or item.last_updated < posted_at:
        return False
    # A metric update has no status; a row without a value says nothing of it.
    if status and item.status.casefold() != status.casefold():
        return False
    if value:
        try:
            if item.current_value is None or Decimal(value) != item.current_value:
                return False
        except InvalidOperation:
            return False
    # Only an answer that carries comments can contradict one.
    return not (comment and item.comment is not None and item.comment != comment)


def judge(
    *, upload: Upload, items: Mapping[str, PlanItemRead], read_at: datetime
) -> str:
    """Compare one upload with AchieveIt's items and act on the verdict; returns
    which count it adds to (see readback_team)."""
    checks = check_rows(upload, items)
    seen = sum(check.seen for check in checks)
    total = len(checks)
    missing_lines = [check.line for check in checks if not check.seen]
    progress = {
        "readback_at": read_at,
        "readback_seen": seen,
        "readback_missing_lines": missing_lines[:READBACK_LINES_KEPT],
    }
    mine = {
        "expected": upload.state,
        "where": {"submitting_since": upload.submitting_since},
    }
    when = timezone.localtime(read_at).strftime("%H:%M")
    if total and seen == total:
        shown = f"all {count(total, 'update')}" if total > 1 else "the update"
        evidence = f"AchieveIt shows {shown}, read back at {when}"
        if upload.state == State.NEEDS_REVIEW:
            return _resolve_applied(upload, progress, evidence, read_at)
        upload.transition(
            **mine,
            readback_state=Verdict.SEEN,
            readback_post_at=upload.submitting_since,
            **progress,
        )
        return "confirmed"
    given_up = read_at >= upload.submitting_since + timedelta(
        seconds=settings.READBACK_GIVE_UP
    )
    if not given_up:
        upload.transition(**mine, **progress)
        return "waiting"
    verdict = Verdict.NOT_SEEN if seen == 0 else Verdict.PARTLY_SEEN
    if upload.state == State.SUCCEEDED:
        reason = (
            f"AchieveIt reported success but does not show {total - seen} of "
            f"{count(total, 'update')} (read back at {when})"
        )
        outcome = "flagged"
    elif seen == 0:
        reason = (
            f"AchieveIt does not show any of the {count(total, 'update')} (read back "
            f"at {when}): it never applied this file, so sending it again is safe"
        )
        outcome = "not_seen"
    else:
        reason = (
            f"AchieveIt shows {seen} of {count(total, 'update')} (read back at "
            f"{when}): a person must decide, row by row"
        )
        outcome = "partly_seen"
    with transaction.atomic():
        if upload.transition(
            **mine,
            readback_state=verdict,
            readback_post_at=upload.submitting_since,
            **progress,
        ):
            audit(
                action=Action.UPLOAD_READ_BACK,
                upload=upload,
                reason=reason,
                seen=seen,
                rows=total,
                verdict=verdict,
            )
    return outcome


def _resolve_applied(
    upload: Upload, progress: dict[str, object], evidence: str, read_at: datetime
) -> str:
    with transaction.atomic():
        if not upload.transition(
            expected=State.NEEDS_REVIEW,
            where={"submitting_since": upload.submitting_since},
            state=State.RESOLVED,
            resolution_outcome=Upload.ResolutionOutcome.APPLIED,
            resolution_note=f"Resolved by the portal: {evidence}.",
            finished_at=read_at,
            readback_state=Verdict.SEEN,
            readback_post_at=upload.submitting_since,
            **progress,
        ):
            return "waiting"
        audit(
            action=Action.UPLOAD_RESOLVED,
            upload=upload,
            note=f"{evidence}.",
            outcome=Upload.ResolutionOutcome.APPLIED,
            read_back=True,
        )
        PlanItem.objects.filter(
            team=upload.team_id, external_id__in=upload.rows.values("external_id")
        ).update(last_updated_at=read_at)
        transaction.on_commit(partial(_tell_uploader, upload.pk, evidence))
    return "resolved"


def _tell_uploader(upload_id: int, evidence: str) -> None:
    """Email the uploader that the portal settled their upload; a mail failure
    is logged (the upload is settled either way)."""
    upload = Upload.objects.select_related("team", "created_by").get(pk=upload_id)
    if upload.created_by is None or not upload.created_by.email:
        return
    context = {"upload": upload, "evidence": evidence, "link": portal_url(upload)}
    subject = without_control_characters(
        render_to_string("emails/upload_readback-subject.txt", context)
    )
    body = render_to_string("emails/upload_readback-body.txt", context)
    try:
        send_mail(subject, body, None, [upload.created_by.email])
    except (OSError, ValueError):
        logger.exception("could not email about read-back of upload %s", upload_id)


def flagged_uploads() -> QuerySet[Upload]:
    """Succeeded uploads whose updates AchieveIt does not (all) show: for
    operators."""
    return Upload.objects.filter(
        state=State.SUCCEEDED,
        readback_state__in=[Verdict.NOT_SEEN, Verdict.PARTLY_SEEN],
    ).select_related("team")
