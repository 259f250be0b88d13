"""What AchieveIt answered, seen in a real browser at a laptop's and a phone's
width (issue 19): a succeeded upload shows no error box even after retried 500s,
and a failed one gives AchieveIt's reason in words, with the raw answer folded
away on the upload page and the review page."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from tests.pipeline import Pipeline

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUCCEEDED = (
    "() => document.querySelector('[data-testid=state]').innerText === 'Succeeded'"
)


def test_a_success_after_two_500s_shows_no_error_box_at_either_width(
    page, workers, simulator, plan_items, team, alice
):
    pipeline = Pipeline(workers, simulator)
    simulator.configure(processing_delay=0.5, fail_next_posts=2)
    pipeline.start_worker()
    upload = pipeline.confirm(team, alice)
    pipeline.wait_for_state(upload)
    assert upload.state == "succeeded", upload.error_text

    log_in(page, "alice")
    page.goto(upload.get_absolute_url())
    page.wait_for_function(SUCCEEDED)
    look_at(page, "upload-succeeded-after-retries")
    assert page.locator("[data-testid=achieveit-errors]").count() == 0
    assert page.locator("[data-testid=error-text]").count() == 0
    assert "What AchieveIt said" not in page.inner_text("main")
    # The two refused calls stay listed under "Calls to AchieveIt".
    attempts = page.locator("[data-testid=attempts] tbody tr")
    statuses = [attempts.nth(i).inner_text() for i in range(attempts.count())]
    assert sum("500" in row for row in statuses) == 2, statuses


def test_a_failure_is_said_in_words_and_the_raw_answer_is_one_click_away(
    page, workers, simulator, plan_items, team, alice, operator
):
    pipeline = Pipeline(workers, simulator)
    simulator.configure(processing_delay=0.5, status_verdict="fail")
    pipeline.start_worker()
    upload = pipeline.confirm(team, alice)
    pipeline.wait_for_state(upload)
    assert upload.state == "failed", upload.state

    log_in(page, "alice")
    page.goto(upload.get_absolute_url())
    look_at(page, "upload-failed-in-words")
    problem = page.inner_text("[data-testid=error-text]")
    assert "failed on purpose" in problem
    assert "{" not in problem
    assert "jobId" not in problem
    box = page.locator("[data-testid=achieveit-errors]")
    assert "failed on purpose" in box.inner_text()
    raw = box.locator("[data-testid=raw-answer]")
    assert not raw.locator("pre").is_visible()  # folded until asked for
    raw.locator("summary").click()
    assert '"jobId"' in raw.locator("pre").inner_text()
    look_at(page, "upload-failed-raw-answer-open")

    page.context.clear_cookies()
    log_in(page, "operator", then="/review/")
    card_reason = page.inner_text("[data-testid=reason]")
    assert "failed on purpose" in card_reason
    assert "{" not in card_reason
    look_at(page, "review-queue-failed-in-words")
    page.goto(f"/review/{upload.public_id}/")
    reason = page.inner_text("[data-testid=reason]")
    assert "failed on purpose" in reason
    assert "jobId" not in reason
    folded = page.locator("[data-testid=attempts] [data-testid=raw-answer] pre")
    assert folded.count() >= 1
    assert not folded.first.is_visible()
    look_at(page, "review-upload-failed-in-words")
