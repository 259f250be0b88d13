"""The team's Excel template (/teams/<slug>/template.xlsx): the same items as the
CSV template with their names and last updates, a Status drop-down, and a round
trip through the upload page with no mapping and the untouched rows skipped."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest

from tests.factories import PlanItemFactory
from tests.helpers import login_url, post_file
from uploads import csvformat
from uploads.models import Upload
from uploads.services.drafts import upload_confirm, upload_create

URL = "/teams/sales/template.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_of(response) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(response.content))["Updates"]


def test_it_sends_anonymous_visitors_to_log_in(client, plan_items):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == login_url(URL)


def test_it_is_a_named_workbook_with_a_status_drop_down(client, alice, plan_items):
    client.force_login(alice)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        'attachment; filename="sales-updates.xlsx"'
    )
    assert response["Cache-Control"] == "private, no-store"
    sheet = sheet_of(response)
    (statuses,) = [
        rule for rule in sheet.data_validations.dataValidation if rule.type == "list"
    ]
    assert statuses.formula1 == '"' + ",".join(csvformat.STATUSES) + '"'
    assert "C2" in statuses.sqref


def test_it_lists_the_active_items_with_names_and_last_sent(
    client, alice, team, plan_items
):
    plan_items[3].active = False
    plan_items[3].save()
    sent = upload_create(
        team=team,
        user=alice,
        data=b"External ID,Status,Current Value,As Of Date\n"
        b"SALES-Q4-01,At Risk,0.4,2026-10-31\n",
    )
    upload_confirm(upload=sent, user=alice)
    client.force_login(alice)

    rows = [
        [cell.value for cell in row]
        for row in sheet_of(client.get(URL)).iter_rows(min_row=2, max_row=4)
    ]

    assert [(row[0], row[1]) for row in rows] == [
        ("HR-RETENTION", "Staff retention"),
        ("SALES-Q4-01", "Q4 pipeline coverage"),
        ("SALES-Q4-02", "Q4 bookings"),
    ]
    assert (rows[1][6], rows[1][7]) == ("At Risk", "0.4")
    assert rows[0][6] in (None, "")


def test_it_rejects_other_teams_template(client, charlie, plan_items):
    client.force_login(charlie)
    response = client.get(URL)
    assert response.status_code == 404
    assert b"SALES-Q4-01" not in response.content


def test_ids_no_file_can_carry_are_left_out(client, alice, team, plan_items):
    for external_id in ("SALES,Q4", '=HYPERLINK("http://evil.example/")', "@cmd"):
        PlanItemFactory(team=team, external_id=external_id)
    client.force_login(alice)

    ids = [row[0].value for row in sheet_of(client.get(URL)).iter_rows(min_row=2)]

    assert [external_id for external_id in ids if external_id] == [
        "HR-RETENTION",
        "IT-MIGRATION",
        "SALES-Q4-01",
        "SALES-Q4-02",
    ]


@pytest.mark.parametrize("where", ["upload page", "dashboard"])
def test_the_pages_link_it_beside_the_csv_template(client, alice, plan_items, where):
    client.force_login(alice)
    page = client.get("/teams/sales/upload/" if where == "upload page" else "/")
    assert 'href="/teams/sales/template.xlsx"' in page.content.decode()
    assert 'href="/teams/sales/template.csv"' in page.content.decode()


def test_the_filled_template_uploads_back_clean_with_blank_rows_skipped(
    client, alice, plan_items
):
    client.force_login(alice)
    book = openpyxl.load_workbook(io.BytesIO(client.get(URL).content))
    sheet = book["Updates"]
    by_id = {sheet.cell(row, 1).value: row for row in range(2, 6)}
    sheet.cell(by_id["SALES-Q4-01"], 3).value = "On Track"
    sheet.cell(by_id["SALES-Q4-01"], 4).value = 0.45
    sheet.cell(by_id["SALES-Q4-01"], 5).value = datetime.date(2026, 10, 31)
    sheet.cell(by_id["IT-MIGRATION"], 3).value = "Achieved"
    sheet.cell(by_id["IT-MIGRATION"], 5).value = datetime.date(2026, 10, 30)
    filled = io.BytesIO()
    book.save(filled)

    page = post_file(client, filled.getvalue(), name="sales-updates.xlsx")

    upload = Upload.objects.get()
    assert upload.is_sendable, upload.findings
    assert sorted(upload.rows.values_list("external_id", "status", "value")) == [
        ("IT-MIGRATION", "Achieved", ""),
        ("SALES-Q4-01", "On Track", "0.45"),
    ]
    assert "Ready to send: 2 updates" in page.content.decode()
    assert (
        "2 rows with an External ID and nothing else were left blank, so skipped"
        in page.content.decode()
    )
