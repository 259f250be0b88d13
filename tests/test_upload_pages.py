"""Uploading a file, seeing its problems, and sending it, through the pages."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import MESSY_CSV
from tests.pipeline import CLEAN_CSV
from uploads.models import AuditEvent, Upload

State = Upload.State


def post_file(client, data: bytes, name: str = "updates.csv", team: str = "sales"):
    return client.post(
        f"/teams/{team}/upload/", {"file": SimpleUploadedFile(name, data)}, follow=True
    )


def test_an_uploader_sees_every_problem_before_anything_is_sent(
    client, alice, plan_items
):
    client.force_login(alice)
    page = post_file(client, MESSY_CSV).content.decode()
    upload = Upload.objects.get()
    assert upload.state == State.DRAFT
    assert "2 problems to fix before this can be sent" in page
    assert "Row 5, Status: &#x27;Acheived&#x27; is not an AchieveIt status" in page
    assert "Row 6, As Of Date" in page
    assert "Send to AchieveIt" not in page
    assert "Leave out the rows with errors" in page


def test_leaving_out_invalid_rows_makes_a_clean_draft(client, alice, plan_items):
    client.force_login(alice)
    post_file(client, MESSY_CSV)
    messy = Upload.objects.get()
    page = client.post(f"/uploads/{messy.pk}/exclude-invalid/", follow=True)
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


def test_confirming_queues_once_even_if_posted_twice(
    client, alice, plan_items, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    post_file(client, CLEAN_CSV)
    upload = Upload.objects.get()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/uploads/{upload.pk}/confirm/")
        second = client.post(f"/uploads/{upload.pk}/confirm/", follow=True)
    assert len(callbacks) == 1
    assert "already confirmed" in second.content.decode()
    upload.refresh_from_db()
    assert upload.state == State.QUEUED
    assert AuditEvent.objects.filter(action="upload.confirmed").count() == 1


def test_a_viewer_cannot_upload_or_confirm(client, bob, alice, plan_items, team):
    client.force_login(bob)
    response = client.get("/teams/sales/upload/", follow=True)
    assert "not send them" in response.content.decode()
    client.force_login(alice)
    post_file(client, CLEAN_CSV)
    upload = Upload.objects.get()
    client.force_login(bob)
    assert client.post(f"/uploads/{upload.pk}/confirm/").status_code == 404
    upload.refresh_from_db()
    assert upload.state == State.DRAFT


def test_another_teams_upload_page_is_a_404(client, charlie, alice, plan_items):
    client.force_login(charlie)
    assert client.get("/teams/sales/upload/").status_code == 404
    client.force_login(alice)
    post_file(client, CLEAN_CSV)
    upload = Upload.objects.get()
    client.force_login(charlie)
    assert client.post(f"/uploads/{upload.pk}/confirm/").status_code == 404


def test_a_binary_file_gets_a_clear_message_not_an_error_page(
    client, alice, plan_items
):
    client.force_login(alice)
    response = post_file(client, b"PK\x03\x04" + bytes(200), name="updates.xlsx")
    assert response.status_code == 200
    assert "Excel" in response.content.decode()


def test_an_empty_or_huge_file_is_refused_with_the_limit(
    client, alice, plan_items, settings
):
    client.force_login(alice)
    empty = post_file(client, b"").content.decode()
    assert "The file is empty. Choose the CSV file with your updates." in empty
    settings.UPLOAD_MAX_BYTES = 100
    huge = post_file(client, CLEAN_CSV * 3).content.decode()
    assert "the most one upload may be is" in huge
    assert Upload.objects.count() == 0


def test_the_template_lists_the_teams_active_items(client, bob, plan_items):
    plan_items[3].active = False
    plan_items[3].save()
    client.force_login(bob)
    response = client.get("/teams/sales/template.csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "External ID,Status,Current Value,As Of Date",
        "HR-RETENTION,,,",
        "SALES-Q4-01,,,",
        "SALES-Q4-02,,,",
    ]


def test_staff_review_a_failed_upload(client, operator, alice, plan_items):
    client.force_login(alice)
    post_file(client, CLEAN_CSV)
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(
        state=State.FAILED, error_text="AchieveIt said no"
    )
    client.force_login(alice)
    assert "Mark resolved" not in client.get(f"/uploads/{upload.pk}/").content.decode()
    assert client.post(f"/uploads/{upload.pk}/retry/").status_code == 404
    upload.refresh_from_db()
    assert upload.state == State.FAILED  # alice is not staff: a plain 404

    client.force_login(operator)
    page = client.get(f"/uploads/{upload.pk}/").content.decode()
    assert "Mark resolved" in page
    client.post(f"/uploads/{upload.pk}/resolve/", {"note": "Applied by hand"})
    upload.refresh_from_db()
    assert upload.state == State.RESOLVED
    assert upload.resolution_note == "Applied by hand"
