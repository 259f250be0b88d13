"""The script API takes what AchieveIt takes today (issue 16): a JSON array under
any file name, comments, and metric updates under /api/metricupdates/; a file sent
to the call of the other kind is a 400 saying which call to use; any unknown path
under /api/ is a JSON 404."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.pipeline import CLEAN_CSV
from uploads.models import Upload
from uploads.services.tokens import token_create

State = Upload.State
VENDOR_JSON = json.dumps(
    [
        {
            "externalId": "SALES-Q4-01",
            "status": "On Track",
            "metricValue": 0.54,
            "asOfDate": "2026-10-31",
            "comment": "comment text goes here",
        },
        {
            "externalId": "IT-MIGRATION",
            "status": "Not Started",
            "asOfDate": "2026-10-31",
        },
    ]
).encode()
METRIC_CSV = (
    b"External ID,Current Metric Value,As Of Date,Comment\n"
    b"SALES-Q4-01,0.61,2026-10-31,weekly finance export\n"
)
TO_PROGRESS = (
    "This is a metric update (its header has no Status column): nothing was "
    "queued. Send it to /api/metricupdates/<file name>.csv, or add a Status column "
    "to send progress updates."
)
TO_METRIC = (
    "This is a progress update (it has a Status column): nothing was queued. Send "
    "it to /api/progressupdates/<file name>.csv, or leave the Status column out to "
    "send metric values only."
)


@pytest.fixture
def token(team, alice):
    return token_create(team=team, name="weekly export", actor=alice)[1]


@pytest.fixture
def api(plan_items):
    return Client(enforce_csrf_checks=True)


def send(api, token, url, data, content_type="text/csv"):
    return api.post(
        url,
        data=data,
        content_type=content_type,
        headers={"Authorization": f"API-KEY {token}"},
    )


def answer(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


# --- JSON bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["weekly.csv", "weekly.json"])
def test_a_json_body_is_queued_under_any_file_name(api, token, name):
    body = answer(
        send(
            api,
            token,
            f"/api/progressupdates/{name}",
            VENDOR_JSON,
            "application/json; charset=utf-8",
        ),
        200,
    )

    upload = Upload.objects.get(public_id=body["jobId"])
    assert (upload.state, upload.kind) == (State.QUEUED, Upload.Kind.PROGRESS)
    assert upload.original_name == "weekly.json"
    assert upload.normalized_csv == (
        "External ID,Status,Current Value,As Of Date,Comment\n"
        "SALES-Q4-01,On Track,0.54,2026-10-31,comment text goes here\n"
        "IT-MIGRATION,Not Started,,2026-10-31,\n"
    )
    assert list(upload.rows.values_list("comment", flat=True)) == [
        "comment text goes here",
        "",
    ]


def test_a_json_content_type_reads_the_body_as_json(api, token):
    body = answer(
        send(api, token, "/api/progressupdates/w.csv", CLEAN_CSV, "application/json"),
        400,
    )

    assert body["findings"]
    assert "JSON" in body["findings"][0]["message"]
    assert Upload.objects.get().state == State.REJECTED


def test_a_json_dry_run_checks_and_stores_nothing(api, token):
    body = answer(
        send(
            api,
            token,
            "/api/progressupdates/w.json?dry_run=true",
            VENDOR_JSON,
            "application/json",
        ),
        200,
    )

    assert (body["dryRun"], body["rows"]) == (True, 2)
    assert not Upload.objects.exists()


# --- metric updates ------------------------------------------------------------------


def test_a_metric_file_is_queued_as_a_metric_upload(api, token):
    body = answer(send(api, token, "/api/metricupdates/values.csv", METRIC_CSV), 200)

    upload = Upload.objects.get(public_id=body["jobId"])
    assert (upload.state, upload.kind) == (State.QUEUED, Upload.Kind.METRIC)
    assert upload.normalized_csv == METRIC_CSV.decode()


def test_a_metric_file_sent_to_the_progress_call_is_refused(api, token):
    body = answer(send(api, token, "/api/progressupdates/v.csv", METRIC_CSV), 400)

    assert body["error"] == TO_PROGRESS
    assert Upload.objects.get().state == State.REJECTED


def test_a_progress_file_sent_to_the_metric_call_is_refused(api, token):
    body = answer(send(api, token, "/api/metricupdates/w.csv", CLEAN_CSV), 400)
    dry = answer(send(api, token, "/api/metricupdates/w.csv?dry_run=1", CLEAN_CSV), 400)

    assert body["error"] == dry["error"] == TO_METRIC
    assert Upload.objects.get().state == State.REJECTED


def test_a_metric_job_is_asked_for_under_the_metric_status_call(api, token):
    metric = answer(send(api, token, "/api/metricupdates/v.csv", METRIC_CSV), 200)
    progress = answer(send(api, token, "/api/progressupdates/w.csv", CLEAN_CSV), 200)
    auth = {"Authorization": token}

    found = api.get(f"/api/metricupdates/status/{metric['jobId']}", headers=auth)
    wrong = api.get(f"/api/progressupdates/status/{metric['jobId']}", headers=auth)
    other = api.get(f"/api/metricupdates/status/{progress['jobId']}", headers=auth)

    assert answer(found, 202)["jobId"] == metric["jobId"]
    assert answer(wrong, 404)["error"] == (
        f"Job {metric['jobId']} is a metric update: ask "
        f"GET /api/metricupdates/status/{metric['jobId']}."
    )
    assert answer(other, 404)["error"] == (
        f"Job {progress['jobId']} is a progress update: ask "
        f"GET /api/progressupdates/status/{progress['jobId']}."
    )


def test_the_metric_calls_need_a_token_too(api):
    answer(
        api.post("/api/metricupdates/v.csv", METRIC_CSV, content_type="text/csv"), 401
    )
    answer(api.get("/api/metricupdates/status/x"), 401)
    assert not Upload.objects.exists()


# --- unknown paths -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/", "/api/nothing", "/api/metricupdates/", "/api/progressupdates/a/b/c"],
)
def test_any_unknown_path_under_api_is_a_json_404(api, token, path):
    body = answer(api.get(path, headers={"Authorization": token}), 404)

    assert body["error"].startswith("No such call.")
    assert "/api/metricupdates/<file name>.csv" in body["error"]
