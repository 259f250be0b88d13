"""Read-back (uploads/services/readback.py) against the simulator in a thread:
the team's plans read once, each upload judged by what AchieveIt shows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.core import mail
from django.utils import timezone

from simulator.config import SimulatorConfig
from simulator.server import serve_in_thread
from tests.factories import UploadFactory, UploadRowFactory
from uploads import achieveit
from uploads.models import AuditEvent, PlanItem, Team, Upload
from uploads.services import plans, readback
from uploads.wording.api import status_answer

API_KEY = "sim-readback-key-81c2"
ROWS = [
    ("SALES-Q4-01", "On Track", "0.45", ""),
    ("SALES-Q4-02", "At Risk", "125000", "Two deals slipped"),
    ("HR-RETENTION", "Achieved", "0.93", ""),
]
SEED = {
    "plans": [
        {
            "id": "plan-fy27",
            "items": [{"externalId": external_id} for external_id, *_ in ROWS]
            + [{"externalId": "IT-MIGRATION"}],
        }
    ]
}
State = Upload.State


@pytest.fixture
def achieveit_sim(settings: Any) -> Iterator[Any]:
    server = serve_in_thread(
        SimulatorConfig(api_key=API_KEY, plans=SEED, processing_delay=0)
    )
    settings.ACHIEVEIT_BASE_URL = server.base_url
    settings.ACHIEVEIT_API_KEY = API_KEY
    settings.READBACK_AFTER = 300
    settings.READBACK_GIVE_UP = 3600
    settings.READBACK_EVERY = 60
    yield server
    server.stop()


@pytest.fixture
def linked(team: Team, plan_items: list[PlanItem]) -> Team:
    plans.plan_link(team=team, plan_id="plan-fy27")
    return team


def posted(team: Team, user: Any, *, state: str, ago: float, rows=ROWS) -> Upload:
    upload = UploadFactory(
        team=team,
        created_by=user,
        state=state,
        row_count=len(rows),
        submitting_since=timezone.now() - timedelta(seconds=ago),
    )
    for line, (external_id, status, value, comment) in enumerate(rows, 2):
        UploadRowFactory(
            upload=upload,
            line=line,
            external_id=external_id,
            status=status,
            value=value,
            comment=comment,
        )
    return upload


def apply_in_achieveit(server: Any, rows=ROWS) -> None:
    """What AchieveIt does with a file it took: the rows reach its items."""
    body = "External ID,Status,Metric Value,As Of Date,Comment\n" + "".join(
        f"{external_id},{status},{value},2026-10-31,{comment}\n"
        for external_id, status, value, comment in rows
    )
    requests.post(
        f"{server.base_url}/api/progressupdates/by-hand.csv",
        data=body.encode(),
        headers={"Authorization": f"API-KEY {API_KEY}"},
        timeout=5,
    ).raise_for_status()


def jobs(server: Any) -> list[dict[str, Any]]:
    return requests.get(f"{server.base_url}/_simulator/jobs", timeout=5).json()["jobs"]


def read_back(team: Team) -> dict[str, int]:
    return readback.readback_team(team_id=team.pk, claimed=False)


def test_a_needs_review_upload_achieveit_shows_in_full_is_resolved_as_applied(
    achieveit_sim, linked, alice, django_capture_on_commit_callbacks
):
    upload = posted(linked, alice, state=State.NEEDS_REVIEW, ago=400)
    apply_in_achieveit(achieveit_sim)
    with django_capture_on_commit_callbacks(execute=True):
        assert read_back(linked)["resolved"] == 1
    upload.refresh_from_db()
    assert upload.state == State.RESOLVED
    assert upload.resolution_outcome == Upload.ResolutionOutcome.APPLIED
    assert upload.resolution_note.startswith(
        "Resolved by the portal: AchieveIt shows all 3 updates, read back at "
    )
    assert upload.readback_state == Upload.ReadbackState.SEEN
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPLOAD_RESOLVED)
    assert event.actor is None
    assert event.details["read_back"] is True
    assert event.sentence.startswith(
        "The portal resolved (applied in AchieveIt): AchieveIt shows all 3 updates"
    )
    # The uploader is told; nothing is sent again.
    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert "resolved" in mail.outbox[0].subject
    assert "nothing was sent again" in mail.outbox[0].body
    assert len(jobs(achieveit_sim)) == 1
    # The script API's status call answers 200 for it.
    assert status_answer(upload, None).status == 200


def test_nothing_seen_before_give_up_waits_and_says_nothing(
    achieveit_sim, linked, alice
):
    upload = posted(linked, alice, state=State.NEEDS_REVIEW, ago=400)
    assert read_back(linked)["waiting"] == 1
    upload.refresh_from_db()
    assert (upload.state, upload.readback_state, upload.readback_seen) == (
        State.NEEDS_REVIEW,
        "",
        0,
    )
    assert upload.readback_missing_lines == [2, 3, 4]


def test_nothing_seen_by_give_up_is_marked_safe_to_send_again(
    achieveit_sim, linked, alice
):
    upload = posted(linked, alice, state=State.NEEDS_REVIEW, ago=3700)
    assert read_back(linked)["not_seen"] == 1
    upload.refresh_from_db()
    assert upload.state == State.NEEDS_REVIEW
    assert upload.readback_state == Upload.ReadbackState.NOT_SEEN
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPLOAD_READ_BACK)
    assert "sending it again is safe" in event.sentence
    assert jobs(achieveit_sim) == []
    # The verdict is kept: the next read does not judge it again.
    assert read_back(linked)["reads"] == 0


def test_a_partial_match_is_never_resolved(achieveit_sim, linked, alice):
    upload = posted(linked, alice, state=State.NEEDS_REVIEW, ago=3700)
    apply_in_achieveit(achieveit_sim, rows=ROWS[:2])
    assert read_back(linked)["partly_seen"] == 1
    upload.refresh_from_db()
    assert upload.state == State.NEEDS_REVIEW
    assert upload.readback_state == Upload.ReadbackState.PARTLY_SEEN
    assert (upload.readback_seen, upload.readback_missing_lines) == (2, [4])


def test_a_different_value_or_comment_is_not_seen(achieveit_sim, linked, alice):
    upload = posted(linked, alice, state=State.NEEDS_REVIEW, ago=3700)
    apply_in_achieveit(
        achieveit_sim,
        rows=[
            ("SALES-Q4-01", "On Track", "0.450", ""),  # the same decimal
            ("SALES-Q4-02", "At Risk", "125000", "Another comment"),
            ("HR-RETENTION", "Achieved", "0.94", ""),
        ],
    )
    read_back(linked)
    upload.refresh_from_db()
    assert upload.readback_missing_lines == [3, 4]


def test_an_update_from_before_the_post_is_not_taken_for_it(
    achieveit_sim, linked, alice, settings
):
    settings.READBACK_AFTER = 0
    apply_in_achieveit(achieveit_sim)
    time.sleep(0.01)
    upload = posted(linked, alice, state=State.NEEDS_REVIEW, ago=0)
    assert read_back(linked)["waiting"] == 1
    upload.refresh_from_db()
    assert upload.readback_seen == 0


def test_an_upload_is_not_read_back_before_readback_after(achieveit_sim, linked, alice):
    posted(linked, alice, state=State.NEEDS_REVIEW, ago=200)
    assert read_back(linked)["reads"] == 0


def test_a_succeeded_upload_achieveit_does_not_fully_show_is_flagged(
    achieveit_sim, linked, alice
):
    upload = posted(linked, alice, state=State.SUCCEEDED, ago=3700)
    apply_in_achieveit(achieveit_sim, rows=ROWS[1:])
    assert read_back(linked)["flagged"] == 1
    upload.refresh_from_db()
    assert upload.state == State.SUCCEEDED
    assert list(readback.flagged_uploads()) == [upload]
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPLOAD_READ_BACK)
    assert "AchieveIt reported success but does not show 1 of 3 updates" in (
        event.sentence
    )


def test_a_succeeded_upload_achieveit_shows_is_confirmed_quietly(
    achieveit_sim, linked, alice
):
    upload = posted(linked, alice, state=State.SUCCEEDED, ago=400)
    apply_in_achieveit(achieveit_sim)
    assert read_back(linked)["confirmed"] == 1
    upload.refresh_from_db()
    assert upload.readback_state == Upload.ReadbackState.SEEN
    assert not readback.flagged_uploads().exists()


def test_the_plans_are_read_once_per_team_for_all_its_uploads(
    achieveit_sim, linked, alice, monkeypatch
):
    calls = []
    real = achieveit.AchieveItClient.plan_items

    def counted(self, plan_id, **kwargs):
        calls.append(plan_id)
        return real(self, plan_id, **kwargs)

    monkeypatch.setattr(achieveit.AchieveItClient, "plan_items", counted)
    for _ in range(5):
        posted(linked, alice, state=State.NEEDS_REVIEW, ago=400)
    apply_in_achieveit(achieveit_sim)
    assert read_back(linked)["resolved"] == 5
    assert calls == ["plan-fy27"]


def test_the_sweep_claims_a_team_once_per_readback_every(
    achieveit_sim, linked, alice, monkeypatch
):
    from uploads import tasks

    published = []
    monkeypatch.setattr(
        tasks.read_back, "apply_async", lambda args, **kw: published.append(args)
    )
    posted(linked, alice, state=State.NEEDS_REVIEW, ago=400)
    assert readback.publish_due() == 1
    assert readback.publish_due() == 0
    assert published == [[linked.pk]]


def test_a_plan_that_cannot_be_read_judges_nothing(achieveit_sim, linked, alice):
    requests.post(
        f"{achieveit_sim.base_url}/_simulator/config",
        json={"hidden_plans": ["plan-fy27"]},
        timeout=5,
    )
    upload = posted(linked, alice, state=State.NEEDS_REVIEW, ago=3700)
    assert read_back(linked)["not_seen"] == 0
    upload.refresh_from_db()
    assert (upload.state, upload.readback_state) == (State.NEEDS_REVIEW, "")


def test_a_team_without_linked_plans_is_never_read_back(achieveit_sim, team, alice):
    posted(team, alice, state=State.NEEDS_REVIEW, ago=400)
    assert not readback.candidates().exists()
