"""Read-back with a real worker and the simulator (issue 18): a POST whose answer
was lost after AchieveIt queued it resolves itself as applied with no second
POST, and one AchieveIt never queued is shown as safe to send again."""

from __future__ import annotations

import pytest
import requests

from tests.helpers import wait_until
from tests.pipeline import Pipeline
from uploads.models import TeamPlan, Upload
from uploads.services.tokens import token_create

pytestmark = pytest.mark.slow
State = Upload.State
Verdict = Upload.ReadbackState

PLAN = {
    "plans": [
        {
            "id": "plan-fy27",
            "items": [
                {"externalId": "SALES-Q4-01", "name": "Q4 pipeline coverage"},
                {"externalId": "SALES-Q4-02", "name": "Q4 bookings"},
                {"externalId": "HR-RETENTION", "name": "Staff retention"},
                {"externalId": "IT-MIGRATION", "name": "Data centre migration"},
            ],
        }
    ]
}
# Seconds instead of minutes: read back 1 s after the POST, give up after 4 s.
READBACK = {"READBACK_AFTER": "1", "READBACK_GIVE_UP": "4", "READBACK_EVERY": "1"}


@pytest.fixture
def pipeline(workers, simulator, plan_items, team):
    requests.post(
        f"{simulator.url}/_simulator/plans", json=PLAN, timeout=5
    ).raise_for_status()
    TeamPlan.objects.create(team=team, plan_id="plan-fy27")
    return Pipeline(workers, simulator)


def test_a_lost_answer_to_a_queued_post_resolves_as_applied_with_no_second_post(
    pipeline, team, alice, client
):
    pipeline.simulator.configure(queue_then_drop_next_posts=1, processing_delay=0)
    worker = pipeline.start_worker(**READBACK)
    upload = pipeline.confirm(team, alice)

    upload = pipeline.wait_for_state(upload, {State.RESOLVED}, timeout=60)
    assert upload.resolution_outcome == Upload.ResolutionOutcome.APPLIED
    assert "AchieveIt shows all 4 updates" in upload.resolution_note
    assert upload.readback_state == Verdict.SEEN
    # It went through needs_review: the POST's answer was lost.
    assert upload.attempts.filter(status_code__isnull=True).exists()
    # A few more sweeps: nothing is sent again.
    pipeline.wait_for_sweeps(worker, count=2)
    posts = pipeline.posts()
    assert len(posts) == 1
    assert posts[0]["dropped"] is True
    assert posts[0]["answered_status"] is None
    assert posts[0]["state"] == "succeeded"

    _, token = token_create(team=team, name="script", actor=None)
    status = client.get(
        f"/api/progressupdates/status/{upload.public_id}",
        headers={"Authorization": f"API-KEY {token}"},
    )
    assert status.status_code == 200, status.content


def test_a_post_achieveit_never_queued_is_shown_as_safe_to_send_again(
    pipeline, team, alice, operator, client
):
    pipeline.simulator.configure(hold_then_drop_next_posts=1, hold_seconds=0.2)
    pipeline.start_worker(**READBACK)
    upload = pipeline.confirm(team, alice)
    upload = pipeline.wait_for_state(upload, {State.NEEDS_REVIEW}, timeout=60)

    def given_up() -> bool:
        upload.refresh_from_db()
        return upload.readback_state == Verdict.NOT_SEEN

    wait_until(given_up, timeout=60)
    assert upload.state == State.NEEDS_REVIEW
    posts = pipeline.posts()
    assert len(posts) == 1
    assert posts[0]["state"] == "not_queued"
    assert posts[0]["job_id"] is None

    client.force_login(operator)
    page = client.get(f"/review/{upload.public_id}/").content.decode()
    assert "AchieveIt does not show any of these updates" in page
    assert "sending it again is safe" in page
    again = client.get(f"/review/{upload.public_id}/send-again/").content.decode()
    assert "AchieveIt does not show these updates" in again
