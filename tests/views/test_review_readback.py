"""The review pages with a read-back: safe to send again in one confirmation
when AchieveIt shows none of the updates; row by row when it shows some."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UploadFactory, UploadRowFactory
from uploads.models import TeamPlan, Upload

State = Upload.State
Verdict = Upload.ReadbackState


@pytest.fixture
def reviewed(team, alice):
    TeamPlan.objects.create(team=team, plan_id="plan-fy27")
    posted_at = timezone.now() - timedelta(hours=2)
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.NEEDS_REVIEW,
        row_count=2,
        submitting_since=posted_at,
        remote_filename="portal-sales-u1-a1-20261204.csv",
    )
    UploadRowFactory(upload=upload, line=2, external_id="SALES-Q4-01")
    UploadRowFactory(upload=upload, line=3, external_id="SALES-Q4-02")
    return upload


def read_back(upload: Upload, verdict: str, seen: int, missing: list[int]) -> None:
    Upload.objects.filter(pk=upload.pk).update(
        readback_state=verdict,
        readback_at=timezone.now(),
        readback_seen=seen,
        readback_missing_lines=missing,
        readback_post_at=upload.submitting_since,
    )


def test_nothing_seen_makes_sending_again_one_confirmation(client, operator, reviewed):
    read_back(reviewed, Verdict.NOT_SEEN, 0, [2, 3])
    client.force_login(operator)
    url = f"/review/{reviewed.public_id}/send-again/"
    page = client.get(url).content.decode()
    assert "AchieveIt does not show these updates" in page
    assert "Type the upload number" not in page
    assert client.post(url, {}).status_code == 400  # a bare POST sends nothing
    reviewed.refresh_from_db()
    assert reviewed.state == State.NEEDS_REVIEW
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.state == State.QUEUED


def test_without_a_read_back_the_typed_number_is_still_needed(
    client, operator, reviewed
):
    client.force_login(operator)
    url = f"/review/{reviewed.public_id}/send-again/"
    assert "Type the upload number" in client.get(url).content.decode()
    assert client.post(url, {"confirm": "on"}).status_code == 400
    reviewed.refresh_from_db()
    assert reviewed.state == State.NEEDS_REVIEW


def test_a_partial_read_back_is_shown_row_by_row(client, operator, reviewed):
    read_back(reviewed, Verdict.PARTLY_SEEN, 1, [3])
    client.force_login(operator)
    page = client.get(f"/review/{reviewed.public_id}/").content.decode()
    assert "AchieveIt shows 1 of the 2 updates" in page
    assert 'data-testid="readback-rows"' in page
    assert page.count("not shown") == 1
    assert "It cannot tell an update of the same item made after this one" in page
    url = f"/review/{reviewed.public_id}/send-again/"
    # Partly seen is a person's decision: the typed number stays.
    assert "Type the upload number" in client.get(url).content.decode()


def test_the_queue_lists_succeeded_uploads_achieveit_does_not_fully_show(
    client, operator, team, alice
):
    flagged = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    Upload.objects.filter(pk=flagged.pk).update(row_count=4)
    read_back(flagged, Verdict.PARTLY_SEEN, 2, [3, 5])
    shown = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    read_back(shown, Verdict.SEEN, 1, [])
    unread = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    client.force_login(operator)
    page = client.get("/review/").content.decode()
    assert 'data-testid="readback-flagged"' in page
    assert f'data-upload="{flagged.pk}"' in page
    assert "AchieveIt reported success but does not show 2 of 4 updates" in page
    assert f"/review/{flagged.public_id}/" in page
    for other in (shown, unread):
        assert f'data-testid="flagged-item" data-upload="{other.pk}"' not in page


def test_the_queue_has_no_flagged_list_when_nothing_is_flagged(client, operator):
    client.force_login(operator)
    page = client.get("/review/").content.decode()
    assert 'data-testid="readback-flagged"' not in page
    assert "No failure waits for a person" in page


def test_the_flagged_list_is_not_for_uploaders(client, alice, team):
    flagged = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    read_back(flagged, Verdict.NOT_SEEN, 0, [2])
    client.force_login(alice)
    assert client.get("/review/").status_code == 404
