"""One upload's review (/review/<id>/) and its actions: send again (a two-step,
confirmed act when AchieveIt may already hold the file; a bare POST sends
nothing), resolve with a note and an outcome, cancel with a reason, and the
queue's bulk action. Staff only: a plain 404 for everyone else, the login page
for anonymous visitors; each action is audited with who and why."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from tests.factories import UploadFactory
from tests.helpers import login_url, state_of
from uploads.models import Attempt, AuditEvent, Upload

State = Upload.State
RESOLVE = {"note": "Found it applied in AchieveIt", "outcome": "applied"}
CANCEL = {"reason": "Sent to the wrong team"}


def review_url(upload: Upload, action: str = "") -> str:
    return f"/review/{upload.public_id}/{action + '/' if action else ''}"


@pytest.fixture
def unknown(team, alice):
    """A POST whose outcome is unknown: AchieveIt may already hold the file."""
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.NEEDS_REVIEW,
        remote_filename="sales-9-20261128T0700-a1.csv",
        error_text="AchieveIt did not answer in time: the file may have been queued.",
    )
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.SUBMIT,
        started_at=timezone.now(),
        outcome="unknown",
        message="No answer within 30 s.",
    )
    return upload


# --- the review page -----------------------------------------------------------


def test_staff_see_the_reason_the_answers_and_the_actions(client, operator, unknown):
    client.force_login(operator)
    response = client.get(review_url(unknown))
    page = response.content.decode()
    assert response.status_code == 200
    assert "AchieveIt may already hold this file" in page
    assert "sales-9-20261128T0700-a1.csv" in page
    assert unknown.checksum in page
    assert "No answer within 30 s." in page
    assert f'href="/review/{unknown.public_id}/send-again/"' in page  # a second step
    assert "Did AchieveIt apply these updates?" in page
    assert "Why cancel it" in page


def test_a_failed_upload_is_sent_again_from_its_page_with_one_tick(
    client, operator, failed, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    page = client.get(review_url(failed)).content.decode()
    assert f"Send upload #{failed.number} to AchieveIt again" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            review_url(failed, "send-again"), {"confirm": "on"}, follow=True
        )
    assert response.redirect_chain == [("/review/", 302)]
    assert state_of(failed) == State.QUEUED
    assert len(callbacks) == 1
    event = failed.events.get(action="upload.retried")
    assert (event.actor, event.details["from_state"]) == (operator, "failed")


def test_a_finished_upload_has_nothing_to_do(client, operator, team):
    done = UploadFactory(team=team, state=State.SUCCEEDED)
    client.force_login(operator)
    page = client.get(review_url(done)).content.decode()
    assert "Nothing to do" in page
    assert "Why cancel it" not in page


def test_a_bare_post_for_a_failed_upload_only_asks_for_the_tick(
    client, operator, failed, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(review_url(failed, "send-again"))
    assert response.status_code == 400
    assert "Tick the box to send it again." in response.content.decode()
    assert state_of(failed) == State.FAILED
    assert callbacks == []


def test_a_succeeded_upload_is_not_sent_again(client, operator, team):
    done = UploadFactory(team=team, state=State.SUCCEEDED)
    client.force_login(operator)
    response = client.post(
        review_url(done, "send-again"), {"confirm": "on"}, follow=True
    )
    assert response.redirect_chain == [(review_url(done), 302)]
    page = response.content.decode()
    assert "Only failed or needs-review uploads can be retried." in page
    assert state_of(done) == State.SUCCEEDED


# --- send again: the two steps for an unknown outcome ---------------------------


def test_the_confirmation_names_the_file_and_when_it_was_sent(
    client, operator, unknown
):
    client.force_login(operator)
    page = client.get(review_url(unknown, "send-again")).content.decode()
    assert "AchieveIt may already hold this file" in page
    assert "sales-9-20261128T0700-a1.csv" in page
    assert "<time datetime=" in page  # when it was sent
    assert "I checked AchieveIt: this file is not there" in page
    assert "Type the upload number to confirm" in page
    assert state_of(unknown) == State.NEEDS_REVIEW  # looking sends nothing


@pytest.mark.parametrize(
    "posted",
    [
        {},
        {"confirm": "on"},
        {"checked": "on"},
        {"upload_number": "{pk}"},
        {"checked": "on", "upload_number": "999999"},
    ],
    ids=["bare", "failed-style", "tick-only", "number-only", "wrong-number"],
)
def test_nothing_is_sent_without_the_tick_and_the_number(
    client, operator, unknown, posted, django_capture_on_commit_callbacks
):
    data = {key: value.format(pk=unknown.pk) for key, value in posted.items()}
    client.force_login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(review_url(unknown, "send-again"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "AchieveIt may already hold this file" in page  # shown again
    assert state_of(unknown) == State.NEEDS_REVIEW
    assert callbacks == []
    assert not AuditEvent.objects.filter(action="upload.retried").exists()


def test_the_tick_and_the_number_send_it_again_and_say_who_checked(
    client, operator, unknown, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            review_url(unknown, "send-again"),
            {
                "checked": "on",
                "upload_number": f"#{unknown.number}",
                "note": "Not in AchieveIt's imports",
            },
            follow=True,
        )
    assert f"Upload #{unknown.number} is queued to be sent again." in (
        response.content.decode()
    )
    assert state_of(unknown) == State.QUEUED
    assert len(callbacks) == 1
    event = unknown.events.get(action="upload.retried")
    assert event.actor == operator
    assert event.details == {
        "from_state": "needs_review",
        "note": "Not in AchieveIt's imports",
        "checked_achieveit": True,
        "remote_filename": "sales-9-20261128T0700-a1.csv",
    }


# --- resolve and cancel -------------------------------------------------------


def test_resolve_stores_the_outcome_and_audits_it(client, operator, unknown):
    client.force_login(operator)
    response = client.post(review_url(unknown, "resolve"), RESOLVE, follow=True)
    assert f"Upload #{unknown.number} is resolved." in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.state == State.RESOLVED
    assert unknown.resolution_outcome == Upload.ResolutionOutcome.APPLIED
    event = unknown.events.get(action="upload.resolved")
    assert (event.actor, event.details) == (operator, RESOLVE)
    page = client.get(review_url(unknown)).content.decode()
    assert "Applied in AchieveIt: Found it applied in AchieveIt" in page


def test_resolve_a_failed_upload_keeps_the_note_and_goes_back_to_the_queue(
    client, operator, failed
):
    client.force_login(operator)
    response = client.post(review_url(failed, "resolve"), RESOLVE, follow=True)
    assert response.redirect_chain == [("/review/", 302)]
    assert f"Upload #{failed.number} is resolved." in response.content.decode()
    failed.refresh_from_db()
    assert failed.state == State.RESOLVED
    assert failed.resolution_note == "Found it applied in AchieveIt"
    assert failed.resolution_outcome == Upload.ResolutionOutcome.APPLIED


def test_a_resolution_needs_a_note(client, operator, failed):
    client.force_login(operator)
    response = client.post(review_url(failed, "resolve"), {**RESOLVE, "note": ""})
    assert response.status_code == 400
    assert "a resolution needs a note" in response.content.decode()
    assert state_of(failed) == State.FAILED


def test_a_draft_cannot_be_resolved(client, operator, draft):
    client.force_login(operator)
    response = client.post(review_url(draft, "resolve"), RESOLVE, follow=True)
    assert response.redirect_chain == [(review_url(draft), 302)]
    page = response.content.decode()
    assert "Only failed or needs-review uploads can be resolved." in page
    assert state_of(draft) == State.DRAFT


def test_resolve_without_an_outcome_keeps_the_note(client, operator, failed):
    client.force_login(operator)
    response = client.post(review_url(failed, "resolve"), {"note": "Looked"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say whether AchieveIt applied the updates" in page
    assert "\nLooked</textarea>" in page  # what was typed is kept
    assert state_of(failed) == State.FAILED


def test_cancel_needs_a_reason_and_audits_it(client, operator, failed):
    client.force_login(operator)
    response = client.post(review_url(failed, "cancel"), {"reason": ""})
    assert response.status_code == 400
    assert "canceling needs a reason" in response.content.decode()
    assert state_of(failed) == State.FAILED

    client.post(review_url(failed, "cancel"), CANCEL)
    assert state_of(failed) == State.CANCELED
    event = failed.events.get(action="upload.canceled")
    assert (event.actor, event.details) == (operator, CANCEL)


def test_staff_cancel_an_upload_on_its_way_with_a_reason(client, operator, team):
    queued = UploadFactory(team=team, state=State.QUEUED)
    client.force_login(operator)
    response = client.post(review_url(queued, "cancel"), CANCEL, follow=True)
    assert response.redirect_chain == [("/review/", 302)]
    assert f"Upload #{queued.number} is canceled." in response.content.decode()
    assert state_of(queued) == State.CANCELED
    event = queued.events.get(action="upload.canceled")
    assert (event.actor, event.details) == (operator, CANCEL)


def test_a_finished_upload_cannot_be_canceled(client, operator, team):
    done = UploadFactory(team=team, state=State.SUCCEEDED)
    client.force_login(operator)
    response = client.post(review_url(done, "cancel"), CANCEL, follow=True)
    assert response.redirect_chain == [(review_url(done), 302)]
    assert "This upload has already finished." in response.content.decode()
    assert state_of(done) == State.SUCCEEDED


# --- bulk -----------------------------------------------------------------------


def test_bulk_send_again_sends_the_failed_and_lists_the_unknown_to_confirm(
    client, operator, team, failed, unknown, django_capture_on_commit_callbacks
):
    other_failed = UploadFactory(team=team, state=State.FAILED)
    client.force_login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/review/bulk/",
            {
                "uploads": [
                    failed.public_id,
                    unknown.public_id,
                    other_failed.public_id,
                ],
                "action": "retry",
                "text": "AchieveIt was down on Monday",
            },
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert state_of(failed) == State.QUEUED
    assert state_of(other_failed) == State.QUEUED
    assert state_of(unknown) == State.NEEDS_REVIEW  # not sent
    assert len(callbacks) == 2
    assert "Not sent: AchieveIt may already hold these (1)" in page
    assert f'href="/review/{unknown.public_id}/send-again/"' in page
    assert failed.events.get(action="upload.retried").details["note"] == (
        "AchieveIt was down on Monday"
    )


def test_bulk_resolve_needs_an_outcome_and_keeps_the_ticks(
    client, operator, failed, unknown
):
    client.force_login(operator)
    response = client.post(
        "/review/bulk/",
        {
            "uploads": [failed.public_id, unknown.public_id],
            "action": "resolve",
            "text": "Done",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Say whether AchieveIt applied the updates" in page
    assert f'value="{failed.public_id}" id="tick-{failed.pk}" checked' in page
    assert state_of(failed) == State.FAILED

    client.post(
        "/review/bulk/",
        {
            "uploads": [failed.public_id, unknown.public_id],
            "action": "resolve",
            "text": "Done by hand",
            "outcome": "not_applied",
        },
    )
    assert state_of(failed) == State.RESOLVED
    assert state_of(unknown) == State.RESOLVED


def test_bulk_cancel_with_one_reason(client, operator, failed, unknown):
    client.force_login(operator)
    response = client.post(
        "/review/bulk/",
        {
            "uploads": [failed.public_id, unknown.public_id],
            "action": "cancel",
            "text": "Duplicate",
        },
    )
    assert "Done (2)" in response.content.decode()
    for upload in (failed, unknown):
        assert state_of(upload) == State.CANCELED
        assert upload.events.get(action="upload.canceled").details == {
            "reason": "Duplicate"
        }


def test_bulk_with_nothing_ticked_says_so(client, operator, failed):
    client.force_login(operator)
    response = client.post("/review/bulk/", {"action": "cancel", "text": "x"})
    assert response.status_code == 400
    assert "Tick at least one upload" in response.content.decode()


# --- who may -------------------------------------------------------------------

ACTIONS = [
    ("get", ""),
    ("get", "send-again"),
    ("post", "send-again"),
    ("post", "resolve"),
    ("post", "cancel"),
]
ALL_FIELDS = {"confirm": "on", "checked": "on", **RESOLVE, **CANCEL}


@pytest.mark.parametrize(("method", "action"), ACTIONS)
def test_it_sends_anonymous_visitors_to_log_in(client, failed, method, action):
    url = review_url(failed, action)
    data = ALL_FIELDS if method == "post" else None
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response["Location"] == login_url(url)
    assert state_of(failed) == State.FAILED


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
@pytest.mark.parametrize(("method", "action"), ACTIONS)
def test_it_is_a_plain_404_to_everyone_but_staff(
    client, request, failed, who, method, action
):
    client.force_login(request.getfixturevalue(who))
    response = getattr(client, method)(review_url(failed, action), ALL_FIELDS)
    assert response.status_code == 404
    assert state_of(failed) == State.FAILED


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_bulk_is_a_plain_404_to_everyone_but_staff(client, request, failed, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        "/review/bulk/",
        {"uploads": [failed.public_id], "action": "cancel", "text": "x"},
    )
    assert response.status_code == 404
    assert state_of(failed) == State.FAILED


def test_an_unknown_upload_is_a_404(client, operator):
    client.force_login(operator)
    assert client.get(f"/review/{uuid.uuid4()}/").status_code == 404
    assert client.get("/review/999999/").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/review/{public_id}/"),
        ("get", "/review/{public_id}/resolve/"),
        ("get", "/review/{public_id}/cancel/"),
        ("get", "/review/bulk/"),
    ],
)
def test_it_rejects_the_wrong_method(client, operator, failed, method, url):
    client.force_login(operator)
    response = getattr(client, method)(url.format(public_id=failed.public_id))
    assert response.status_code == 405
    assert state_of(failed) == State.FAILED
