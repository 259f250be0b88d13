"""Leaving out a draft's invalid rows (POST /uploads/<id>/exclude-invalid/): the
team's uploaders and staff get a new, clean draft; anyone else changes nothing."""

from __future__ import annotations

from tests.helpers import login_url, state_of
from uploads.models import Upload
from uploads.services.drafts import upload_reject

State = Upload.State


def exclude_url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/exclude-invalid/"


def assert_nothing_changed(messy: Upload) -> None:
    assert state_of(messy) == State.DRAFT
    assert Upload.objects.count() == 1


def test_leaving_out_invalid_rows_makes_a_clean_draft(client, alice, messy_draft):
    client.force_login(alice)
    messy = messy_draft
    page = client.post(f"/uploads/{messy.public_id}/exclude-invalid/", follow=True)
    clean = Upload.objects.exclude(pk=messy.pk).get()
    messy.refresh_from_db()
    assert messy.state == State.REJECTED
    assert clean.state == State.DRAFT
    assert clean.row_count == 2
    assert clean.original_path == messy.original_path  # the file is kept
    assert clean.normalized_csv.splitlines()[1:] == [
        "SALES-Q4-01,On Track,0.45,2026-10-31",
        "SALES-Q4-02,At Risk,125000,2026-10-31",
    ]
    assert "Send to AchieveIt" in page.content.decode()
    assert page.redirect_chain == [(f"/uploads/{clean.public_id}/", 302)]
    shown = page.content.decode()
    # It says which rows it left out, and the two drafts link to each other.
    assert "row 5 (HR-RETENTION), row 6 (IT-MIGRATION)" in shown
    assert clean.revision_of == messy
    assert f'Revision of <a href="/uploads/{messy.public_id}/"' in shown
    original = client.get(f"/uploads/{messy.public_id}/").content.decode()
    assert f'Revised as <a href="/uploads/{clean.public_id}/"' in original


def test_it_sends_anonymous_visitors_to_log_in(client, messy_draft):
    response = client.post(exclude_url(messy_draft))
    assert response.status_code == 302
    assert response["Location"] == login_url(exclude_url(messy_draft))
    assert_nothing_changed(messy_draft)


def test_a_viewer_cannot_leave_rows_out(client, bob, messy_draft):
    client.force_login(bob)
    assert client.post(exclude_url(messy_draft)).status_code == 404
    assert_nothing_changed(messy_draft)


def test_it_rejects_other_teams_upload(client, charlie, messy_draft):
    client.force_login(charlie)
    assert client.post(exclude_url(messy_draft)).status_code == 404
    assert_nothing_changed(messy_draft)


def test_staff_may_leave_rows_out_of_any_teams_draft(client, operator, messy_draft):
    client.force_login(operator)
    client.post(exclude_url(messy_draft))
    clean = Upload.objects.exclude(pk=messy_draft.pk).get()
    assert (clean.state, clean.row_count, clean.created_by) == (
        State.DRAFT,
        2,
        operator,
    )
    assert state_of(messy_draft) == State.REJECTED


def test_it_rejects_get(client, alice, messy_draft):
    client.force_login(alice)
    assert client.get(exclude_url(messy_draft)).status_code == 405
    assert_nothing_changed(messy_draft)


def test_a_discarded_draft_is_not_split_again(client, alice, messy_draft):
    upload_reject(upload=messy_draft, user=alice)
    client.force_login(alice)
    response = client.post(exclude_url(messy_draft), follow=True)
    assert "This upload is no longer a draft." in response.content.decode()
    assert Upload.objects.count() == 1
