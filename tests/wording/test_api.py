"""The script API's answers (uploads/wording/api.py): status, JSON and headers for
each outcome. The calls end to end: tests/views/test_api_*.py."""

from __future__ import annotations

from tests.factories import UploadFactory
from uploads.services.api import Checked, Submitted
from uploads.wording import api as words

ERROR = {"line": 3, "column": "Status", "severity": "error", "message": "Row 3"}


def test_a_dry_run_with_one_error_says_so_in_the_singular():
    answer = words.check_answer(Checked(findings=[ERROR], rows=1, sendable=False))
    assert answer.status == 400
    assert answer.body["error"].startswith("The file has 1 error: nothing was queued.")
    assert answer.body["findings"][0]["row"] == 3
    assert answer.body["portalUrl"] is None


def test_a_file_confirming_refused_gives_the_refusal(team):
    upload = UploadFactory(team=team, state="rejected")
    refused = Submitted(upload, queued=False, refusal="The team has no such item.")
    answer = words.submit_answer(refused)
    assert (answer.status, answer.body) == (
        400,
        {"error": "The team has no such item.", "findings": []},
    )


def test_a_queued_file_gives_its_job_and_page(team, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    upload = UploadFactory(team=team, state="queued")
    answer = words.submit_answer(Submitted(upload, queued=True))
    assert answer.status == 200
    assert answer.body["jobId"] == str(upload.public_id)
    assert answer.body["portalUrl"] == (
        f"https://portal.example.org/uploads/{upload.public_id}/"
    )


def test_a_key_still_in_flight_asks_again_in_a_second():
    answer = words.key_in_flight()
    assert (answer.status, answer.headers) == (409, {"Retry-After": "1"})
    assert "still being answered" in answer.body["error"]


def test_too_many_calls_say_the_limit_and_when_to_try_again(settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    answer = words.too_many_calls(retry_after=17)
    assert (answer.status, answer.headers) == (429, {"Retry-After": "17"})
    assert answer.body["error"] == (
        "Too many calls: this token may make 3 a minute. Try again in 17 s."
    )
