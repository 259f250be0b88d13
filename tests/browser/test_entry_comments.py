"""A comment typed in the entry form travels with its update: shown on the
preview, sent to the simulator in the Comment column, and listed on the plan
item's page (issue 16)."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from tests.pipeline import Pipeline
from uploads.models import Upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMMENT = 'Two deals slipped, one "maybe" to January'


def test_a_comment_typed_in_the_form_reaches_achieveit_and_the_items_page(
    page, workers, simulator, plan_items, alice
):
    pipeline = Pipeline(workers, simulator)
    simulator.configure(processing_delay=1)
    pipeline.start_worker()
    log_in(page, "alice")
    page.click("nav[aria-label=Main] >> text=Enter updates")
    page.wait_for_selector("[data-testid=entry-grid]")
    row = page.locator("[data-testid=entry-row][data-external-id='SALES-Q4-02']")

    row.locator("select").select_option("At Risk")
    row.locator("input[type=text]").fill("0.3")
    row.get_by_label("Comment").fill(COMMENT)
    # Checked from the top, as a person sees it (the header no longer over a row).
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("body").click(position={"x": 1, "y": 1})
    look_at(page, "entry-comment")
    page.click("[data-testid=entry-check]")

    page.wait_for_selector("[data-testid=preview]")
    assert COMMENT in page.inner_text("[data-testid=updates]")
    page.click("[data-testid=confirm]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=state]').innerText === 'Succeeded'",
        timeout=40_000,
    )
    upload = Upload.objects.get(source=Upload.Source.FORM)
    [post] = pipeline.posts()
    assert post["body"].splitlines() == [
        "External ID,Status,Current Value,As Of Date,Comment",
        f"SALES-Q4-02,At Risk,0.3,{upload.rows.get().as_of_date:%Y-%m-%d},"
        '"Two deals slipped, one ""maybe"" to January"',
    ]
    assert post["state"] == "succeeded"

    page.goto(page.url.split("/uploads/")[0] + "/items/SALES-Q4-02/")
    page.wait_for_selector("[data-testid=updates]")
    assert page.inner_text("[data-testid=update-comment]") == COMMENT
    look_at(page, "plan-item-comment")
