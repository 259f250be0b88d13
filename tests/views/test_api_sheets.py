"""A workbook with several sheets sent to the script API (issue 17): `?sheet=NAME`
names the sheet to read, as `--sheet` does on the commands. Without it, a workbook
whose sheet cannot be picked is a 400 listing its sheets and how to name one; an
unknown name is a 400 listing them too. The sheet is part of the request an
Idempotency-Key replays: the same body with another sheet is another request."""

from __future__ import annotations

import datetime

import jsonschema
import pytest
from django.test import Client

from tests.csvformat.workbooks import xlsx
from tests.csvformat.xls_workbooks import HEADER, Percent, xls
from tests.pipeline import CLEAN_CSV
from uploads import tasks
from uploads.models import ApiIdempotencyKey, Upload
from uploads.services.api import request_hash
from uploads.services.tokens import token_create

URL = "/api/progressupdates/weekly.xlsx"
XLS_URL = "/api/progressupdates/weekly.xls"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS = "application/vnd.ms-excel"
State = Upload.State
OCTOBER = [
    HEADER,
    ["SALES-Q4-01", "On Track", 0.4, datetime.date(2026, 10, 31)],
    ["IT-MIGRATION", "Not Started", None, datetime.date(2026, 10, 31)],
]
NOVEMBER = [HEADER, ["SALES-Q4-01", "At Risk", 0.5, datetime.date(2026, 11, 30)]]
TWO_MONTHS = xlsx({"October": OCTOBER, "Q4 November": NOVEMBER})
CHOOSE = (
    "The workbook has several sheets that could hold the updates, so the portal "
    "cannot tell which to read: nothing was queued. Its sheets are 'October', "
    "'Q4 November'. Send it again with ?sheet=NAME naming the one to read, "
    "URL-encoded (for example ?sheet=October), and a new Idempotency-Key if you "
    "send one."
)


@pytest.fixture
def token(team, alice):
    _, plaintext = token_create(team=team, name="weekly export", actor=alice)
    return plaintext


@pytest.fixture
def api(plan_items):
    return Client(enforce_csrf_checks=True)


def send(api, token, data=TWO_MONTHS, url=URL, content_type=XLSX, **headers):
    headers["Authorization"] = f"API-KEY {token}"
    return api.post(url, data=data, content_type=content_type, headers=headers)


