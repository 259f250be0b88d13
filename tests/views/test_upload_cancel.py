"""Stopping an upload (POST /uploads/<id>/cancel/): staff only; to the team's own
uploader as to anyone else it is a plain 404 that changes nothing."""

from __future__ import annotations

from tests.factories import UploadFactory
from tests.helpers import login_url, state_of
from uploads.models import Upload

State = Upload.State


def cancel_url(upload: Upload) -> str:
    return f"/uploads/{upload.pk}/cancel/"


def test_staff_cancel_an_upload_on_its_way(client, operator, team):
    queued = UploadFactory(team=team, state=State.QUEUED)
    client.force_login(operator)
    response = client.post(cancel_url(queued), follow=True)
    assert response.redirect_chain == [(f"/uploads/{queued.pk}/", 302)]
    assert "Canceled." in response.content.decode()
    assert state_of(queued) == State.CANCELED


def test_a_finished_upload_cannot_be_canceled(client, operator, team):
    done = UploadFactory(team=team, state=State.SUCCEEDED)
    client.force_login(operator)
    response = client.post(cancel_url(done), follow=True)
    assert "This upload has already finished." in response.content.decode()
    assert state_of(done) == State.SUCCEEDED


def test_it_sends_anonymous_visitors_to_log_in(client, failed):
    response = client.post(cancel_url(failed))
    assert response.status_code == 302
    assert response["Location"] == login_url(cancel_url(failed))
    assert state_of(failed) == State.FAILED


def test_it_rejects_the_teams_own_uploader(client, alice, failed):
    client.force_login(alice)
    assert client.post(cancel_url(failed)).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_a_viewer(client, bob, failed):
    client.force_login(bob)
    assert client.post(cancel_url(failed)).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_other_teams_upload(client, charlie, failed):
    client.force_login(charlie)
    assert client.post(cancel_url(failed)).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_get(client, operator, failed):
    client.force_login(operator)
    assert client.get(cancel_url(failed)).status_code == 405
    assert state_of(failed) == State.FAILED
