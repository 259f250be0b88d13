"""Sending a draft (POST /uploads/<id>/confirm/): uploaders of the team and staff
queue it once; viewers, other teams, anonymous visitors and a GET change nothing."""

from __future__ import annotations

from tests.helpers import login_url, post_file, state_of
from tests.pipeline import CLEAN_CSV
from uploads.models import AuditEvent, Upload

State = Upload.State


def confirm_url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/confirm/"


def test_confirming_queues_once_even_if_posted_twice(
    client, alice, plan_items, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    post_file(client, CLEAN_CSV)
    upload = Upload.objects.get()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/uploads/{upload.public_id}/confirm/")
        second = client.post(f"/uploads/{upload.public_id}/confirm/", follow=True)
    assert len(callbacks) == 1
    assert "already confirmed" in second.content.decode()
    upload.refresh_from_db()
    assert upload.state == State.QUEUED
    assert AuditEvent.objects.filter(action="upload.confirmed").count() == 1


def test_an_uploader_is_told_it_is_on_its_way(client, alice, draft):
    client.force_login(alice)
    response = client.post(confirm_url(draft), follow=True)
    assert response.redirect_chain == [(f"/uploads/{draft.public_id}/", 302)]
    assert "Sent on its way to AchieveIt." in response.content.decode()
    assert state_of(draft) == State.QUEUED


def test_it_sends_anonymous_visitors_to_log_in(client, draft):
    response = client.post(confirm_url(draft))
    assert response.status_code == 302
    assert response["Location"] == login_url(confirm_url(draft))
    assert state_of(draft) == State.DRAFT


def test_a_viewer_cannot_confirm(client, bob, draft):
    client.force_login(bob)
    assert client.post(confirm_url(draft)).status_code == 404
    assert state_of(draft) == State.DRAFT


def test_it_rejects_other_teams_upload(client, charlie, draft):
    client.force_login(charlie)
    assert client.post(confirm_url(draft)).status_code == 404
    assert state_of(draft) == State.DRAFT


def test_staff_may_confirm_any_teams_draft(client, operator, draft):
    client.force_login(operator)
    response = client.post(confirm_url(draft))
    assert response.status_code == 302
    assert state_of(draft) == State.QUEUED
    assert AuditEvent.objects.get(action="upload.confirmed").actor == operator


def test_it_rejects_get(client, alice, draft):
    client.force_login(alice)
    assert client.get(confirm_url(draft)).status_code == 405
    assert state_of(draft) == State.DRAFT


def test_a_draft_with_errors_is_not_sent(client, alice, messy_draft):
    client.force_login(alice)
    response = client.post(confirm_url(messy_draft), follow=True)
    assert "This upload has errors and cannot be sent." in response.content.decode()
    assert state_of(messy_draft) == State.DRAFT
