"""Sending a failed upload again (POST /uploads/<id>/retry/): staff only; to the
team's own uploader as to anyone else it is a plain 404 that changes nothing. It
follows the review's rules: a bare POST sends nothing and asks for the
confirmation; a needs-review upload needs its own (tests/views/test_review_upload)."""

from __future__ import annotations

from tests.factories import UploadFactory
from tests.helpers import login_url, state_of
from uploads.models import AuditEvent, Upload

State = Upload.State


def retry_url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/retry/"


def test_staff_retry_a_failed_upload_with_its_confirmation(
    client, operator, failed, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(retry_url(failed), {"confirm": "on"}, follow=True)
    assert response.redirect_chain == [("/review/", 302)]
    assert (
        f"Upload #{failed.pk} is queued to be sent again." in response.content.decode()
    )
    assert state_of(failed) == State.QUEUED
    assert len(callbacks) == 1  # the submit task, published once committed
    assert AuditEvent.objects.get(action="upload.retried").actor == operator


def test_a_bare_post_only_asks_for_the_confirmation(
    client, operator, failed, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(retry_url(failed))
    assert response.status_code == 400
    assert "Tick the box to send it again." in response.content.decode()
    assert state_of(failed) == State.FAILED
    assert callbacks == []


def test_a_needs_review_upload_is_not_sent_on_a_bare_post(
    client, operator, team, django_capture_on_commit_callbacks
):
    upload = UploadFactory(
        team=team, state=State.NEEDS_REVIEW, remote_filename="sales-7-a1.csv"
    )
    client.force_login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        # Even the failed upload's confirmation is not enough here.
        response = client.post(retry_url(upload), {"confirm": "on"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "AchieveIt may already hold this file" in page
    assert "sales-7-a1.csv" in page
    assert state_of(upload) == State.NEEDS_REVIEW
    assert callbacks == []
    assert not AuditEvent.objects.filter(action="upload.retried").exists()


def test_it_sends_anonymous_visitors_to_log_in(client, failed):
    response = client.post(retry_url(failed))
    assert response.status_code == 302
    assert response["Location"] == login_url(retry_url(failed))
    assert state_of(failed) == State.FAILED


def test_it_rejects_the_teams_own_uploader(client, alice, failed):
    client.force_login(alice)
    assert client.post(retry_url(failed), {"confirm": "on"}).status_code == 404
    failed.refresh_from_db()
    assert failed.state == State.FAILED  # alice is not staff: a plain 404


def test_it_rejects_a_viewer(client, bob, failed):
    client.force_login(bob)
    assert client.post(retry_url(failed), {"confirm": "on"}).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_other_teams_upload(client, charlie, failed):
    client.force_login(charlie)
    assert client.post(retry_url(failed), {"confirm": "on"}).status_code == 404
    assert state_of(failed) == State.FAILED


def test_it_rejects_get(client, operator, failed):
    client.force_login(operator)
    assert client.get(retry_url(failed)).status_code == 405
    assert state_of(failed) == State.FAILED


def test_a_succeeded_upload_is_not_sent_again(client, operator, team):
    upload = UploadFactory(team=team, state=State.SUCCEEDED)
    client.force_login(operator)
    response = client.post(retry_url(upload), {"confirm": "on"}, follow=True)
    page = response.content.decode()
    assert "Only failed or needs-review uploads can be retried." in page
    assert state_of(upload) == State.SUCCEEDED
