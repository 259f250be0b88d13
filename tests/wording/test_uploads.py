"""What an upload's page says first (uploads/wording/uploads.py): for each state,
what happened and what to do next, in words; from the facts the selector gathers
(`state_facts`) to the page's summary box."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.utils import timezone

from tests.factories import UploadFactory
from tests.helpers import MESSY_CSV
from uploads.models import Upload
from uploads.selectors.uploads import RetryWait, StateFacts
from uploads.services.drafts import upload_create
from uploads.wording.uploads import rows_phrase, upload_summary

State = Upload.State
FACTS = StateFacts(
    state=State.DRAFT,
    row_count=1,
    is_sendable=True,
    has_errors=False,
    error_lines=[],
    retry=None,
    contact_told=False,
    remote_lines=[],
    remote_rows_named=False,
    replaced_by=None,
)


def summary_of(client, upload) -> str:
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    return page.split('data-testid="summary"')[1].split("</div>\n</div>")[0]


# --- On the page --------------------------------------------------------------------


def test_a_draft_with_errors_says_how_many_rows_and_what_to_do(
    client, alice, team, plan_items
):
    messy_draft = upload_create(team=team, user=alice, data=MESSY_CSV)
    client.force_login(alice)
    summary = summary_of(client, messy_draft)
    assert "2 rows have problems." in summary
    assert "Fix them below, or leave those rows out." in summary


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (State.QUEUED, "On its way to AchieveIt"),
        (State.PROCESSING, "On its way to AchieveIt"),
        (State.SUCCEEDED, "AchieveIt applied 1 update."),
        (State.NEEDS_REVIEW, "A person must check in AchieveIt"),
        (State.CANCELED, "Canceled: it will not be sent."),
        (State.RESOLVED, "An operator resolved this upload."),
        (State.REJECTED, "Discarded: nothing was sent."),
    ],
)
def test_the_summary_says_what_happened(client, alice, team, state, words):
    upload = UploadFactory(team=team, created_by=alice, state=state)
    client.force_login(alice)
    assert words in summary_of(client, upload)


def test_nobody_told_is_not_claimed(client, alice, team, settings):
    settings.POINT_OF_CONTACT_EMAIL = ""
    failed = UploadFactory(
        team=team, created_by=alice, state=State.FAILED, notified_at=timezone.now()
    )
    client.force_login(alice)
    summary = summary_of(client, failed)
    assert "AchieveIt did not apply this file." in summary
    assert "has been told" not in summary


def test_a_draft_replaced_by_a_newer_one_points_to_it(client, alice, team):
    old = UploadFactory(team=team, created_by=alice, state=State.REJECTED)
    newer = UploadFactory(team=team, created_by=alice, revision_of=old)
    client.force_login(alice)
    summary = summary_of(client, old)
    assert "Not sent: a newer draft replaced it." in summary
    assert f"Continue with #{newer.number}." in summary


# --- From the facts -----------------------------------------------------------------


def test_a_clean_draft_is_ready_and_nothing_is_sent():
    summary = upload_summary(replace(FACTS, row_count=3))
    assert (summary.tone, summary.icon) == ("info", "checks")
    assert summary.text == "Checked: 3 updates are ready. Nothing has been sent."
    assert summary.next_step == "Look them over, then send them to AchieveIt."
    assert upload_summary(FACTS).text.startswith("Checked: 1 update is ready.")


def test_a_draft_without_updates_asks_for_the_file():
    summary = upload_summary(replace(FACTS, row_count=0, is_sendable=False))
    assert (summary.tone, summary.text) == (
        "warning",
        "The file holds no updates to send.",
    )


@pytest.mark.parametrize(
    ("lines", "row_count", "text", "step"),
    [
        ([4], 2, "1 row has problems.", "Fix them below, or leave those rows out."),
        ([4, 5], 0, "2 rows have problems.", "Fix them below."),
        (
            [],
            0,
            "The file has a problem that stops it being sent.",
            "Correct the file and upload it again.",
        ),
    ],
)
def test_a_draft_with_errors_says_what_to_fix(lines, row_count, text, step):
    facts = replace(
        FACTS,
        has_errors=True,
        error_lines=lines,
        row_count=row_count,
        is_sendable=False,
    )
    summary = upload_summary(facts)
    assert (summary.tone, summary.icon) == ("danger", "alert-circle")
    assert (summary.text, summary.next_step) == (text, step)


def test_a_waiting_retry_says_which_attempt_comes():
    facts = replace(FACTS, state=State.QUEUED, retry=RetryWait(8, 2, 5))
    summary = upload_summary(facts)
    assert summary.tone == "warning"
    assert "sends it again by itself (attempt 2 of 5)." in summary.text
    assert summary.next_step == "Nothing to do: this page follows it."


@pytest.mark.parametrize(
    ("facts", "step"),
    [
        (
            replace(FACTS, state=State.FAILED, remote_lines=[5]),
            "Fix row 5 and send again.",
        ),
        (
            replace(FACTS, state=State.FAILED, remote_rows_named=True),
            "Fix the rows AchieveIt names below and send the file again.",
        ),
        (
            replace(FACTS, state=State.FAILED),
            "Read what AchieveIt said below; an operator will look at it.",
        ),
    ],
)
def test_a_failure_says_which_rows_to_fix(facts, step):
    assert upload_summary(facts).next_step == step


def test_a_failure_says_the_planning_office_was_told():
    summary = upload_summary(replace(FACTS, state=State.FAILED, contact_told=True))
    assert summary.text == (
        "AchieveIt did not apply this file. The planning office has been told."
    )


def test_rows_to_fix_are_named_five_at_most():
    assert rows_phrase([5]) == "row 5"
    assert rows_phrase([2, 3, 7]) == "rows 2, 3 and 7"
    assert rows_phrase(list(range(2, 10))) == "rows 2, 3, 4, 5 and 6 and 3 more"
