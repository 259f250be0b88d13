"""The team page's 'Linked AchieveIt plans' card in a real Chromium: a manager
links a plan seeded in the simulator, syncs with a preview and confirms; the
team's items then come from AchieveIt. The team's weekly reminders are turned on
there, and a person turns their own off at /reminders/. Each page passes the
accessibility and width checks (1366 and 390 pixels)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.config import SimulatorConfig
from simulator.server import serve_in_thread
from tests.browser.checks import log_in, look_at
from tests.helpers import make_user
from uploads.models import Membership, PlanItem, TeamPlan

pytestmark = pytest.mark.browser

API_KEY = "sim-browser-plans-key-5d1e"
SEED = {
    "plans": [
        {
            "id": "plan-fy27",
            "items": [
                {
                    "externalId": "SALES-Q4-01",
                    "name": "Pipeline coverage (AchieveIt)",
                    "assignedToFullName": "Alice Owner",
                    "assignedToEmailAddress": "alice@example.com",
                },
                {"externalId": "SALES-NEW", "name": "A new item from AchieveIt"},
                {"name": "No code yet"},
            ],
        }
    ]
}


@pytest.fixture
def sim(settings: Any) -> Iterator[Any]:
    server = serve_in_thread(SimulatorConfig(api_key=API_KEY, plans=SEED))
    settings.ACHIEVEIT_BASE_URL = server.base_url
    settings.ACHIEVEIT_API_KEY = API_KEY
    yield server
    server.stop()


def test_a_manager_links_a_plan_syncs_with_a_preview_and_confirms(
    page, team, plan_items, sim
):
    make_user("maria", team, Membership.Role.MANAGER)
    log_in(page, "maria", then=f"/teams/{team.slug}/manage/")
    page.wait_for_selector("[data-testid=plans-card]")
    assert "No plan linked" in page.inner_text("[data-testid=plans-empty]")
    look_at(page, "team-plans-empty")

    page.fill("#plan-id", "plan-fy27")
    page.locator("[data-testid=plan-link]").click()
    page.wait_for_selector("text=Linked the AchieveIt plan plan-fy27")
    assert "plan-fy27" in page.inner_text("[data-testid=plans]")
    assert TeamPlan.objects.filter(team=team, plan_id="plan-fy27").exists()
    look_at(page, "team-plans-linked")

    page.locator("[data-testid=plan-sync]").click()
    page.wait_for_selector("[data-testid=sync-summary]")
    assert page.inner_text("[data-testid=sync-new]") == "1 new"
    assert page.inner_text("[data-testid=sync-renamed]") == "1 renamed"
    assert "SALES-NEW" in page.inner_text("[data-testid=sync-new-list]")
    assert "Give it one in AchieveIt" in page.inner_text(
        "[data-testid=sync-without-id]"
    )
    assert not PlanItem.objects.filter(external_id="SALES-NEW").exists()
    look_at(page, "team-plans-preview")

    page.locator("[data-testid=sync-apply]").click()
    page.wait_for_selector("text=Synced from AchieveIt: 1 new, 1 updated")
    item = PlanItem.objects.get(external_id="SALES-Q4-01")
    assert item.name == "Pipeline coverage (AchieveIt)"
    assert item.assignee_email == "alice@example.com"
    assert PlanItem.objects.filter(external_id="SALES-NEW", team=team).exists()
    # The team's items no plan shows are flagged, not deactivated.
    missing = page.inner_text("[data-testid=plans-missing]")
    assert "3 plan items of the team are in no linked plan" in missing
    assert PlanItem.objects.filter(team=team, active=True).count() == 5
    look_at(page, "team-plans-synced")


def test_a_manager_turns_reminders_on_and_a_person_turns_theirs_off(page, team):
    make_user("maria", team, Membership.Role.MANAGER)
    log_in(page, "maria", then=f"/teams/{team.slug}/manage/")
    page.locator("[data-testid=reminders-on]").check()
    page.select_option("#reminder-weekday", "2")
    page.locator("[data-testid=reminders-save]").click()
    page.wait_for_selector("text=Reminders are on: every Wednesday")
    team.refresh_from_db()
    assert (team.reminders_on, team.reminder_weekday) == (True, 2)

    page.goto("/reminders/")
    assert "Sales (Wednesday)" in page.inner_text("[data-testid=reminder-teams]")
    look_at(page, "my-reminders-on")
    page.locator("[data-testid=reminder-switch]").click()
    page.wait_for_selector("text=You will get no more reminder emails.")
    assert "You turned them off" in page.inner_text("[data-testid=reminder-state]")
    look_at(page, "my-reminders-off")
