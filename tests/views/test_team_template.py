"""The team's CSV template (/teams/<slug>/template.csv): the team's active External
IDs for anyone in the team or staff, and nothing of another team's."""

from __future__ import annotations

import csv

from tests.factories import PlanItemFactory
from tests.helpers import login_url
from uploads.services.drafts import upload_create

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


def test_items_stored_with_an_id_no_file_can_carry_are_left_out(
    client, alice, team, plan_items
):
    # Stored before imports checked External IDs: a comma once made this a 500
    # for every member, and a formula went into the file as it was.
    for external_id in ("SALES,Q4", '=HYPERLINK("http://evil.example/")', "@cmd"):
        PlanItemFactory(team=team, external_id=external_id)
    client.force_login(alice)

    response = client.get(URL)

    assert response.status_code == 200
    assert lines_of(response) == [
        HEADER,
        "HR-RETENTION,,,",
        "IT-MIGRATION,,,",
        "SALES-Q4-01,,,",
        "SALES-Q4-02,,,",
    ]


def test_every_cell_of_the_template_is_safe_in_a_spreadsheet(client, alice, team):
    for external_id in ("+A", "-B", "=C", "@D", "E=F", "G-1"):
        PlanItemFactory(team=team, external_id=external_id)
    client.force_login(alice)

    cells = [
        cell for line in lines_of(client.get(URL)) for cell in next(csv.reader([line]))
    ]

    assert [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))] == []
    assert "E=F" in cells
    assert "G-1" in cells


def test_a_filled_template_uploads_back_and_matches(client, alice, team):
    for external_id in ("Q4 goal/2", "A=B", "CAF\u00c9-1", "x@y"):
        PlanItemFactory(team=team, external_id=external_id, has_metric=False)
    client.force_login(alice)
    template = client.get(URL).content.decode("utf-8-sig")
    filled = template.replace(",,,", ",On Track,,2026-10-31")

    upload = upload_create(team=team, user=alice, data=filled.encode())

    assert upload.is_sendable, upload.findings
    assert sorted(upload.rows.values_list("external_id", flat=True)) == sorted(
        ("Q4 goal/2", "A=B", "CAF\u00c9-1", "x@y")
    )
