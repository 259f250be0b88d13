"""Issue 19's smaller page fixes, seen in a real browser at both widths: one brand
name at every width, the Upload tab not lit for a form upload, a script's upload
named by its token, "Last sent" as the latest As Of Date and a warning (not an
error) for an update older than it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.browser.checks import WIDTHS, log_in, look_at
from tests.factories import UploadFactory, UploadRowFactory
from tests.pipeline import CLEAN_CSV
from uploads.models import Upload
from uploads.services.tokens import token_create

pytestmark = [pytest.mark.browser]


def _brand_text(page) -> str:
    return " ".join(page.inner_text("[data-testid=brand]").split())


def test_one_brand_name_at_every_width(page, alice):
    log_in(page, "alice")
    seen = set()
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        assert page.locator("[data-testid=brand]").is_visible()
        seen.add(_brand_text(page))
    assert seen == {"AchieveIt update portal"}


def test_a_script_upload_is_named_by_its_token_and_lights_my_uploads(
    page, alice, team, plan_items
):
    _, plaintext = token_create(team=team, name="weekly export", actor=alice)
    response = Client(enforce_csrf_checks=True).post(
        "/api/progressupdates/weekly.csv",
        data=CLEAN_CSV,
        content_type="text/csv",
        headers={"Authorization": f"API-KEY {plaintext}"},
    )
    assert response.status_code == 200, response.content
    upload = Upload.objects.get()

    log_in(page, "alice")
    page.goto(upload.get_absolute_url())
    assert page.inner_text("[data-testid=sent-by]").startswith(
        "script 'weekly export', "
    )
    current = page.locator("nav[aria-label=Main] [aria-current=page]")
    assert current.inner_text().strip() == "My uploads"
    look_at(page, "upload-by-script")

    page.goto("/history/")
    history = page.inner_text("main")
    assert "Script 'weekly export' sent 4 updates" in history
    assert "system" not in history.lower().split()
    look_at(page, "history-script-upload")


def test_an_older_date_than_the_last_sent_is_a_warning_on_the_preview(
    page, alice, team, plan_items
):
    newer = UploadFactory(
        team=team,
        state=Upload.State.SUCCEEDED,
        confirmed_at=timezone.now() - datetime.timedelta(days=3),
    )
    UploadRowFactory(
        upload=newer,
        external_id="SALES-Q4-01",
        status="On Track",
        value="0.45",
        as_of_date=datetime.date(2026, 11, 30),
    )
    older_sent_later = UploadFactory(
        team=team, state=Upload.State.SUCCEEDED, confirmed_at=timezone.now()
    )
    UploadRowFactory(
        upload=older_sent_later,
        external_id="SALES-Q4-01",
        status="At Risk",
        value="0.2",
        as_of_date=datetime.date(2026, 10, 31),
    )

    log_in(page, "alice")
    page.click("nav[aria-label=Main] >> text=Enter updates")
    row = page.locator("[data-testid=entry-row][data-external-id='SALES-Q4-01']")
    assert "Last sent: On Track, 0.45 as of 2026-11-30" in row.inner_text()
    look_at(page, "entry-last-sent")

    row.locator("select").select_option("Achieved")
    row.locator("input[type=text]").fill("0.5")
    row.locator("input[type=date]").fill("2026-11-15")
    page.click("[data-testid=entry-check]")
    page.wait_for_selector("[data-testid=preview]")
    preview = page.inner_text("[data-testid=preview]")
    assert "Ready to send: 1 update" in preview
    assert "is older than the last" in preview
    assert page.locator("[data-testid=confirm]").is_enabled()  # a warning only
    look_at(page, "preview-older-date-warning")


def test_a_form_uploads_page_lights_my_uploads_not_upload(page, alice, plan_items):
    log_in(page, "alice")
    page.click("nav[aria-label=Main] >> text=Enter updates")
    row = page.locator("[data-testid=entry-row][data-external-id='SALES-Q4-01']")
    row.locator("select").select_option("Achieved")
    page.click("[data-testid=entry-check]")
    page.wait_for_selector("[data-testid=preview]")
    current = page.locator("nav[aria-label=Main] [aria-current=page]")
    assert current.inner_text().strip() == "My uploads"
    look_at(page, "form-upload-nav")
