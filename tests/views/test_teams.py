"""The teams page (/teams/): staff see every team and create one; a manager sees
the teams they manage; anyone else gets a 404 (and no "Teams" in the navigation)."""

from __future__ import annotations

import pytest

from tests.factories import PlanItemFactory
from tests.helpers import login_url, make_user
from uploads.models import AuditEvent, Membership, Team


@pytest.fixture
def maria(team, other_team):
    """Maria manages the sales team and only looks at finance."""
    maria = make_user("maria", team, Membership.Role.MANAGER)
    Membership.objects.create(user=maria, team=other_team, role="viewer")
    return maria


def team_rows(page: str) -> list[str]:
    return [
        row.split("</a>")[0].rsplit(">", 1)[1]
        for row in page.split('data-testid="team-row"')[1:]
    ]


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/teams/")
    assert response.status_code == 302
    assert response["Location"] == login_url("/teams/")


@pytest.mark.parametrize("who", ["bob", "alice", "charlie"])
def test_viewers_and_uploaders_get_a_404(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/teams/").status_code == 404
    assert b'href="/teams/"' not in client.get("/").content  # not in the navigation


def test_a_manager_sees_only_the_teams_they_manage(client, maria, plan_items):
    client.force_login(maria)
    response = client.get("/teams/")
    page = response.content.decode()
    assert response.status_code == 200
    assert team_rows(page) == ["Sales"]
    assert 'href="/teams/sales/manage/"' in page
    assert "/teams/finance/manage/" not in page
    assert 'data-testid="team-create"' not in page
    assert 'href="/teams/"' in client.get("/").content.decode()  # in the navigation


def test_a_manager_cannot_create_a_team(client, maria):
    client.force_login(maria)
    response = client.post("/teams/", {"slug": "ops", "name": "Ops"})
    assert response.status_code == 404
    assert not Team.objects.filter(slug="ops").exists()


def test_staff_see_every_team_with_its_members_and_items(
    client, operator, alice, bob, charlie, plan_items, team
):
    PlanItemFactory(team=team, active=False)
    client.force_login(operator)
    page = client.get("/teams/").content.decode()
    assert team_rows(page) == ["Finance", "Sales"]
    sales = page.split('data-testid="team-row"')[2]
    assert '<td data-label="Members">2</td>' in sales  # alice and bob
    assert "4 active" in sales
    assert "5 in all" in sales
    assert 'data-testid="team-create"' in page


def test_staff_create_a_team_and_land_on_its_page(client, operator):
    client.force_login(operator)
    response = client.post(
        "/teams/", {"slug": "field-ops", "name": "Field Operations"}, follow=True
    )
    assert response.redirect_chain == [("/teams/field-ops/manage/", 302)]
    assert "Created the team Field Operations." in response.content.decode()
    assert Team.objects.get(slug="field-ops").name == "Field Operations"
    event = AuditEvent.objects.get(action="team.created")
    assert event.actor == operator


def test_a_bad_slug_is_explained_and_what_was_typed_is_kept(client, operator):
    client.force_login(operator)
    response = client.post("/teams/", {"slug": "Field Ops", "name": "Field Ops"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Use lowercase letters, digits and hyphens only" in page
    assert 'value="Field Ops"' in page
    assert not Team.objects.exists()


def test_a_taken_slug_is_refused(client, operator, team):
    client.force_login(operator)
    response = client.post("/teams/", {"slug": "sales", "name": "Other sales"})
    assert response.status_code == 400
    assert "There is already a team &#x27;sales&#x27; (Sales): choose another" in (
        response.content.decode()
    )
    assert Team.objects.get(slug="sales").name == "Sales"


def test_staff_with_no_team_see_what_to_do(client, operator):
    client.force_login(operator)
    page = client.get("/teams/").content.decode()
    assert "No team yet" in page
    assert "Create the first team" in page


def test_it_refuses_other_methods(client, operator):
    client.force_login(operator)
    assert client.put("/teams/").status_code == 405
