"""Stopping an upload (POST /uploads/<id>/cancel/): staff only; to the team's own
uploader as to anyone else it is a plain 404 that changes nothing."""

from __future__ import annotations

from tests.factories import UploadFactory
from tests.helpers import login_url, state_of
from uploads.models import Upload

State = Upload.State
REASON = {"reason": "Sent to the wrong team"}


def cancel_url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/cancel/"


def test_staff_cancel_an_upload_on_its_way_with_a_reason(client, operator, team):
    queued = UploadFactory(team=team, state=State.QUEUED)
    client.force_login(operator)
    response = client.post(cancel_url(queued), REASON, follow=True)
    assert response.redirect_chain == [("/review/", 302)]
    assert f"Upload #{queued.pk} is canceled." in response.content.decode()
    assert state_of(queued) == State.CANCELED
    event = queued.events.get(action="upload.canceled")
    assert (event.actor, event.details) == (operator, REASON)


def test_canceling_needs_a_reason(client, operator, failed):
    client.force_login(operator)
    response = client.post(cancel_url(failed), {"reason": "  "})
    assert response.status_code == 400
    assert "canceling needs a reason" in response.content.decode()
    assert state_of(failed) == State.FAILED


def test_a_finished_upload_cannot_be_canceled(client, operator, team):
    done = UploadFactory(team=team, state=State.SUCCEEDED)
    client.force_login(operator)
    response = client.post(cancel_url(done), REASON, follow=True)
    assert "This upload has already finished." in response.content.decode()
    assert state_of(done) == State.SUCCEEDED


def test_it_sends_anonymous_visitors_to_log_in(client, failed):
    response = client.post(cancel_url(failed), REASON)
    assert response.status_code == 302
    assert response["Location"] == login_url(cancel_url(failed))
    assert state_of(failed) == State.FAILED


def test_it_rejects_the_teams_own_uploader(client, alice, failed):
    client.force_login(alice)
    assert client.post(cancel_url(failed), REASON).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_a_viewer(client, bob, failed):
    client.force_login(bob)
    assert client.post(cancel_url(failed), REASON).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_other_teams_upload(client, charlie, failed):
    client.force_login(charlie)
    assert client.post(cancel_url(failed), REASON).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_get(client, operator, failed):
    client.force_login(operator)
    assert client.get(cancel_url(failed), REASON).status_code == 405
    assert state_of(failed) == State.FAILED
