"""The pages with the widest tables, on a phone, with everything long (issue 19):
a team, a person and plan items with long names, long External IDs, a long file
name, sixty rows, ten answers from AchieveIt, fifty history events. Each page
passes look_at, whose phone check fails a table cut without a visible scroll
and a word broken inside; and the tables that stack do stack."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory, UploadRowFactory
from tests.helpers import make_user
from uploads.models import Attempt, AuditEvent, Membership, PlanItem, Team, Upload
from uploads.services.audit import audit
from uploads.services.tokens import token_create

pytestmark = pytest.mark.browser
State = Upload.State
Action = AuditEvent.Action

TEAM = "North-East Regional Sales and Customer Success Operations"
PERSON = "alexandra.konstantinopoulou"
FILE = "north-east-regional-sales_weekly_achieveit_progress_update_2026-12-07_v3.csv"
ITEMS = 40
ROWS = 60


def external_id(number: int) -> str:
    return f"NE-SALES-2026-Q4-PIPELINE-COVERAGE-{number:03d}"


def item_name(number: int) -> str:
    return (
        "Quarterly pipeline coverage for enterprise accounts in the north-east "
        f"region, including the Internationalisation programme ({number})"
    )


def comment(number: int) -> str:
    return (
        f"Row {number}: waiting for the customer-success figures from the "
        "Scandinavian subsidiaries before the quarter closes"
    )


@pytest.fixture
def everything_long(db, operator):
    team = Team.objects.create(slug="north-east-sales", name=TEAM)
    person = make_user(PERSON, team, Membership.Role.UPLOADER)
    for number in range(1, ITEMS + 1):
        PlanItem.objects.create(
            team=team,
            external_id=external_id(number),
            name=item_name(number),
            has_metric=number % 2 == 0,
        )
    now = timezone.now()
    # Sent last week: every item's "Last sent" in the form.
    sent = UploadFactory(
        team=team,
        created_by=person,
        state=State.SUCCEEDED,
        original_name=FILE,
        row_count=ITEMS,
        confirmed_at=now,
        finished_at=now,
        job_id="job-sent-1",
    )
    for number in range(1, ITEMS + 1):
        UploadRowFactory(
            upload=sent,
            line=number + 1,
            external_id=external_id(number),
            status="At Risk",
            value="1250000.75",
            as_of_date=datetime.date(2026, 11, 30),
            comment=comment(number),
        )
    failed = UploadFactory(
        team=team,
        created_by=person,
        state=State.FAILED,
        original_name=FILE,
        row_count=ROWS,
        job_id="73a0b6c2-9f4e-4c7a-9d55-1b2f0e7c4a11",
        remote_filename="north-east-sales-17-20261207T0700-a1b2c3d4.csv",
        confirmed_at=now,
        finished_at=now,
        error_text="AchieveIt did not apply the file (HTTP 400).",
    )
    for line in range(2, ROWS + 2):
        UploadRowFactory(
            upload=failed,
            line=line,
            external_id=external_id((line - 2) % ITEMS + 1),
            status="Not Started",
            value="0.4575",
            comment=comment(line),
        )
    answer = {
        "jobId": failed.job_id,
        "status": "Failed",
        "errors": [
            {
                "row": row,
                "message": f"External ID '{external_id(row)}' is not in the "
                "plan 'North-East Regional Sales and Customer Success 2026'",
            }
            for row in range(3, 13)
        ],
    }
    Attempt.objects.create(
        upload=failed,
        kind=Attempt.Kind.SUBMIT,
        started_at=now,
        finished_at=now,
        status_code=200,
        outcome="queued",
        message=f"AchieveIt queued the file as job {failed.job_id}",
        response_body=json.dumps({"jobId": failed.job_id}),
    )
    Attempt.objects.create(
        upload=failed,
        kind=Attempt.Kind.POLL,
        started_at=now,
        finished_at=now,
        status_code=400,
        outcome="failed",
        message="AchieveIt did not apply the file",
        response_body=json.dumps(answer),
        job_id=failed.job_id,
    )
    unknown = UploadFactory(
        team=team,
        created_by=person,
        state=State.NEEDS_REVIEW,
        original_name=FILE,
        row_count=ROWS,
        remote_filename="north-east-sales-18-20261207T0800-e5f6a7b8.csv",
        confirmed_at=now,
        error_text="The worker stopped before AchieveIt answered: it may hold it.",
    )
    for upload in (sent, failed, unknown):
        audit(action=Action.UPLOAD_CREATED, upload=upload, actor=person, rows=ROWS)
        audit(action=Action.UPLOAD_CONFIRMED, upload=upload, actor=person)
        audit(action=Action.SUBMIT_QUEUED, upload=upload, job_id=failed.job_id)
    for number in range(45):
        audit(
            action=Action.UPLOAD_FAILED,
            upload=failed,
            reason=f"AchieveIt refused '{external_id(number)}': not in the plan "
            "'North-East Regional Sales and Customer Success 2026'",
        )
    return {"team": team, "failed": failed, "unknown": unknown}


def stacked(page, testid: str) -> bool:
    """Whether the table's cells are drawn as blocks (label: value), not columns."""
    return page.eval_on_selector(
        f"[data-testid={testid}] tbody td:not(.d-none)",
        "cell => getComputedStyle(cell).display !== 'table-cell'",
    )


