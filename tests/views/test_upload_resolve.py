"""Closing a failed upload with a note (POST /uploads/<id>/resolve/): staff only;
to the team's own uploader as to anyone else it is a plain 404 that changes
nothing."""

from __future__ import annotations

from tests.helpers import login_url, state_of
from uploads.models import Upload

State = Upload.State
NOTE = {"note": "Applied by hand", "outcome": "applied"}


def resolve_url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/resolve/"


def test_staff_resolve_a_failed_upload_with_a_note_and_an_outcome(
    client, operator, failed
):
    client.force_login(operator)
    response = client.post(resolve_url(failed), NOTE, follow=True)
    failed.refresh_from_db()
    assert failed.state == State.RESOLVED
    assert failed.resolution_note == "Applied by hand"
    assert failed.resolution_outcome == Upload.ResolutionOutcome.APPLIED
    assert response.redirect_chain == [("/review/", 302)]
    assert f"Upload #{failed.pk} is resolved." in response.content.decode()


def test_a_resolution_needs_a_note(client, operator, failed):
    client.force_login(operator)
    response = client.post(resolve_url(failed), {**NOTE, "note": ""})
    assert response.status_code == 400
    assert "a resolution needs a note" in response.content.decode()
    assert state_of(failed) == State.FAILED


def test_a_resolution_needs_an_outcome(client, operator, failed):
    client.force_login(operator)
    response = client.post(resolve_url(failed), {"note": "Looked at it"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Say whether AchieveIt applied the updates" in page
    assert "Looked at it" in page  # what was typed is kept
    assert state_of(failed) == State.FAILED


def test_it_sends_anonymous_visitors_to_log_in(client, failed):
    response = client.post(resolve_url(failed), NOTE)
    assert response.status_code == 302
    assert response["Location"] == login_url(resolve_url(failed))
    assert state_of(failed) == State.FAILED


def test_it_rejects_the_teams_own_uploader(client, alice, failed):
    client.force_login(alice)
    assert client.post(resolve_url(failed), NOTE).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_a_viewer(client, bob, failed):
    client.force_login(bob)
    assert client.post(resolve_url(failed), NOTE).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_other_teams_upload(client, charlie, failed):
    client.force_login(charlie)
    assert client.post(resolve_url(failed), NOTE).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_get(client, operator, failed):
    client.force_login(operator)
    assert client.get(resolve_url(failed), NOTE).status_code == 405
    assert state_of(failed) == State.FAILED


def test_a_draft_cannot_be_resolved(client, operator, draft):
    client.force_login(operator)
    response = client.post(resolve_url(draft), NOTE, follow=True)
    page = response.content.decode()
    assert "Only failed or needs-review uploads can be resolved." in page
    assert state_of(draft) == State.DRAFT
