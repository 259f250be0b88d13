"""A big file sent to the script API is checked by a worker, not in the web thread
that took it: 202 with the job, and the status call answers what the POST would
have (findings, a dry run's verdict, the way to AchieveIt). Files being checked at
once are limited per token and per team: 429 past either (issue 20)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from tests.helpers import MESSY_CSV
from tests.pipeline import CLEAN_CSV
from uploads import csvformat, tasks
from uploads.models import Upload
from uploads.services.tokens import token_create

URL = "/api/progressupdates/weekly.csv"
STATUS = "/api/progressupdates/status/{}"
State = Upload.State
METRIC_CSV = b"External ID,Current Value,As Of Date\nSALES-Q4-01,0.61,2026-10-31\n"


@pytest.fixture(autouse=True)
def big(settings):
    """Every file here is 'big': over the size checked in the request."""
    settings.CHECK_IN_WORKER_BYTES = 10


@pytest.fixture
def token(team, alice):
    _, plaintext = token_create(team=team, name="weekly export", actor=alice)
    return plaintext


@pytest.fixture
def api(plan_items):
    return Client(enforce_csrf_checks=True)


def send(api, token, data=CLEAN_CSV, url=URL, **headers):
    headers["Authorization"] = f"API-KEY {token}"
    return api.post(url, data=data, content_type="text/csv", headers=headers)


def status(api, token, job_id):
    return api.get(STATUS.format(job_id), headers={"Authorization": f"API-KEY {token}"})


def worker_checks(job_id) -> Upload:
    """What the worker does with the check_upload task the POST published."""
    upload = Upload.objects.get(public_id=job_id)
    tasks.check_upload(upload.pk)
    upload.refresh_from_db()
    return upload


def test_a_big_file_is_not_checked_in_the_request(api, token):
    with mock.patch.object(csvformat, "parse") as parse:
        answer = send(api, token)

    parse.assert_not_called()
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["dryRun"] is False
    assert body["statusUrl"] == STATUS.format(body["jobId"])
    assert Upload.objects.get().state == State.CHECKING
    assert status(api, token, body["jobId"]).status_code == 202


def test_a_big_clean_file_is_queued_once_the_worker_checked_it(api, token):
    job_id = send(api, token).json()["jobId"]

    assert worker_checks(job_id).state == State.QUEUED
    answer = status(api, token, job_id)
    assert answer.status_code == 202
    assert answer.json()["state"] == State.QUEUED


def test_a_big_bad_file_answers_its_findings_on_the_status_call(api, token):
    job_id = send(api, token, data=MESSY_CSV).json()["jobId"]

    assert worker_checks(job_id).state == State.REJECTED
    body = status(api, token, job_id).json()
    assert status(api, token, job_id).status_code == 400
    assert "nothing was queued" in body["error"]
    assert any(f["severity"] == "error" for f in body["findings"])


def test_a_big_dry_run_is_checked_by_the_worker_and_never_queued(api, token):
    with mock.patch.object(csvformat, "parse") as parse:
        answer = send(api, token, url=URL + "?dry_run=true")
    parse.assert_not_called()
    assert answer.status_code == 202
    job_id = answer.json()["jobId"]
    assert answer.json()["dryRun"] is True

    assert worker_checks(job_id).state == State.REJECTED
    verdict = status(api, token, job_id)
    assert verdict.status_code == 200
    assert verdict.json()["dryRun"] is True
    assert verdict.json()["rows"] == 4
    assert not Upload.objects.filter(state=State.QUEUED).exists()


def test_a_big_metric_file_sent_as_progress_is_refused_after_its_check(api, token):
    job_id = send(api, token, data=METRIC_CSV).json()["jobId"]

    assert worker_checks(job_id).state == State.REJECTED
    answer = status(api, token, job_id)
    assert answer.status_code == 400
    assert "This is a metric update" in answer.json()["error"]


def test_a_token_may_have_only_so_many_files_checked_at_once(
    api, token, team, alice, settings
):
    settings.CHECKS_PER_PERSON = 2
    assert send(api, token).status_code == 202
    assert send(api, token, url=URL + "?dry_run=true").status_code == 202

    refused = send(api, token)

    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "2 files sent by this token are being checked" in refused.json()["error"]
    assert Upload.objects.count() == 2
    # Another token of the team is not held back by this one's checks.
    _, other = token_create(team=team, name="other script", actor=alice)
    assert send(api, other).status_code == 202


def test_a_team_may_have_only_so_many_files_checked_at_once(
    api, token, team, alice, settings
):
    settings.CHECKS_PER_PERSON = 5
    settings.CHECKS_PER_TEAM = 1
    _, other = token_create(team=team, name="other script", actor=alice)
    assert send(api, token).status_code == 202

    refused = send(api, other)

    assert refused.status_code == 429
    assert "this token's team" in refused.json()["error"]


def test_a_slot_frees_once_the_worker_checked_the_file(api, token, settings):
    settings.CHECKS_PER_PERSON = 1
    job_id = send(api, token).json()["jobId"]
    assert send(api, token).status_code == 429

    worker_checks(job_id)

    assert send(api, token).status_code == 202


def test_the_sweep_queues_a_big_file_whose_worker_stopped_after_the_check(
    api, token, settings
):
    settings.REQUEUE_AFTER = 0
    job_id = send(api, token).json()["jobId"]
    upload = Upload.objects.get(public_id=job_id)
    # The worker checked it and was killed before it went on.
    from uploads.services.drafts import upload_check_by_id

    upload_check_by_id(upload_id=upload.pk)
    assert Upload.objects.get(pk=upload.pk).state == State.DRAFT

    with mock.patch.object(tasks, "upload_sweep", return_value={}):
        assert tasks.sweep()["api_finished"] == 1

    assert Upload.objects.get(pk=upload.pk).state == State.QUEUED