def at_phone_width(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})


def test_a_plan_owner_with_everything_long_reads_every_page_on_a_phone(
    page, everything_long, tmp_path
):
    team, failed = everything_long["team"], everything_long["failed"]
    log_in(page, PERSON, then="/history/")
    look_at(page, "phone-history")
    at_phone_width(page)
    assert stacked(page, "events")

    page.goto(f"/uploads/{failed.public_id}/")
    page.click("[data-testid=raw-answer] summary")
    look_at(page, "phone-upload-failed")
    at_phone_width(page)
    assert stacked(page, "updates")
    assert stacked(page, "attempts")

    page.goto(f"/teams/{team.slug}/upload/")
    look_at(page, "phone-upload-new")

    # A file of a row per item, two of them wrong, under its long name.
    lines = ["External ID,Status,Current Value,As Of Date,Comment"]
    for number in range(1, ITEMS + 1):
        status = "Acheived" if number == 5 else "On Track"
        date = "31/10/2026" if number == 9 else "2026-12-04"
        item = external_id(number)
        lines.append(f'{item},{status},0.5,{date},"{comment(number)}"')
    path = tmp_path / FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(path))
    page.click("input[type=submit], button[type=submit][name=check]")
    page.wait_for_selector("[data-testid=fix-rows]")
    look_at(page, "phone-upload-preview")

    page.goto(f"/teams/{team.slug}/entry/")
    assert page.locator("[data-testid=entry-row]").count() >= 20
    look_at(page, "phone-entry")
    row = page.locator("[data-testid=entry-row]").first
    # A status the list no longer offers: the row says what to fix.
    row.locator("select").evaluate(
        "select => { select.add(new Option('Waiting', 'Waiting'));"
        " select.value = 'Waiting'; }"
    )
    page.click("[data-testid=entry-check]")
    page.wait_for_selector("[data-testid=entry-invalid]")
    look_at(page, "phone-entry-errors")

    page.goto("/items/")
    look_at(page, "phone-plan-items")
    at_phone_width(page)
    assert stacked(page, "plan-items")
    page.goto(f"/items/{external_id(2)}/")
    look_at(page, "phone-plan-item")
    at_phone_width(page)
    assert stacked(page, "updates")


def test_an_operator_reviews_long_uploads_and_the_team_on_a_phone(
    page, everything_long
):
    failed, unknown = everything_long["failed"], everything_long["unknown"]
    log_in(page, "operator", then="/review/")
    assert page.locator("[data-testid=queue-item]").count() == 2
    assert "{#" not in page.inner_text("main")  # a template comment, not shown
    look_at(page, "phone-review-queue")

    page.goto(f"/review/{failed.public_id}/")
    page.click("[data-testid=raw-answer] summary")
    look_at(page, "phone-review-upload")
    at_phone_width(page)
    assert stacked(page, "attempts")

    page.goto(f"/review/{unknown.public_id}/")
    page.click("[data-testid=send-again-start]")
    page.wait_for_url("**/send-again/")
    look_at(page, "phone-review-send-again")

    # The team page, whose long title was once drawn a letter a line.
    page.goto(f"/teams/{everything_long['team'].slug}/manage/")
    look_at(page, "phone-team-manage")
    at_phone_width(page)
    assert stacked(page, "members")
    assert stacked(page, "items")

    team = everything_long["team"]
    token_create(
        team=team,
        name="Weekly export from the Internationalisation warehouse",
        actor=None,
    )
    page.goto(f"/teams/{team.slug}/tokens/")
    look_at(page, "phone-team-tokens")
    at_phone_width(page)
    assert stacked(page, "tokens")
    page.goto("/teams/")
    look_at(page, "phone-teams")
    at_phone_width(page)
    assert stacked(page, "teams")
