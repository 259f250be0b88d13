"""The Django admin stays for staff to look, never to change: uploads, their rows,
their calls to AchieveIt and the audit history are read-only there (a change
must go through the portal, which audits it), and an upload's page opens quickly
even for a 100,000-row upload (its rows are a paginated list of their own)."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from tests.factories import UploadFactory
from uploads.models import Attempt, AuditEvent, Upload, UploadRow

State = Upload.State


@pytest.fixture
def failed(team):
    return UploadFactory(team=team, state=State.FAILED, error_text="AchieveIt said no")


@pytest.fixture
def big_upload(team):
    upload = UploadFactory(
        team=team,
        state=State.FAILED,
        row_count=100_000,
        normalized_csv="External ID,Status,Current Value,As Of Date\n"
        + "ITEM-000001,On Track,0.5,2026-10-31\n" * 100_000,
        findings=[{"severity": "warning", "message": "x" * 40}] * 2_000,
    )
    UploadRow.objects.bulk_create(
        (
            UploadRow(
                upload=upload,
                line=line,
                external_id=f"ITEM-{line:06d}",
                status="On Track",
                value="0.5",
                as_of_date="2026-10-31",
            )
            for line in range(2, 100_002)
        ),
        batch_size=5_000,
    )
    return upload


def test_a_100000_row_upload_opens_quickly(admin_client, big_upload):
    started = time.monotonic()
    response = admin_client.get(f"/admin/uploads/upload/{big_upload.pk}/change/")
    elapsed = time.monotonic() - started

    page = response.content.decode()
    assert response.status_code == 200
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert "ITEM-050000" not in page  # neither the rows nor the payload inline
    assert len(page) < 200_000
    assert f"?upload__id__exact={big_upload.pk}" in page
    assert "100000 rows" in page


def test_its_rows_are_a_paginated_list(admin_client, big_upload):
    started = time.monotonic()
    response = admin_client.get(
        f"/admin/uploads/uploadrow/?upload__id__exact={big_upload.pk}"
    )
    elapsed = time.monotonic() - started

    page = response.content.decode()
    assert response.status_code == 200
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert "ITEM-000002" in page
    assert "ITEM-000102" not in page  # 100 a page
    assert page.count('class="field-line"') == 100


def test_an_upload_cannot_be_changed_or_deleted_there(admin_client, failed):
    url = f"/admin/uploads/upload/{failed.pk}/"
    page = admin_client.get(f"{url}change/").content.decode()
    assert 'name="_save"' not in page
    assert 'name="resolution_note"' not in page

    response = admin_client.post(
        f"{url}change/", {"state": "resolved", "resolution_note": "by hand"}
    )
    assert response.status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/uploads/upload/add/").status_code == 403
    failed.refresh_from_db()
    assert (failed.state, failed.resolution_note) == (State.FAILED, "")
    assert not AuditEvent.objects.exists()


def test_attempts_are_read_only(admin_client, failed):
    attempt = Attempt.objects.create(
        upload=failed,
        kind=Attempt.Kind.POLL,
        started_at=timezone.now(),
        status_code=500,
        outcome="failed",
    )
    url = f"/admin/uploads/attempt/{attempt.pk}/"
    assert admin_client.get(f"{url}change/").status_code == 200
    assert admin_client.post(f"{url}change/", {"status_code": 200}).status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.status_code == 500


def test_nobody_can_add_change_or_delete_an_audit_event(admin_client, failed):
    event = AuditEvent.objects.create(
        action=AuditEvent.Action.UPLOAD_FAILED, upload=failed, team=failed.team
    )
    url = f"/admin/uploads/auditevent/{event.pk}/"
    assert admin_client.get(f"{url}change/").status_code == 200
    assert admin_client.get("/admin/uploads/auditevent/add/").status_code == 403
    assert admin_client.post(f"{url}change/", {"action": "x"}).status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        "/admin/uploads/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditEvent.objects.get(pk=event.pk).action == "upload.failed"


def test_a_non_staff_user_is_sent_to_the_admin_login(client, alice, failed):
    client.force_login(alice)
    response = client.get(f"/admin/uploads/upload/{failed.pk}/change/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
