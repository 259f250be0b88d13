"""Fixing a file in the browser: a plan owner applies the suggestions to the messy
sample, saves a clean revision and sends it; leaving rows out says which; and the
upload page reads well when AchieveIt failed it and when it succeeded."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory, UploadRowFactory
from tests.helpers import MESSY_CSV
from uploads.models import Attempt, Upload

pytestmark = pytest.mark.browser
State = Upload.State


def upload_messy_file(page, tmp_path) -> None:
    messy = tmp_path / "export.csv"
    messy.write_bytes(MESSY_CSV)
    page.goto("/teams/sales/upload/")
    page.set_input_files("input[type=file]", str(messy))
    page.click("input[type=submit], button[type=submit][name=check]")
    page.wait_for_selector("[data-testid=fix-rows]")


def test_alice_fixes_the_messy_file_with_the_suggestions_and_sends_it(
    page, team, plan_items, alice, tmp_path
):
    log_in(page, "alice")
    upload_messy_file(page, tmp_path)
    summary = page.inner_text("[data-testid=summary]")
    assert "2 rows have problems." in summary
    assert "Fix them below, or leave those rows out." in summary
    assert page.input_value("#id_cell_5_1") == "Acheived"
    look_at(page, "upload-preview-with-errors")

    page.click("[data-testid=suggest-5-1]")
    assert page.input_value("#id_cell_5_1") == "Achieved"
    assert page.input_value("#id_cell_6_3") == "31/10/2026"  # not yet
    page.click("[data-testid=apply-all]")
    assert page.input_value("#id_cell_6_3") == "2026-10-31"
    page.click("[data-testid=save-fixes]")

    page.wait_for_selector("[data-testid=confirm]")
    first, revision = Upload.objects.order_by("pk")
    assert page.url.endswith(f"/uploads/{revision.public_id}/")
    assert "4 updates are ready" in page.inner_text("[data-testid=summary]")
    assert f"Revision of #{first.number}" in page.inner_text("[data-testid=revisions]")
    assert page.locator("[data-testid=fix-rows]").count() == 0
    updates = page.inner_text("[data-testid=updates]")
    assert "Achieved" in updates
    assert "IT-MIGRATION" in updates
    look_at(page, "upload-revision")

    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=sent-by]")
    assert page.inner_text("[data-testid=state]") == "Queued"
    revision.refresh_from_db()
    assert revision.state == State.QUEUED
    assert "HR-RETENTION,Achieved,0.93,2026-10-31" in revision.normalized_csv

    page.goto(f"/uploads/{first.public_id}/")
    assert f"Revised as #{revision.number}" in page.inner_text(
        "[data-testid=revisions]"
    )


def test_leaving_out_the_rows_with_errors_says_which(
    page, team, plan_items, alice, tmp_path
):
    log_in(page, "alice")
    upload_messy_file(page, tmp_path)

    page.click("[data-testid=exclude-invalid]")

    page.wait_for_selector("[data-testid=confirm]")
    notes = page.inner_text("[data-testid=notes]")
    assert "row 5 (HR-RETENTION), row 6 (IT-MIGRATION)" in notes
    assert "Revision of" in page.inner_text("[data-testid=revisions]")
    look_at(page, "upload-rows-left-out")


def test_a_failed_upload_shows_achieveits_errors_readably(
    page, team, plan_items, alice, settings
):
    settings.POINT_OF_CONTACT_EMAIL = "planning@example.org"
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.FAILED,
        job_id="73a0b6c2-9f4e-4c7a-9d55-1b2f0e7c4a11",
        confirmed_at=timezone.now(),
        finished_at=timezone.now(),
        notified_at=timezone.now(),
        error_text="AchieveIt did not apply the file (HTTP 400).",
        row_count=2,
    )
    UploadRowFactory(upload=upload, line=2, external_id="SALES-Q4-01")
    UploadRowFactory(upload=upload, line=5, external_id="HR-RETENTION")
    # What the simulator answers for a failed job, made long as a real one can be.
    body = {
        "jobId": upload.job_id,
        "status": "Failed",
        "errors": [
            {"row": 3, "message": "External ID 'HR-RETENTION' " + "x" * 300},
            {"row": None, "message": "1 of 2 rows failed"},
        ],
    }
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.POLL,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status_code=400,
        outcome="failed",
        message="AchieveIt did not apply the file",
        response_body=json.dumps(body),
        job_id=upload.job_id,
    )
    log_in(page, "alice")
    page.goto(f"/uploads/{upload.public_id}/")

    summary = page.inner_text("[data-testid=summary]")
    assert "The planning office has been told." in summary
    assert "Fix row 5 and send again." in summary
    errors = page.inner_text("[data-testid=achieveit-errors]")
    assert "HR-RETENTION" in errors
    assert "1 of 2 rows failed" in errors
    assert not page.is_visible("pre.response-body")  # behind the disclosure
    page.click("details summary")
    assert page.is_visible("pre.response-body")
    look_at(page, "upload-failed")


def test_a_succeeded_upload(page, team, plan_items, alice):
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.SUCCEEDED,
        job_id="job-1",
        confirmed_at=timezone.now(),
        finished_at=timezone.now(),
        original_name="october-updates.csv",
    )
    UploadRowFactory(upload=upload, line=2, external_id="SALES-Q4-01")
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.SUBMIT,
        started_at=timezone.now(),
        status_code=200,
        outcome="queued",
        message="AchieveIt queued the file as job job-1",
        response_body='{"jobId": "job-1"}',
    )
    log_in(page, "alice")
    page.goto(f"/uploads/{upload.public_id}/")

    assert "AchieveIt applied 1 update." in page.inner_text("[data-testid=summary]")
    assert "File as sent" in page.inner_text("[data-testid=downloads]")
    look_at(page, "upload-succeeded")
