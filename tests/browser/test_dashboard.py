"""The dashboard in a real browser, full: teams with fresh and stale plan items,
drafts and failures needing attention, a chart of the last weeks, recent uploads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory, UploadRowFactory
from uploads.models import PlanItem, Upload

pytestmark = pytest.mark.browser
State = Upload.State


@pytest.fixture
def busy_team(team, alice, plan_items):
    now = timezone.now()
    PlanItem.objects.filter(external_id__in=["SALES-Q4-01", "SALES-Q4-02"]).update(
        last_updated_at=now - timedelta(days=2)
    )
    states = [State.SUCCEEDED] * 6 + [State.FAILED, State.NEEDS_REVIEW, State.CANCELED]
    for weeks_ago in range(8):
        for index, state in enumerate(states[: 3 + weeks_ago % 5]):
            upload = UploadFactory(
                team=team,
                created_by=alice,
                state=state if weeks_ago else State.SUCCEEDED,
                original_name=f"week-{weeks_ago:02d}-{index}.csv",
            )
            Upload.objects.filter(pk=upload.pk).update(
                created_at=now - timedelta(weeks=weeks_ago, hours=index)
            )
    UploadFactory(team=team, created_by=alice, state=State.FAILED)
    UploadFactory(team=team, created_by=alice, original_name="week 48 draft.csv")
    return team


def test_a_busy_teams_dashboard_shows_what_needs_doing(page, busy_team):
    log_in(page, "alice")

    assert "2 of 4" in page.inner_text("[data-testid=team-sales]")
    assert "week 48 draft.csv" in page.inner_text("[data-testid=drafts]")
    assert page.locator("[data-testid=problems] a").count() >= 1
    # The chart is drawn from the same figures as its table.
    page.wait_for_function(
        "() => document.querySelector('canvas[data-chart]').width > 0"
    )
    # It leads with what failed, and the numbers a plan owner acts on.
    assert "failed or wait" in page.inner_text("[data-testid=next-step]")
    assert page.inner_text("[data-testid=number-to-update] .stat-number") == "2"
    look_at(page, "dashboard-full")


def test_a_first_time_uploader_starts_with_this_weeks_updates(page, alice, plan_items):
    log_in(page, "alice")
    lead = page.locator("[data-testid=next-step]")
    assert "Enter this week's updates" in lead.locator("h2").inner_text()
    look_at(page, "dashboard-first-time")
    lead.locator("[data-testid=next-step-action]").click()
    page.wait_for_url("**/teams/sales/entry/")


def test_a_one_point_chart_starts_at_zero(page, alice, team, plan_items):
    """A plan item with one update: its value axis is not 0.425 to 0.475."""
    upload = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    UploadRowFactory(upload=upload, external_id="SALES-Q4-01", value="0.45")
    log_in(page, "alice", then="/items/SALES-Q4-01/")
    page.wait_for_selector("canvas[data-trend][data-drawn]")
    scale = page.evaluate(
        "() => { const canvas = document.querySelector('canvas[data-trend]');"
        " const chart = Chart.getChart(canvas);"
        " return [chart.scales.value.min, chart.scales.value.max]; }"
    )
    assert scale[0] == 0
    assert scale[1] >= 1


def test_an_operator_sees_every_team_on_the_dashboard(
    page, busy_team, operator, other_team
):
    log_in(page, "operator")
    teams = page.inner_text("[data-testid=teams]")
    assert "Sales" in teams
    assert "Finance" in teams
    look_at(page, "dashboard-operator")
