"""A plan owner finds an item's uploads in the history, pages through it, and
exports what they found as a CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.checks import log_in, look_at
from tests.helpers import make_user
from tests.views.test_history import many_events, sales_and_finance_history
from uploads.models import AuditEvent, Membership, Team
from uploads.services.audit import audit

pytestmark = pytest.mark.browser

FORMULA = '=HYPERLINK("http://evil.example/","Click for details")'


def sentences(page) -> list[str]:
    return page.locator("[data-testid=sentence]").all_inner_texts()


def test_a_plan_owner_filters_pages_and_exports_the_history(
    page, team, other_team, alice, charlie, operator, tmp_path
):
    sales, _ = sales_and_finance_history(team, other_team, alice, charlie, operator)
    audit(
        action=AuditEvent.Action.UPLOAD_RESOLVED,
        upload=sales,
        actor=operator,
        note=FORMULA,
    )
    many_events(team, 70)  # older than the rest: they fill the later pages
    log_in(page, "alice", then="/history/")
    assert len(sentences(page)) == 50
    look_at(page, "history-full")

    # Page through: older, then back to newer, nothing lost on the way.
    first = sentences(page)
    page.click("[data-testid=older]")
    second = sentences(page)
    assert len(second) == 26  # 76 of the sales team's events in all
    assert not set(first) & set(second)
    page.click("[data-testid=newer]")
    assert sentences(page) == first

    # Filter by an External ID: the events of the uploads that carried it.
    page.fill("input[name=external_id]", "SALES-Q4-01")
    page.click("button[type=submit]:has-text('Apply filters')")
    page.wait_for_url("**external_id=SALES-Q4-01**")
    assert sentences(page) == [
        f"operator resolved: {FORMULA}",
        "operator resolved: checked in AchieveIt",
        "Sending failed: AchieveIt said 400",
        "AchieveIt accepted job 73a0b6",
        "alice sent 4 updates",
        "alice checked a file (4 updates, 2 errors)",
    ]
    look_at(page, "history-filtered")

    # Export exactly these, and open the file as a spreadsheet would.
    with page.expect_download() as download_info:
        page.click("[data-testid=export]")
    path = tmp_path / "history.csv"
    download_info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [row["description"] for row in rows] == sentences(page)
    assert rows[0]["details"] == "'" + FORMULA  # text, not a formula
    assert rows[0]["time"].endswith("+00:00")

    # Nothing matches: say so, and offer the way back.
    page.fill("input[name=person]", "nobody")
    page.click("button[type=submit]:has-text('Apply filters')")
    assert page.inner_text("[data-testid=empty]").startswith(
        "No events match these filters"
    )
    look_at(page, "history-no-match")
    page.click("[data-testid=empty] a:has-text('clear the filters')")
    assert len(sentences(page)) == 50


def test_a_filter_it_cannot_use_is_explained_on_the_page(page, team, alice):
    log_in(page, "alice", then="/history/")
    page.goto("/history/?date_from=2026-03-05&date_to=2026-03-01")
    assert "comes before the start date" in page.inner_text("[data-testid=filters]")
    assert page.locator("[data-testid=filter-errors]").is_visible()
    look_at(page, "history-invalid")


def test_a_new_team_is_told_to_upload_a_file(page, db):
    newcomers = Team.objects.create(slug="newcomers", name="Newcomers")
    make_user("nina", newcomers, Membership.Role.UPLOADER)
    log_in(page, "nina", then="/history/")
    assert page.inner_text("[data-testid=empty]").startswith(
        "Nothing has happened yet: upload a file to start"
    )
    look_at(page, "history-empty")
