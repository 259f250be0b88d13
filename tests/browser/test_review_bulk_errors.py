"""A bulk action refused (a resolve without its outcome) keeps the bulk row in line: the
error grows its own field's column, the inputs and the Apply button stay on one
line at 1366 px (issue 19), and the page holds at 390 px."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory
from uploads.models import Upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_bulk_error_keeps_its_row_in_line(page, team, alice, operator):
    UploadFactory(team=team, created_by=alice, state=Upload.State.FAILED)
    log_in(page, operator.username, then="/review/")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("[data-testid=queue-item] input[type=checkbox]").first.check()
    page.select_option("[data-testid=bulk-row] select[name=action]", "resolve")
    # A reason but no outcome: the server refuses, with the error under Outcome.
    page.fill("[data-testid=bulk-row] [name=text]", "Checked in AchieveIt")
    page.click("[data-testid=bulk-apply]")
    page.wait_for_selector("[data-testid=bulk-errors]")
    row = page.locator("[data-testid=bulk-row]")
    assert row.locator(".invalid-feedback, .is-invalid").count() >= 1
    tops = [
        round(row.locator(selector).first.bounding_box()["y"])
        for selector in (
            "select[name=action]",
            "[name=text]",
            "select[name=outcome]",
            "[data-testid=bulk-apply]",
        )
    ]
    assert max(tops) - min(tops) <= 4, tops
    look_at(page, "review-bulk-error")
