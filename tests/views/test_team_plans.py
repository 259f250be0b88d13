"""The team page's linked AchieveIt plans: link, remove, sync with a preview."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulator.config import SimulatorConfig
from simulator.server import serve_in_thread
from tests.helpers import make_user
from uploads.models import Membership, PlanItem, TeamPlan

API_KEY = "sim-team-plans-key-3a7f"
SEED = {
    "plans": [
        {
            "id": "plan-fy27",
            "items": [
                {"externalId": "SALES-Q4-01", "name": "Pipeline (AchieveIt)"},
                {"externalId": "SALES-NEW", "name": "A new item"},
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


@pytest.fixture
def manager_client(client, team, plan_items):
    client.force_login(make_user("mona", team, Membership.Role.MANAGER))
    return client


def test_a_manager_links_a_plan_and_sees_it_on_the_team_page(manager_client, team):
    response = manager_client.post(
        f"/teams/{team.slug}/manage/plans/link/", {"plan_id": "plan-fy27"}
    )
    assert response.status_code == 302
    page = manager_client.get(f"/teams/{team.slug}/manage/").content.decode()
    assert "Linked AchieveIt plans" in page
    assert "plan-fy27" in page
    assert "Sync from AchieveIt" in page


def test_an_uploader_or_another_team_gets_a_404(client, team, alice, charlie):
    for user in (alice, charlie):
        client.force_login(user)
        response = client.post(
            f"/teams/{team.slug}/manage/plans/link/", {"plan_id": "plan-fy27"}
        )
        assert response.status_code == 404
        assert client.get(f"/teams/{team.slug}/manage/plans/sync/").status_code == 404
    assert not TeamPlan.objects.exists()


def test_the_sync_shows_a_preview_and_applies_on_confirm(sim, manager_client, team):
    TeamPlan.objects.create(team=team, plan_id="plan-fy27")
    preview = manager_client.get(f"/teams/{team.slug}/manage/plans/sync/")
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "SALES-NEW" in text
    assert "“Q4 pipeline coverage” → “Pipeline (AchieveIt)”" in text
    assert "Give it one in AchieveIt" in text
    assert not PlanItem.objects.filter(external_id="SALES-NEW").exists()
    assert "it does not read AchieveIt again" in text
    done = manager_client.post(
        f"/teams/{team.slug}/manage/plans/sync/",
        {"preview": _token(text)},
        follow=True,
    )
    assert "Synced from AchieveIt: 1 new, 1 updated" in done.content.decode()
    assert PlanItem.objects.filter(external_id="SALES-NEW", team=team).exists()


def test_the_sync_leaves_out_another_teams_id_without_saying_whose(
    settings, manager_client, team, other_team
):
    PlanItem.objects.create(team=other_team, external_id="FIN-TAKEN", name="Theirs")
    seed = {"plans": [{"id": "plan-x", "items": [{"externalId": "FIN-TAKEN"}]}]}
    server = serve_in_thread(SimulatorConfig(api_key=API_KEY, plans=seed))
    settings.ACHIEVEIT_BASE_URL = server.base_url
    settings.ACHIEVEIT_API_KEY = API_KEY
    TeamPlan.objects.create(team=team, plan_id="plan-x")
    try:
        text = manager_client.get(f"/teams/{team.slug}/manage/plans/sync/").content
    finally:
        server.stop()
    page = text.decode()
    assert (
        "<code>FIN-TAKEN</code> cannot be added to this team's plan items. "
        "Check the External ID; if it is right, ask an operator." in page
    )
    assert "another team" not in page


def _token(page: str) -> str:
    found = re.search(r'name="preview" value="([0-9a-f]{32})"', page)
    assert found, "the preview's form holds no token"
    return found.group(1)


def test_the_confirmation_applies_the_preview_shown_not_a_second_read(
    sim, manager_client, team
):
    TeamPlan.objects.create(team=team, plan_id="plan-fy27")
    text = manager_client.get(f"/teams/{team.slug}/manage/plans/sync/").content
    # AchieveIt changes between the preview and the confirmation.
    requests.post(
        f"{sim.base_url}/_simulator/plans",
        json={"plans": [{"id": "plan-fy27", "items": [{"externalId": "LATE-1"}]}]},
        timeout=5,
    ).raise_for_status()
    token = _token(text.decode())
    done = manager_client.post(
        f"/teams/{team.slug}/manage/plans/sync/", {"preview": token}, follow=True
    )
    assert "Synced from AchieveIt: 1 new, 1 updated" in done.content.decode()
    assert PlanItem.objects.filter(external_id="SALES-NEW").exists()
    assert not PlanItem.objects.filter(external_id="LATE-1").exists()
    # The kept read is gone once applied: confirming twice applies nothing.
    again = manager_client.post(
        f"/teams/{team.slug}/manage/plans/sync/", {"preview": token}, follow=True
    )
    assert "This preview is no longer here" in again.content.decode()


def test_a_confirmation_without_its_preview_changes_nothing(sim, manager_client, team):
    TeamPlan.objects.create(team=team, plan_id="plan-fy27")
    for token in ("", "0" * 32, "../../etc"):
        done = manager_client.post(
            f"/teams/{team.slug}/manage/plans/sync/", {"preview": token}, follow=True
        )
        assert "This preview is no longer here" in done.content.decode()
    assert not PlanItem.objects.filter(external_id="SALES-NEW").exists()


def test_a_plan_the_key_cannot_see_is_one_message_and_changes_nothing(
    sim, manager_client, team
):
    TeamPlan.objects.create(team=team, plan_id="plan-fy27")
    requests.post(
        f"{sim.base_url}/_simulator/config",
        json={"hidden_plans": ["plan-fy27"]},
        timeout=5,
    ).raise_for_status()
    page = manager_client.get(f"/teams/{team.slug}/manage/plans/sync/", follow=True)
    text = page.content.decode()
    assert "Nothing changed: AchieveIt refused to show plan plan-fy27 (HTTP 403)" in (
        text
    )
    assert not PlanItem.objects.filter(external_id="SALES-NEW").exists()


def test_removing_a_plan_keeps_the_items(manager_client, team):
    TeamPlan.objects.create(team=team, plan_id="plan-fy27")
    manager_client.post(
        f"/teams/{team.slug}/manage/plans/remove/", {"plan_id": "plan-fy27"}
    )
    assert not TeamPlan.objects.exists()
    assert PlanItem.objects.filter(team=team).count() == 4


def test_the_wrong_method_is_refused(manager_client, team):
    assert (
        manager_client.get(f"/teams/{team.slug}/manage/plans/link/").status_code == 405
    )
