"""Workbooks through every way in (issue 17): the upload page and the script API
read an .xlsx or .ods like a CSV file, and a file only named as a workbook is told
it is not one (by its name on the page, by its name or Content-Type on the API)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from tests.csvformat.workbooks import ods, xlsx
from tests.helpers import post_file
from uploads.models import Upload
from uploads.services.tokens import token_create

State = Upload.State
HEADER = ["External ID", "Status", "Current Value", "As Of Date"]
DAY = datetime.date(2026, 10, 31)
ROWS = [
    HEADER,
    ["SALES-Q4-01", "On Track", 0.45, DAY],
    ["IT-MIGRATION", "Achieved", "", DAY],
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
# Neither a workbook nor text: what a file saved wrongly, or renamed, may hold.
JUNK = b"\x00\x01\x02garbage\xff\xfe" * 40
FAKE = "The file is named as a workbook but is not one"


def test_the_file_input_offers_workbooks(client, alice):
    client.force_login(alice)
    page = client.get("/teams/sales/upload/").content.decode()
    (accept,) = [part for part in page.split() if part.startswith('accept="')]
    assert {".csv", ".json", ".xlsx", ".xlsm", ".xls", ".ods", XLSX} <= set(
        accept.removeprefix('accept="').rstrip('">').split(",")
    )
    assert "save it as CSV" not in page


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_workbook_becomes_a_draft_ready_to_send(client, alice, plan_items, kind):
    client.force_login(alice)
    data = xlsx({"Updates": ROWS}) if kind == "xlsx" else ods(ROWS)

    page = post_file(client, data, name=f"updates.{kind}").content.decode()

    upload = Upload.objects.get()
    assert upload.state == State.DRAFT
    assert upload.is_sendable, upload.findings
    assert sorted(upload.rows.values_list("external_id", "status", "value")) == [
        ("IT-MIGRATION", "Achieved", ""),
        ("SALES-Q4-01", "On Track", "0.45"),
    ]
    assert upload.original_name == f"updates.{kind}"
    assert "Ready to send: 2 updates" in page


def test_a_workbooks_findings_name_the_sheet_row_and_column(client, alice, plan_items):
    client.force_login(alice)
    rows = [*ROWS, ["SALES-Q4-02", "Acheived", 1, DAY]]

    page = post_file(client, xlsx({"Q4 KPIs": rows}), name="kpis.xlsx")

    assert "Sheet &#x27;Q4 KPIs&#x27;, row 4, column B (Status)" in (
        page.content.decode()
    )


def test_a_junk_file_named_xlsx_is_told_it_is_no_workbook(client, alice, plan_items):
    client.force_login(alice)

    page = post_file(client, JUNK, name="updates.xlsx")

    assert page.status_code == 200
    (finding,) = Upload.objects.get().findings
    assert finding["code"] == "file.workbook_fake"
    assert FAKE in page.content.decode()


# --- The script API ---------------------------------------------------------------


@pytest.fixture
def token(team, alice):
    return token_create(team=team, name="weekly export", actor=alice)[1]


@pytest.fixture
def api(plan_items):
    return Client(enforce_csrf_checks=True)


def send(api, token, url, data, content_type="application/x-www-form-urlencoded"):
    """As `curl --data-binary @file` sends a file (its default Content-Type)."""
    return api.post(
        url,
        data=data,
        content_type=content_type,
        headers={"Authorization": f"API-KEY {token}"},
    )


def test_the_api_queues_an_xlsx_body_named_xlsx(api, token):
    response = send(
        api, token, "/api/progressupdates/weekly.xlsx", xlsx({"Updates": ROWS})
    )

    assert response.status_code == 200, response.content
    upload = Upload.objects.get()
    assert (upload.state, upload.original_name) == (State.QUEUED, "weekly.xlsx")
    assert upload.row_count == 2


def test_the_api_reads_a_workbook_by_its_content_type(api, token):
    response = send(
        api, token, "/api/progressupdates/weekly.csv", ods(ROWS), content_type=ODS
    )

    assert response.status_code == 200, response.content
    upload = Upload.objects.get()
    assert (upload.state, upload.original_name) == (State.QUEUED, "weekly.ods")


def test_a_dry_run_checks_a_workbook_and_stores_nothing(api, token):
    rows = [*ROWS, ["SALES-Q4-02", "Acheived", 1, DAY]]

    response = send(
        api,
        token,
        "/api/progressupdates/weekly.xlsx?dry_run=true",
        xlsx({"Q4": rows}),
    )

    assert response.status_code == 400, response.content
    assert "Sheet 'Q4', row 4, column B (Status)" in response.content.decode()
    assert Upload.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("weekly.xlsx", "application/octet-stream"), ("weekly.csv", XLSX)],
)
def test_the_api_tells_a_junk_workbook_it_is_none(api, token, name, content_type):
    for url in (
        f"/api/progressupdates/{name}",
        f"/api/progressupdates/{name}?dry_run=1",
    ):
        response = send(api, token, url, JUNK, content_type=content_type)
        assert response.status_code == 400, response.content
        assert FAKE in response.content.decode()
    assert not Upload.objects.filter(state=State.QUEUED).exists()
