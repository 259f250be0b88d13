"""Choosing a file for a team (/teams/<slug>/upload/): who may upload, and the
preview that shows every problem before anything is sent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import MESSY_CSV, login_url, post_file
from tests.pipeline import CLEAN_CSV
from uploads.models import Upload

State = Upload.State
URL = "/teams/sales/upload/"


def test_it_sends_anonymous_visitors_to_log_in(client, plan_items):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == login_url(URL)
    sent = client.post(URL, {"file": SimpleUploadedFile("updates.csv", CLEAN_CSV)})
    assert sent["Location"] == login_url(URL)
    assert Upload.objects.count() == 0


def test_an_uploader_gets_the_form(client, alice):
    client.force_login(alice)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Upload updates for Sales" in response.content.decode()
    assert 'type="file"' in response.content.decode()


def test_a_clean_file_becomes_a_draft_ready_to_send(client, alice, plan_items):
    client.force_login(alice)
    response = post_file(client, CLEAN_CSV)
    upload = Upload.objects.get()
    assert response.redirect_chain == [(f"/uploads/{upload.public_id}/", 302)]
    assert (upload.state, upload.team.slug, upload.created_by) == (
        State.DRAFT,
        "sales",
        alice,
    )
    assert "Ready to send: 4 updates" in response.content.decode()


def test_an_uploader_sees_every_problem_before_anything_is_sent(
    client, alice, plan_items
):
    client.force_login(alice)
    page = post_file(client, MESSY_CSV).content.decode()
    upload = Upload.objects.get()
    assert upload.state == State.DRAFT
    assert "2 problems to fix before this can be sent" in page
    assert "Row 5, Status: &#x27;Acheived&#x27; is not an AchieveIt status" in page
    assert "Row 6, As Of Date" in page
    assert "Send to AchieveIt" not in page
    assert "Leave out the rows with errors" in page


def test_a_viewer_is_told_they_may_look_but_not_send(client, bob, plan_items):
    client.force_login(bob)
    response = client.get(URL, follow=True)
    assert "not send them" in response.content.decode()
    sent = post_file(client, CLEAN_CSV)
    assert "not send them" in sent.content.decode()
    assert Upload.objects.count() == 0


def test_it_rejects_other_teams_upload_page(client, charlie, plan_items):
    client.force_login(charlie)
    assert client.get(URL).status_code == 404
    assert post_file(client, CLEAN_CSV).status_code == 404
    assert Upload.objects.count() == 0


def test_staff_may_upload_for_any_team(client, operator, plan_items):
    client.force_login(operator)
    response = post_file(client, CLEAN_CSV)
    upload = Upload.objects.get()
    assert response.redirect_chain == [(f"/uploads/{upload.public_id}/", 302)]
    assert (upload.team.slug, upload.created_by) == ("sales", operator)


def test_an_unknown_team_is_a_404(client, alice):
    client.force_login(alice)
    assert client.get("/teams/no-such-team/upload/").status_code == 404


def test_a_binary_file_gets_a_clear_message_not_an_error_page(
    client, alice, plan_items
):
    client.force_login(alice)
    response = post_file(client, b"PK\x03\x04" + bytes(200), name="updates.xlsx")
    assert response.status_code == 200
    # Workbooks are read now (issue 17): a broken one is told so, not "Excel".
    assert "damaged or not really a workbook" in response.content.decode()


def test_an_empty_or_huge_file_is_refused_with_the_limit(
    client, alice, plan_items, settings
):
    client.force_login(alice)
    empty = post_file(client, b"").content.decode()
    assert "The file is empty. Choose the CSV file with your updates." in empty
    settings.UPLOAD_MAX_BYTES = 100
    huge = post_file(client, CLEAN_CSV * 3).content.decode()
    assert "the most one upload may be is" in huge
    assert Upload.objects.count() == 0


# --- JSON, comments and metric files (issue 16) ----------------------------------

VENDOR_JSON = (
    b'[{"externalId": "SALES-Q4-01", "status": "On Track", "metricValue": 0.54,'
    b' "asOfDate": "2026-10-31", "comment": "comment text goes here"},'
    b' {"externalId": "IT-MIGRATION", "status": "Not Started",'
    b' "asOfDate": "2026-10-31"}]'
)
METRIC_CSV = (
    b"External ID,Current Metric Value,As Of Date,Comment\n"
    b"SALES-Q4-01,0.6,2026-10-31,Up from last week\n"
    b"SALES-Q4-02,125000,2026-10-31,\n"
)


def test_the_form_accepts_a_json_file(client, alice):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert 'accept=".csv,.json,' in page
    assert "application/json" in page
    assert "CSV, Excel, Calc or JSON file" in page


def test_a_json_file_becomes_the_same_draft_as_a_csv(client, alice, plan_items):
    client.force_login(alice)
    page = post_file(client, VENDOR_JSON, name="updates.json").content.decode()
    upload = Upload.objects.get()
    assert "Ready to send: 2 updates" in page
    assert upload.normalized_csv == (
        "External ID,Status,Current Value,As Of Date,Comment\n"
        "SALES-Q4-01,On Track,0.54,2026-10-31,comment text goes here\n"
        "IT-MIGRATION,Not Started,,2026-10-31,\n"
    )
    assert "comment text goes here" in page


def test_a_file_without_a_status_column_is_a_metric_update(client, alice, plan_items):
    client.force_login(alice)
    page = post_file(client, METRIC_CSV, name="values.csv").content.decode()
    upload = Upload.objects.get()
    assert upload.kind == Upload.Kind.METRIC
    assert upload.normalized_csv == (
        "External ID,Current Metric Value,As Of Date,Comment\n"
        "SALES-Q4-01,0.6,2026-10-31,Up from last week\n"
        "SALES-Q4-02,125000,2026-10-31,\n"
    )
    assert 'data-testid="upload-kind">' in page
    assert "Metric update" in page
    assert "Up from last week" in page
