"""Plan items in a real Chromium: the list, an item with updates and its chart, an
item with none, each passing the accessibility and width checks."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.checks import log_in, look_at
from tests.factories import PlanItemFactory, UploadFactory, UploadRowFactory
from uploads.models import Upload

pytestmark = pytest.mark.browser

# Whether the chart put any paint on its canvas.
CANVAS_HAS_PIXELS = """(canvas) => {
  const context = canvas.getContext('2d');
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let alpha = 3; alpha < pixels.length; alpha += 4) {
    if (pixels[alpha] !== 0) return true;
  }
  return false;
}"""


@pytest.fixture
def updates(team, plan_items) -> None:
    """Six weekly updates of SALES-Q4-01, one still on its way; an odd ID with one."""
    statuses = [
        "Not Started",
        "At Risk",
        "At Risk",
        "On Track",
        "On Track",
        "Off Track",
    ]
    for week, status in enumerate(statuses):
        upload = UploadFactory(
            team=team,
            state=Upload.State.PROCESSING if week == 5 else Upload.State.SUCCEEDED,
            confirmed_at=timezone.now() - timedelta(weeks=5 - week),
        )
        UploadRowFactory(
            upload=upload,
            external_id="SALES-Q4-01",
            status=status,
            value=f"{0.1 * week + 0.05:.2f}",
            as_of_date=datetime.date(2026, 9, 26) + timedelta(weeks=week),
        )
    odd = PlanItemFactory(
        team=team, external_id="Q4 goal/2026 #3", name="A goal with an odd ID"
    )
    UploadRowFactory(
        upload=UploadFactory(
            team=team, state=Upload.State.SUCCEEDED, confirmed_at=timezone.now()
        ),
        external_id=odd.external_id,
        status="Achieved",
        value="",
    )


def test_a_plan_owner_finds_an_item_and_its_chart(page, alice, updates):
    log_in(page, "alice")
    page.get_by_role("link", name="Plan items").first.click()
    page.wait_for_selector("[data-testid=plan-items]")
    table = page.inner_text("[data-testid=plan-items]")
    assert "SALES-Q4-01" in table
    assert "Off Track" in table
    assert "Stale" in table  # the items nothing was sent for
    look_at(page, "plan-items")

    page.fill("input[name=q]", "q4 goal")
    page.click("form[role=search] button[type=submit]")
    page.get_by_role("link", name="Q4 goal/2026 #3").click()
    page.wait_for_selector("[data-testid=updates]")
    assert "Achieved" in page.inner_text("[data-testid=updates]")

    page.goto("/items/")
    page.get_by_role("link", name="SALES-Q4-01").click()
    canvas = page.wait_for_selector("canvas[data-drawn=true]")
    assert canvas.evaluate(CANVAS_HAS_PIXELS)
    assert "6 updates from 2026-09-26 to 2026-10-31" in page.inner_text(
        "[data-testid=trend-summary]"
    )
    assert page.locator("[data-testid=updates] tbody tr").count() == 6
    look_at(page, "plan-item")


def test_an_item_with_no_updates_says_how_to_send_one(page, alice, plan_items):
    log_in(page, "alice")
    page.goto("/items/HR-RETENTION/")
    empty = page.inner_text("[data-testid=empty]")
    assert "No update has been sent for this item yet" in empty
    assert page.locator("canvas").count() == 0
    look_at(page, "plan-item-empty")
    page.get_by_role("link", name="Upload", exact=True).click()
    page.wait_for_url("**/teams/sales/upload/")


def test_a_person_without_items_is_told_what_to_do(page, bob):
    log_in(page, "bob")
    page.goto("/items/")
    assert "Your teams have no plan items yet" in page.inner_text("[data-testid=empty]")
    look_at(page, "plan-items-empty")
