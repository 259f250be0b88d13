"""An upload's page (/uploads/<id>/): its preview, updates, calls and history for
the team and staff; the send buttons for uploaders; the review buttons for staff;
a plain 404 for anyone else."""

from __future__ import annotations

from django.utils import timezone

from tests.factories import UploadFactory, UploadRowFactory
from tests.helpers import login_url
from uploads import services
from uploads.models import Attempt, AuditEvent, Upload

State = Upload.State


def test_it_sends_anonymous_visitors_to_log_in(client, draft):
    url = f"/uploads/{draft.pk}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == login_url(url)


def test_it_rejects_other_teams_upload_with_404(client, alice, charlie, team):
    upload = Upload.objects.create(team=team, created_by=alice, source="csv")
    client.force_login(charlie)
    assert client.get(f"/uploads/{upload.pk}/").status_code == 404
    client.force_login(alice)
    assert client.get(f"/uploads/{upload.pk}/").status_code == 200


def test_an_uploader_may_send_or_discard_a_clean_draft(client, alice, draft):
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.pk}/").content.decode()
    assert "Ready to send: 1 update" in page
    assert "Send to AchieveIt" in page
    assert f'action="/uploads/{draft.pk}/discard/"' in page


def test_a_viewer_sees_the_preview_without_the_send_buttons(client, bob, draft):
    client.force_login(bob)
    response = client.get(f"/uploads/{draft.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ready to send: 1 update" in page
    assert "Send to AchieveIt" not in page
    assert f'action="/uploads/{draft.pk}/discard/"' not in page


def test_it_shows_the_updates_the_calls_and_the_history(client, bob, team, alice):
    upload = UploadFactory(
        team=team, created_by=alice, state=State.PROCESSING, job_id="job-7"
    )
    rows = UploadRowFactory.create_batch(3, upload=upload)
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.SUBMIT,
        started_at=timezone.now(),
        status_code=200,
        outcome="queued",
        message="AchieveIt queued the file",
    )
    services.audit(
        action=AuditEvent.Action.SUBMIT_QUEUED, upload=upload, job_id="job-7"
    )
    client.force_login(bob)
    page = client.get(f"/uploads/{upload.pk}/").content.decode()
    assert "<code>job-7</code>" in page
    for row in rows:
        assert f"<td>{row.external_id}</td>" in page
    assert "AchieveIt queued the file" in page
    history = page.split('data-testid="history"')[1]
    assert "system: " in history  # AchieveIt's answer, recorded by no person


def test_only_staff_get_the_review_buttons(client, alice, bob, operator, failed):
    for user in (alice, bob):
        client.force_login(user)
        page = client.get(f"/uploads/{failed.pk}/").content.decode()
        assert "Mark resolved" not in page, user.username
        assert "AchieveIt said no" in page
    client.force_login(operator)
    page = client.get(f"/uploads/{failed.pk}/").content.decode()
    assert "Mark resolved" in page
    assert f'action="/uploads/{failed.pk}/retry/"' in page


def test_staff_see_any_teams_upload(client, operator, charlie, other_team):
    upload = UploadFactory(team=other_team, created_by=charlie)
    client.force_login(operator)
    response = client.get(f"/uploads/{upload.pk}/")
    assert response.status_code == 200
    assert '<dd class="col-sm-9">Finance</dd>' in response.content.decode()


def test_an_unknown_page_says_so_in_plain_words(client, alice, settings):
    settings.DEBUG = False
    client.force_login(alice)
    response = client.get("/uploads/999999/")
    assert response.status_code == 404
    assert b"belongs to a team you are not a member of" in response.content
