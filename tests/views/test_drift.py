"""Items updated in AchieveIt directly (issue 18): marked on their page and on
the dashboard; AchieveIt's last update counts for stale where the team syncs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.helpers import make_user
from uploads.models import Membership, PlanItem
from uploads.selectors.items import last_updates

DAY = timedelta(days=1)


def synced(external_id: str, *, portal=None, achieveit=None, **fields) -> PlanItem:
    """Write what the portal processed and what the last sync read."""
    PlanItem.objects.filter(external_id=external_id).update(
        last_updated_at=portal,
        achieveit_last_updated=achieveit,
        achieveit_status=fields.pop("status", "On Track"),
        achieveit_plan_id="plan-fy27",
        read_at=timezone.now(),
        **fields,
    )
    return PlanItem.objects.get(external_id=external_id)


@pytest.fixture
def now():
    return timezone.now()


def test_the_item_page_marks_an_update_made_in_achieveit(
    client, alice, plan_items, now
):
    synced(
        "SALES-Q4-01",
        portal=now - 3 * DAY,
        achieveit=now - DAY,
        status="At Risk",
        assignee_name="Alice Owner",
        assignee_email="alice@example.org",
    )
    client.force_login(alice)
    page = client.get("/items/SALES-Q4-01/").content.decode()
    assert 'data-testid="updated-in-achieveit"' in page
    assert "Updated in AchieveIt directly" in page
    assert "At Risk" in page
    assert "Alice Owner" in page


def test_an_item_the_portal_updated_last_is_not_marked(client, alice, plan_items, now):
    synced("SALES-Q4-01", portal=now - DAY, achieveit=now - 2 * DAY)
    unsynced = PlanItem.objects.get(external_id="SALES-Q4-02")
    assert not unsynced.updated_in_achieveit_directly
    client.force_login(alice)
    for external_id in ("SALES-Q4-01", "SALES-Q4-02"):
        page = client.get(f"/items/{external_id}/").content.decode()
        assert 'data-testid="updated-in-achieveit"' not in page


def test_the_dashboard_lists_items_updated_in_achieveit(client, alice, plan_items, now):
    synced("SALES-Q4-01", portal=None, achieveit=now - DAY)
    synced("SALES-Q4-02", portal=now - DAY, achieveit=now - 2 * DAY)
    client.force_login(alice)
    page = client.get("/").content.decode()
    block = page.split('data-testid="updated-in-achieveit"')[1].split("</section>")[0]
    assert "1 plan item shows a newer update in AchieveIt" in block
    assert "SALES-Q4-01" in block
    assert "SALES-Q4-02" not in block


def test_the_dashboard_has_no_such_block_without_drift(client, alice, plan_items):
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert 'data-testid="updated-in-achieveit"' not in page


def test_another_teams_drift_is_not_shown(client, alice, plan_items, now):
    synced("FIN-CLOSE", portal=None, achieveit=now - DAY)
    client.force_login(alice)
    assert "FIN-CLOSE" not in client.get("/").content.decode()


def test_stale_uses_achieveits_last_update_where_the_team_syncs(
    client, team, plan_items, now
):
    team.stale_after_days = 14
    team.save()
    # Never sent from the portal, but updated in AchieveIt 2 days ago: not stale.
    synced("SALES-Q4-01", portal=None, achieveit=now - 2 * DAY)
    # Sent 30 days ago, AchieveIt's last update 20 days ago: still stale.
    synced("SALES-Q4-02", portal=now - 30 * DAY, achieveit=now - 20 * DAY)
    # Sent 3 days ago, AchieveIt's date older: the portal's date counts.
    synced("HR-RETENTION", portal=now - 3 * DAY, achieveit=now - 40 * DAY)
    standings = {
        standing.item.external_id: standing.stale
        for standing in last_updates(PlanItem.objects.filter(team=team), now=now)
    }
    assert standings == {
        "SALES-Q4-01": False,
        "SALES-Q4-02": True,
        "HR-RETENTION": False,
        "IT-MIGRATION": True,
    }
    client.force_login(make_user("vera", team, Membership.Role.VIEWER))
    page = client.get("/").content.decode()
    assert "2 stale: not updated in 14 days" in page
    stale = page.split('data-testid="stale-sales"')[1].split("</ul>")[0]
    assert "SALES-Q4-02" in stale
    assert "IT-MIGRATION" in stale
    assert "SALES-Q4-01" not in stale
    assert "HR-RETENTION" not in stale
