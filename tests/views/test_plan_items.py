"""The plan items page (/items/): each of the person's teams' items with the last
update sent for it, its verdict, how long ago, and a Stale badge; filters by team
and by External ID or name; the same number of queries for 3 items as for 50;
everything for staff, nothing of other teams, the login page for anyone else."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanItemFactory, UploadFactory, UploadRowFactory
from tests.helpers import login_url
from uploads.models import PlanItem, Team, Upload

State = Upload.State


def sent(
    team: Team,
    external_id: str,
    *,
    days_ago: int,
    state: str = State.SUCCEEDED,
    status: str = "On Track",
    value: str = "0.5",
    as_of: datetime.date = datetime.date(2026, 10, 31),
) -> Upload:
    """An upload of one update, confirmed `days_ago` days ago."""
    upload = UploadFactory(
        team=team, state=state, confirmed_at=timezone.now() - timedelta(days=days_ago)
    )
    UploadRowFactory(
        upload=upload,
        external_id=external_id,
        status=status,
        value=value,
        as_of_date=as_of,
    )
    return upload


def rows_of(page: str) -> list[str]:
    return page.split('data-testid="item-row"')[1:]


def row_for(page: str, external_id: str) -> str:
    [row] = [row for row in rows_of(page) if f">{external_id}</a>" in row]
    return row


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/items/")
    assert response.status_code == 302
    assert response["Location"] == login_url("/items/")


def test_a_viewer_sees_their_teams_items_and_no_other_teams(client, bob, plan_items):
    client.force_login(bob)
    response = client.get("/items/")
    page = response.content.decode()
    assert response.status_code == 200
    assert [row.split("</a>")[0].rsplit(">", 1)[1] for row in rows_of(page)] == [
        "HR-RETENTION",
        "IT-MIGRATION",
        "SALES-Q4-01",
        "SALES-Q4-02",
    ]
    assert "FIN-CLOSE" not in page
    assert "Q4 pipeline coverage" in page


def test_an_uploader_sees_the_same_list(client, alice, plan_items):
    client.force_login(alice)
    page = client.get("/items/").content.decode()
    assert len(rows_of(page)) == 4


def test_another_teams_member_sees_only_their_own(client, charlie, plan_items):
    client.force_login(charlie)
    page = client.get("/items/").content.decode()
    assert [">FIN-CLOSE</a>" in row for row in rows_of(page)] == [True]
    assert "SALES-Q4-01" not in page


def test_staff_see_every_teams_items_with_their_team(client, operator, plan_items):
    client.force_login(operator)
    page = client.get("/items/").content.decode()
    assert len(rows_of(page)) == 5
    assert '<td data-label="Team">Finance</td>' in row_for(page, "FIN-CLOSE")


def processed(team, external_id: str, *, days_ago: int) -> None:
    """AchieveIt processed an update for the item `days_ago` days ago."""
    PlanItem.objects.filter(team=team, external_id=external_id).update(
        last_updated_at=timezone.now() - datetime.timedelta(days=days_ago)
    )


def test_it_shows_the_last_update_sent_and_its_verdict(client, bob, team, plan_items):
    sent(team, "SALES-Q4-01", days_ago=9, status="At Risk", value="0.3")
    processed(team, "SALES-Q4-01", days_ago=9)
    last = sent(
        team,
        "SALES-Q4-01",
        days_ago=2,
        state=State.PROCESSING,
        status="On Track",
        value="0.45",
        as_of=datetime.date(2026, 11, 7),
    )
    # Neither a draft nor a refused upload counts as sent, however recent.
    sent(team, "SALES-Q4-01", days_ago=1, state=State.DRAFT, status="Off Track")
    sent(team, "SALES-Q4-01", days_ago=0, state=State.FAILED, status="Achieved")
    client.force_login(bob)
    row = row_for(client.get("/items/").content.decode(), "SALES-Q4-01")
    assert '<td data-label="Last status" data-testid="last-status">On Track</td>' in row
    assert '<td data-label="Value">0.45</td>' in row
    assert "2026-11-07" in row
    assert "Processing at AchieveIt" in row
    assert f'href="/uploads/{last.public_id}/">#{last.number}</a>' in row
    assert "2\xa0days ago" in row
    assert "Stale" not in row


def test_the_same_id_sent_by_another_team_does_not_count(
    client, bob, team, other_team, plan_items
):
    sent(other_team, "SALES-Q4-01", days_ago=1, status="Achieved")
    client.force_login(bob)
    row = row_for(client.get("/items/").content.decode(), "SALES-Q4-01")
    assert "No update sent yet" in row


def test_items_not_updated_within_the_teams_period_are_stale(
    client, bob, team, plan_items
):
    team.stale_after_days = 10
    team.save()
    sent(team, "SALES-Q4-01", days_ago=9)
    processed(team, "SALES-Q4-01", days_ago=9)
    sent(team, "SALES-Q4-02", days_ago=11)
    processed(team, "SALES-Q4-02", days_ago=11)
    # Sent yesterday but not yet processed by AchieveIt: still stale.
    sent(team, "HR-RETENTION", days_ago=1, state=State.PROCESSING)
    PlanItem.objects.filter(external_id="IT-MIGRATION").update(active=False)
    client.force_login(bob)
    page = client.get("/items/").content.decode()
    assert 'data-testid="stale"' not in row_for(page, "SALES-Q4-01")
    assert 'data-testid="stale"' in row_for(page, "SALES-Q4-02")
    # Never updated: stale too, unless it no longer takes updates.
    assert 'data-testid="stale"' in row_for(page, "HR-RETENTION")
    assert 'data-testid="stale"' not in row_for(page, "IT-MIGRATION")
    assert "Inactive" in row_for(page, "IT-MIGRATION")


def test_it_filters_by_team_and_by_id_or_name(client, operator, plan_items):
    client.force_login(operator)
    page = client.get("/items/?team=finance").content.decode()
    assert [">FIN-CLOSE</a>" in row for row in rows_of(page)] == [True]
    page = client.get("/items/?q=q4").content.decode()
    assert len(rows_of(page)) == 2
    page = client.get("/items/?q=retention").content.decode()  # by name
    assert [">HR-RETENTION</a>" in row for row in rows_of(page)] == [True]
    page = client.get("/items/?q=nothing-like-this").content.decode()
    assert "No plan item matches" in page


def test_another_teams_slug_is_a_bad_filter(client, alice, plan_items):
    client.force_login(alice)
    response = client.get("/items/?team=finance")
    assert response.status_code == 400
    assert b"There is no such team among yours" in response.content
    assert b"FIN-CLOSE" not in response.content


def test_it_says_what_to_do_when_the_team_has_no_items(client, alice):
    client.force_login(alice)
    page = client.get("/items/").content.decode()
    assert "Your teams have no plan items yet" in page


def test_it_links_ids_with_spaces_and_slashes(client, alice, team):
    PlanItemFactory(team=team, external_id="Q4 goal/2026 #3")
    client.force_login(alice)
    page = client.get("/items/").content.decode()
    assert 'href="/items/Q4%20goal/2026%20%233/"' in page


def test_it_pages_through_many_items(client, alice, team):
    PlanItemFactory.create_batch(60, team=team)
    client.force_login(alice)
    first = client.get("/items/").content.decode()
    assert len(rows_of(first)) == 50
    assert "Page 1 of 2" in first
    second = client.get("/items/?q=ITEM&page=2").content.decode()
    assert len(rows_of(second)) == 10
    assert 'href="?q=ITEM&amp;page=1"' in second


@pytest.mark.parametrize("count", [3, 50])
def test_the_number_of_queries_does_not_grow_with_the_items(
    client, alice, team, count, django_assert_num_queries
):
    items = PlanItemFactory.create_batch(count, team=team)
    for item in items:
        sent(team, item.external_id, days_ago=3)
    client.force_login(alice)
    # session, user, teams (2), memberships (navigation), item count, items,
    # last updates, the team select
    with django_assert_num_queries(9):
        response = client.get("/items/")
    assert len(rows_of(response.content.decode())) == count
