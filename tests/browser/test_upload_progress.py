"""A person watches their upload reach AchieveIt's verdict without reloading."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in
from tests.pipeline import Pipeline

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_badge_follows_the_upload_to_its_verdict(
    page, workers, simulator, plan_items, team, alice
):
    pipeline = Pipeline(workers, simulator)
    simulator.configure(processing_delay=3)
    upload = pipeline.confirm(team, alice)  # queued: no worker yet
    log_in(page, "alice")
    page.goto(upload.get_absolute_url())
    assert page.inner_text("[data-testid=state]") == "Queued"

    pipeline.start_worker()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=state]').innerText === 'Succeeded'",
        timeout=40_000,
    )
    attempts = page.inner_text("[data-testid=attempts]")
    assert "queued the file as job" in attempts
    assert "successfully" in attempts


def test_a_plan_owner_fixes_a_messy_file_and_sends_it(
    page, workers, simulator, plan_items, team, alice, tmp_path
):
    from tests.helpers import MESSY_CSV

    pipeline = Pipeline(workers, simulator)
    simulator.configure(processing_delay=1)
    pipeline.start_worker()
    messy = tmp_path / "export.csv"
    messy.write_bytes(MESSY_CSV)
    log_in(page, "alice")

    page.click("[data-testid=upload-sales]")
    page.set_input_files("input[type=file]", str(messy))
    page.click("input[type=submit], button[type=submit][name=check]")

    errors = page.inner_text("[data-testid=errors]")
    assert "Row 5, Status: 'Acheived' is not an AchieveIt status" in errors
    assert "Did you mean 'Achieved'?" in errors
    assert "Row 6, As Of Date" in errors
    assert page.locator("[data-testid=confirm]").count() == 0

    page.click("[data-testid=exclude-invalid]")
    page.click("[data-testid=confirm]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=state]').innerText === 'Succeeded'",
        timeout=40_000,
    )
    assert len(pipeline.posts()) == 1
    assert pipeline.posts()[0]["body"].count("\n") == 3  # header and two rows


def test_a_big_file_is_checked_by_a_worker_while_its_page_waits(
    page, workers, plan_items, alice, tmp_path, settings
):
    from tests.browser.checks import look_at
    from tests.helpers import MESSY_CSV

    settings.CHECK_IN_WORKER_BYTES = 10  # every file counts as big here
    messy = tmp_path / "export.csv"
    messy.write_bytes(MESSY_CSV)
    log_in(page, "alice")
    page.click("[data-testid=upload-sales]")
    page.set_input_files("input[type=file]", str(messy))
    page.click("input[type=submit], button[type=submit][name=check]")

    # No worker yet: the file is kept and the page says it is being checked.
    assert page.inner_text("[data-testid=state]") == "Checking"
    assert "being checked" in page.inner_text("[data-testid=summary]")
    assert page.locator("[data-testid=rows-checked]").count() == 1
    look_at(page, "upload-checking")

    workers.start(beat=False)
    page.wait_for_selector("[data-testid=errors]", timeout=40_000)
    assert page.inner_text("[data-testid=state]") == "Draft"
    assert "Did you mean 'Achieved'?" in page.inner_text("[data-testid=errors]")