def assert_json(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def updates(upload: Upload) -> list[tuple[str, str, str, str]]:
    return sorted(
        (row.external_id, row.status, row.value, str(row.as_of_date))
        for row in upload.rows.all()
    )


# --- No sheet named -------------------------------------------------------------------


def test_without_a_sheet_the_400_lists_the_sheets_and_how_to_name_one(api, token):
    body = assert_json(send(api, token), 400)

    assert body["error"] == CHOOSE
    assert body["sheets"] == ["October", "Q4 November"]
    (finding,) = body["findings"]
    assert finding["code"] == "sheet.choose"
    assert body["portalUrl"]
    # Nothing queued; the file is closed, in nobody's drafts.
    assert Upload.objects.get().state == State.REJECTED


def test_a_dry_run_without_a_sheet_says_the_same_and_stores_nothing(api, token):
    body = assert_json(send(api, token, url=f"{URL}?dry_run=true"), 400)

    assert body["error"] == CHOOSE
    assert body["sheets"] == ["October", "Q4 November"]
    assert not Upload.objects.exists()


def test_the_example_name_is_url_encoded(api, token):
    data = xlsx({"Q4 November": NOVEMBER, "October": OCTOBER})

    body = assert_json(send(api, token, data=data), 400)

    assert "(for example ?sheet=Q4%20November)" in body["error"]


# --- A sheet named --------------------------------------------------------------------


def test_the_named_sheet_is_read_and_queued(api, token):
    body = assert_json(send(api, token, url=f"{URL}?sheet=Q4%20November"), 200)

    upload = Upload.objects.get()
    assert body["jobId"] == str(upload.public_id)
    assert upload.state == State.QUEUED
    assert upload.sheet == "Q4 November"
    assert updates(upload) == [("SALES-Q4-01", "At Risk", "0.5", "2026-11-30")]


def test_a_dry_run_reads_the_named_sheet(api, token):
    body = assert_json(send(api, token, url=f"{URL}?dry_run=true&sheet=October"), 200)

    assert body["dryRun"] is True
    assert body["rows"] == 2
    assert not Upload.objects.exists()


def test_an_unknown_sheet_is_a_400_naming_the_sheets(api, token):
    for url in (f"{URL}?sheet=December", f"{URL}?sheet=December&dry_run=true"):
        body = assert_json(send(api, token, url=url), 400)

        assert body["error"] == (
            "The workbook has no sheet 'December': nothing was queued. Its sheets "
            "are 'October', 'Q4 November'. Send it again with ?sheet=NAME naming "
            "the one to read, URL-encoded (for example ?sheet=October), and a new "
            "Idempotency-Key if you send one."
        )
        assert body["sheets"] == ["October", "Q4 November"]
        assert [f["code"] for f in body["findings"]] == ["sheet.unknown"]
    assert not Upload.objects.filter(state=State.QUEUED).exists()


def test_a_sheet_name_that_can_name_no_sheet_is_a_400(api, token):
    for sheet in ("x" * 256, "tab%09in"):
        body = assert_json(send(api, token, url=f"{URL}?sheet={sheet}"), 400)
        assert body["error"].startswith("?sheet= must name one of the workbook's")
    assert not Upload.objects.exists()


def test_the_metric_call_takes_the_sheet_too(api, token):
    values = [
        ["External ID", "Current Metric Value", "As Of Date"],
        ["SALES-Q4-01", 0.61, datetime.date(2026, 10, 31)],
    ]
    data = xlsx({"Notes": [["External ID"], ["read me"]], "Values": values})
    url = "/api/metricupdates/values.xlsx?sheet=Values"

    assert_json(send(api, token, data=data, url=url), 200)

    upload = Upload.objects.get()
    assert (upload.kind, upload.sheet) == ("metric", "Values")


def test_a_csv_body_has_no_sheets_and_the_parameter_is_ignored(api, token):
    url = "/api/progressupdates/weekly.csv?sheet=October"

    assert_json(send(api, token, data=CLEAN_CSV, url=url, content_type="text/csv"), 200)

    assert Upload.objects.get().sheet == ""


# --- An .xls made in the test ---------------------------------------------------------


def test_an_xls_with_two_sheets_is_read_through_the_api_by_its_name(api, token):
    kpis = [
        HEADER,
        ["SALES-Q4-01", "On Track", 0.1, datetime.date(2026, 10, 31)],
        ["HR-RETENTION", "Achieved", Percent(0.93), datetime.date(2026, 10, 31)],
    ]
    data = xls({"Q3 KPIs": OCTOBER, "Q4 KPIs": kpis})

    asked = assert_json(send(api, token, data=data, url=XLS_URL, content_type=XLS), 400)
    assert asked["sheets"] == ["Q3 KPIs", "Q4 KPIs"]
    assert "?sheet=Q3%20KPIs" in asked["error"]

    url = f"{XLS_URL}?sheet=Q4+KPIs"
    assert_json(send(api, token, data=data, url=url, content_type=XLS), 200)

    upload = Upload.objects.get(state=State.QUEUED)
    assert upload.original_name == "weekly.xls"
    assert upload.sheet == "Q4 KPIs"
    assert updates(upload) == [
        ("HR-RETENTION", "Achieved", "0.93", "2026-10-31"),
        ("SALES-Q4-01", "On Track", "0.1", "2026-10-31"),
    ]


def test_an_xls_findings_name_the_sheet_through_the_api(api, token):
    typo = [HEADER, ["SALES-Q4-01", "Acheived", 0.1, datetime.date(2026, 10, 31)]]
    data = xls({"Q3 KPIs": OCTOBER, "Q4 KPIs": typo})
    url = f"{XLS_URL}?sheet=Q4%20KPIs&dry_run=true"

    body = assert_json(send(api, token, data=data, url=url, content_type=XLS), 400)

    (finding,) = body["findings"]
    assert (finding["row"], finding["column"], finding["suggestion"]) == (
        2,
        "Status",
        "Achieved",
    )
    assert finding["message"].startswith("Sheet 'Q4 KPIs', row 2, column B (Status):")
    assert "sheets" not in body


# --- A big workbook, checked by a worker ----------------------------------------------


def test_a_big_workbook_is_checked_by_the_worker_on_the_named_sheet(
    api, token, settings
):
    settings.CHECK_IN_WORKER_BYTES = 10
    job_id = assert_json(send(api, token, url=f"{URL}?sheet=October"), 202)["jobId"]
    upload = Upload.objects.get(public_id=job_id)
    assert upload.sheet == "October"

    tasks.check_upload(upload.pk)

    upload.refresh_from_db()
    assert upload.state == State.QUEUED
    assert len(updates(upload)) == 2


def test_a_big_workbook_without_a_sheet_gets_the_sheets_from_its_status(
    api, token, settings
):
    settings.CHECK_IN_WORKER_BYTES = 10
    job_id = assert_json(send(api, token), 202)["jobId"]
    tasks.check_upload(Upload.objects.get(public_id=job_id).pk)

    status = api.get(
        f"/api/progressupdates/status/{job_id}",
        headers={"Authorization": f"API-KEY {token}"},
    )

    body = assert_json(status, 400)
    assert body["error"] == CHOOSE
    assert body["sheets"] == ["October", "Q4 November"]


# --- As documented --------------------------------------------------------------------


def test_the_answers_are_what_the_openapi_document_describes(api, token, client):
    document = client.get("/api/openapi.json").json()
    submit = document["paths"]["/api/progressupdates/{fileName}.csv"]["post"]
    (sheet,) = [p for p in submit["parameters"] if p["name"] == "sheet"]
    assert (sheet["in"], sheet["required"]) == ("query", False)
    assert "?sheet=" in submit["responses"]["400"]["description"]

    def check(body: dict, schema: str) -> None:
        root = {"$ref": f"#/components/schemas/{schema}", **document}
        jsonschema.Draft202012Validator(root).validate(body)

    check(assert_json(send(api, token), 400), "Rejected")
    check(assert_json(send(api, token, url=f"{URL}?sheet=Nope"), 400), "Rejected")
    check(assert_json(send(api, token, url=f"{URL}?sheet=October"), 200), "Queued")


# --- Idempotency-Key ------------------------------------------------------------------


def test_the_same_workbook_with_another_sheet_under_the_same_key_is_a_422(api, token):
    first = send(api, token, url=f"{URL}?sheet=October", **{"Idempotency-Key": "k"})
    assert first.status_code == 200

    again = send(
        api, token, url=f"{URL}?sheet=Q4%20November", **{"Idempotency-Key": "k"}
    )

    body = assert_json(again, 422)
    assert "another ?sheet=" in body["error"]
    assert Upload.objects.count() == 1
    # The very same request (same sheet) is replayed.
    replay = send(api, token, url=f"{URL}?sheet=October", **{"Idempotency-Key": "k"})
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()


def test_naming_the_sheet_after_the_400_needs_a_new_key(api, token):
    assert send(api, token, **{"Idempotency-Key": "k"}).status_code == 400

    same_key = send(api, token, url=f"{URL}?sheet=October", **{"Idempotency-Key": "k"})
    new_key = send(api, token, url=f"{URL}?sheet=October", **{"Idempotency-Key": "k2"})

    assert same_key.status_code == 422
    assert new_key.status_code == 200
    assert ApiIdempotencyKey.objects.count() == 2


def test_the_hash_covers_the_sheet_and_is_unchanged_without_one():
    body = b"the same bytes"
    path = "/api/progressupdates/weekly.xlsx"
    plain = request_hash("POST", path, body)

    # A call without ?sheet= hashes as before the parameter existed (keys kept
    # from then still replay), and any sheet makes it another request.
    assert request_hash("POST", path, body, sheet=None) == plain
    hashes = {request_hash("POST", path, body, sheet=sheet) for sheet in ("A", "B", "")}
    assert len(hashes) == 3
    assert plain not in hashes
    # The parts are length-prefixed: a sheet cannot pass for the end of a body.
    assert request_hash("POST", path, body + b"sheet=A") != request_hash(
        "POST", path, body, sheet="A"
    )
