"""A plan owner enters updates in the form, checks them on the preview and sends
them through a real worker to the simulator; the form's empty and error states."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory, UploadRowFactory
from tests.pipeline import Pipeline
from uploads.models import Upload

pytestmark = [pytest.mark.browser]


def row(page, external_id: str):
    return page.locator(f"[data-testid=entry-row][data-external-id='{external_id}']")


def open_the_form(page) -> None:
    page.click("nav[aria-label=Main] >> text=Enter updates")
    page.wait_for_selector("[data-testid=entry-grid]")


@pytest.mark.slow
def test_a_plan_owner_enters_two_updates_and_sends_them(
    page, workers, simulator, plan_items, team, alice
):
    pipeline = Pipeline(workers, simulator)
    simulator.configure(processing_delay=1)
    pipeline.start_worker()
    sent = UploadFactory(team=team, state=Upload.State.SUCCEEDED)
    UploadRowFactory(upload=sent, external_id="SALES-Q4-01", status="On Track")
    log_in(page, "alice")
    open_the_form(page)
    assert row(page, "SALES-Q4-01").locator("select").input_value() == "On Track"
    assert row(page, "SALES-Q4-01").locator("input[type=text]").input_value() == "0.45"
    assert page.url.endswith("/teams/sales/entry/")
    look_at(page, "entry-full")

    row(page, "SALES-Q4-02").locator("select").select_option("At Risk")
    row(page, "SALES-Q4-02").locator("input[type=text]").fill("45%")
    row(page, "IT-MIGRATION").locator("select").select_option("Achieved")
    page.click("[data-testid=entry-check]")

    page.wait_for_selector("[data-testid=preview]")
    preview = page.inner_text("[data-testid=preview]")
    assert "Ready to send: 2 updates" in preview
    assert "Row 4 (SALES-Q4-02), Current Value: 45% was converted to 0.45" in preview
    page.click("[data-testid=confirm]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=state]').innerText === 'Succeeded'",
        timeout=40_000,
    )
    upload = Upload.objects.get(source=Upload.Source.FORM)
    assert (upload.source, upload.created_by) == (Upload.Source.FORM, alice)
    [post] = pipeline.posts()
    assert post["body"].splitlines()[1:] == [
        f"IT-MIGRATION,Achieved,,{upload.rows.first().as_of_date:%Y-%m-%d}",
        f"SALES-Q4-02,At Risk,0.45,{upload.rows.first().as_of_date:%Y-%m-%d}",
    ]


def test_a_team_without_plan_items_says_what_to_do(page, alice):
    log_in(page, "alice")
    page.click("nav[aria-label=Main] >> text=Enter updates")
    page.wait_for_selector("[data-testid=entry-empty]")
    assert "no active plan items yet" in page.inner_text("[data-testid=entry-empty]")
    look_at(page, "entry-empty")


def test_the_form_says_what_to_fix_and_keeps_what_was_entered(page, plan_items, alice):
    log_in(page, "alice")
    open_the_form(page)

    page.click("[data-testid=entry-check]")
    assert "Nothing was changed" in page.inner_text("[data-testid=entry-nothing]")
    look_at(page, "entry-nothing-changed")

    # A status the list does not offer (a page from before the list changed).
    row(page, "SALES-Q4-01").locator("select").evaluate(
        "select => { select.add(new Option('Done', 'Done')); select.value = 'Done'; }"
    )
    row(page, "SALES-Q4-01").locator("input[type=text]").fill("0.75")
    row(page, "HR-RETENTION").locator("select").select_option("Achieved")
    row(page, "HR-RETENTION").locator("input[type=text]").fill("0.93")
    page.click("[data-testid=entry-check]")
    page.wait_for_selector("[data-testid=entry-invalid]")
    assert "'Done' is not an AchieveIt status" in row(page, "SALES-Q4-01").inner_text()
    assert row(page, "SALES-Q4-01").locator("select").input_value() == "Done"
    assert row(page, "SALES-Q4-01").locator("input[type=text]").input_value() == (
        "0.75"
    )
    assert row(page, "HR-RETENTION").locator("select").input_value() == "Achieved"
    look_at(page, "entry-invalid")

    # Fixed, it goes to the preview, where the CSV rules speak.
    row(page, "SALES-Q4-01").locator("select").select_option("On Track")
    row(page, "SALES-Q4-01").locator("input[type=text]").fill("")
    page.click("[data-testid=entry-check]")
    errors = page.inner_text("[data-testid=errors]")
    assert "Row 3 (SALES-Q4-01), Current Value:" in errors
    assert "has a metric, so its update needs a Current Value" in errors
    assert Upload.objects.get().row_count == 1  # HR-RETENTION
