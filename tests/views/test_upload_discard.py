"""Discarding a draft (POST /uploads/<id>/discard/): the team's uploaders and staff
close it unsent, keeping its file; anyone else changes nothing."""

from __future__ import annotations

from tests.helpers import login_url, state_of
from uploads.models import AuditEvent, Upload

State = Upload.State


def discard_url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/discard/"


def test_an_uploader_discards_a_draft(client, alice, draft):
    client.force_login(alice)
    response = client.post(discard_url(draft), follow=True)
    assert response.redirect_chain == [(f"/uploads/{draft.public_id}/", 302)]
    assert "Discarded: nothing was sent. The file is kept." in response.content.decode()
    assert state_of(draft) == State.REJECTED
    assert AuditEvent.objects.get(action="upload.rejected").actor == alice


def test_it_sends_anonymous_visitors_to_log_in(client, draft):
    response = client.post(discard_url(draft))
    assert response.status_code == 302
    assert response["Location"] == login_url(discard_url(draft))
    assert state_of(draft) == State.DRAFT


def test_a_viewer_cannot_discard(client, bob, draft):
    client.force_login(bob)
    assert client.post(discard_url(draft)).status_code == 404
    assert state_of(draft) == State.DRAFT


def test_it_rejects_other_teams_upload(client, charlie, draft):
    client.force_login(charlie)
    assert client.post(discard_url(draft)).status_code == 404
    assert state_of(draft) == State.DRAFT


def test_staff_may_discard_any_teams_draft(client, operator, draft):
    client.force_login(operator)
    assert client.post(discard_url(draft)).status_code == 302
    assert state_of(draft) == State.REJECTED


def test_it_rejects_get(client, alice, draft):
    client.force_login(alice)
    assert client.get(discard_url(draft)).status_code == 405
    assert state_of(draft) == State.DRAFT


def test_an_upload_already_on_its_way_is_not_discarded(client, alice, draft):
    Upload.objects.filter(pk=draft.pk).update(state=State.QUEUED)
    client.force_login(alice)
    response = client.post(discard_url(draft), follow=True)
    assert response.redirect_chain == [(f"/uploads/{draft.public_id}/", 302)]
    assert "Discarded" not in response.content.decode()
    assert state_of(draft) == State.QUEUED
