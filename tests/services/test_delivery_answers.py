"""What AchieveIt answered, as the portal writes it for people (issue 19): the
Problem field, the history and the failure email word AchieveIt's reasons and
tie them to the person's rows, never quoting its raw JSON; a retried send reads
in order."""

from __future__ import annotations

import json
import re
from unittest import mock

import pytest
import responses
from django.core import mail
from django.utils import timezone

from uploads.models import AuditEvent, Upload
from uploads.services.delivery import upload_poll, upload_submit
from uploads.wording.history import sentence

pytestmark = pytest.mark.django_db(transaction=True)
State = Upload.State
Action = AuditEvent.Action
BASE = "http://achieveit.test"
POST_URL = re.compile(rf"{BASE}/api/progressupdates/[^/]+\.csv")
STATUS_URL = re.compile(rf"{BASE}/api/progressupdates/status/.+")
VERDICT = {
    "jobId": "job-7",
    "status": "Failed",
    "errors": [
        {"row": 4, "message": "value 0.93 is out of range"},
        {"row": None, "message": "1 row failed"},
    ],
}


@pytest.fixture(autouse=True)
def _achieveit(settings):
    settings.ACHIEVEIT_BASE_URL = BASE
    settings.POINT_OF_CONTACT_EMAIL = "contact@example.com"


def _sentences(upload: Upload) -> list[str]:
    return [sentence(event) for event in upload.events.select_related("upload")]


@responses.activate
def test_a_failed_verdict_is_worded_with_the_rows_it_names(queued):
    responses.post(POST_URL, json={"jobId": "job-7"})
    responses.get(STATUS_URL, status=400, json=VERDICT)
    with mock.patch("uploads.services.delivery.publish_poll"):
        upload_submit(upload_id=queued.pk)
        Upload.objects.filter(pk=queued.pk).update(next_poll_at=timezone.now())
        upload_poll(upload_id=queued.pk)
    queued.refresh_from_db()
    assert queued.state == State.FAILED
    # Row 4 of the file as sent is its third update: row 4 of alice's file too.
    reasons = (
        "AchieveIt's reasons: row 4 of the file as sent (your row 4, HR-RETENTION): "
        "value 0.93 is out of range; 1 row failed."
    )
    assert reasons in queued.error_text
    for text in (queued.error_text, mail.outbox[0].body, " ".join(_sentences(queued))):
        assert "jobId" not in text
        assert "{" not in text
    assert reasons in mail.outbox[0].body
    assert any(reasons in line for line in _sentences(queued))


@responses.activate
def test_a_plain_answer_is_quoted_and_a_wordless_json_one_is_not(queued, settings):
    settings.SUBMIT_MAX_ATTEMPTS = 1
    responses.post(POST_URL, status=500, json={"jobId": None, "status": "Error"})
    upload_submit(upload_id=queued.pk)
    queued.refresh_from_db()
    assert queued.state == State.FAILED
    assert "{" not in queued.error_text
    assert "its answer is on the upload's page" in queued.error_text


@responses.activate
def test_a_retried_send_reads_in_order_and_in_words(queued, settings):
    settings.SUBMIT_RETRY_BASE = 2
    responses.post(
        POST_URL, status=500, body=json.dumps({"errors": [{"message": "busy"}]})
    )
    with mock.patch("uploads.services.delivery.publish_submit"):
        upload_submit(upload_id=queued.pk)
    lines = _sentences(queued)
    started, retry = lines[-2], lines[-1]
    assert started == "The portal began sending the file to AchieveIt"
    assert "delivered" not in " ".join(lines)
    assert re.fullmatch(
        # Full jitter: the wait drawn may be none at all.
        r"AchieveIt did not take the file \(HTTP 500\); it is sent again "
        r"(in \d+ seconds?|at once)",
        retry,
    ), retry
