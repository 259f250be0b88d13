"""The script API page in a real Chromium: a plan owner finds it in the user menu,
reads both curl commands with the portal's address (each long line scrolls inside
its own box, not the page), follows it to the team's tokens, and the page passes
the accessibility and width checks at a laptop's and a phone's width; a person in
no team is told how to get a token."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def scrolls_inside(page, testid: str) -> bool:
    return page.locator(f"[data-testid={testid}]").evaluate(
        "e => e.scrollWidth > e.clientWidth"
        " && getComputedStyle(e).overflowX !== 'visible'"
    )


def test_a_plan_owner_reads_the_api_page_from_the_user_menu(page, alice, live_server):
    log_in(page, "alice")
    page.get_by_test_id("current-user").click()
    page.get_by_role("link", name="Script API").click()
    page.wait_for_url("**/api/docs/")
    submit = page.get_by_test_id("curl-submit").inner_text()
    assert submit.startswith('curl -L -X POST -H "Authorization: API-KEY <token>"')
    assert submit.endswith("/api/progressupdates/weekly.csv")
    status = page.get_by_test_id("curl-status").inner_text()
    assert status.startswith('curl -LI -XGET -H "Authorization: <token>"')
    assert page.get_by_test_id("answer").count() >= 10
    look_at(page, "api-docs")

    # On a phone the long command scrolls in its box while the page fits.
    page.set_viewport_size({"width": 390, "height": 844})
    assert scrolls_inside(page, "curl-submit")

    page.get_by_test_id("token-page").first.click()
    page.wait_for_url("**/teams/sales/tokens/")


def test_someone_in_no_team_is_told_how_to_get_a_token(page, db):
    make_user("nadia")
    log_in(page, "nadia", then="/api/docs/")
    assert "in no team yet" in page.get_by_test_id("token-pages").inner_text()
    look_at(page, "api-docs-no-team")
