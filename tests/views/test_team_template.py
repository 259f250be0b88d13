"""The team's CSV template (/teams/<slug>/template.csv): the team's active External
IDs for anyone in the team or staff, and nothing of another team's."""

from __future__ import annotations

from tests.factories import PlanItemFactory
from tests.helpers import login_url

URL = "/teams/sales/template.csv"
HEADER = "External ID,Status,Current Value,As Of Date"


def lines_of(response) -> list[str]:
    return response.content.decode("utf-8-sig").splitlines()


def test_it_sends_anonymous_visitors_to_log_in(client, plan_items):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == login_url(URL)


def test_the_template_lists_the_teams_active_items(client, bob, plan_items):
    plan_items[3].active = False
    plan_items[3].save()
    client.force_login(bob)
    response = client.get("/teams/sales/template.csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "External ID,Status,Current Value,As Of Date",
        "HR-RETENTION,,,",
        "SALES-Q4-01,,,",
        "SALES-Q4-02,,,",
    ]


def test_an_uploader_downloads_it_as_a_named_csv_file(client, alice, plan_items):
    client.force_login(alice)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="sales-updates.csv"'
    )
    assert "SALES-Q4-01,,," in lines_of(response)


def test_it_rejects_other_teams_template(client, charlie, plan_items):
    client.force_login(charlie)
    response = client.get(URL)
    assert response.status_code == 404
    assert b"SALES-Q4-01" not in response.content


def test_staff_get_any_teams_template(client, operator, plan_items):
    client.force_login(operator)
    response = client.get("/teams/finance/template.csv")
    assert response.status_code == 200
    assert lines_of(response) == [HEADER, "FIN-CLOSE,,,"]


def test_it_lists_every_item_of_a_large_team(client, bob, team):
    items = PlanItemFactory.create_batch(40, team=team)
    client.force_login(bob)
    lines = lines_of(client.get(URL))
    assert lines == [HEADER] + sorted(f"{item.external_id},,," for item in items)
