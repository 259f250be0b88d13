"""Delivery: from a confirmed upload to AchieveIt's verdict (submit, poll, the
sweep, the email about a problem), AchieveIt faked with responses."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
import responses
from django.core import mail
from django.utils import timezone

from uploads.models import PlanItem, Upload
from uploads.services.delivery import (
    notify_problem,
    upload_poll,
    upload_submit,
    upload_sweep,
)
from uploads.services.review import upload_cancel

# Commit hooks (publishing, mail) run as they do in production: after commit.
pytestmark = pytest.mark.django_db(transaction=True)
State = Upload.State
BASE = "http://achieveit.test"
POST_URL = re.compile(rf"{BASE}/api/progressupdates/[^/]+\.csv")
STATUS_URL = re.compile(rf"{BASE}/api/progressupdates/status/.+")


@pytest.fixture(autouse=True)
def _achieveit(settings):
    settings.ACHIEVEIT_BASE_URL = BASE
    settings.POINT_OF_CONTACT_EMAIL = "contact@example.com"


@responses.activate
def test_a_canceled_upload_is_never_sent(queued, operator):
    upload_cancel(upload=queued, user=operator, reason="Sent by mistake")
    upload_submit(upload_id=queued.pk)
    assert len(responses.calls) == 0
    queued.refresh_from_db()
    assert queued.state == State.CANCELED


@responses.activate
def test_a_refused_key_fails_without_retry_and_mails_once(queued):
    responses.post(POST_URL, status=401, body="unauthorized")

    upload_submit(upload_id=queued.pk)

    queued.refresh_from_db()
    assert queued.state == State.FAILED
    assert "ACHIEVEIT_API_KEY" in queued.error_text
    assert len(responses.calls) == 1
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["alice@example.com", "contact@example.com"]
    assert f"/uploads/{queued.public_id}/" in mail.outbox[0].body
    notify_problem(upload_id=queued.pk)
    assert len(mail.outbox) == 1  # one email per failure, not per call


@responses.activate
def test_a_500_schedules_a_retry_with_backoff(queued, settings):
    settings.SUBMIT_RETRY_BASE = 4
    responses.post(POST_URL, status=500)

    with mock.patch("uploads.services.delivery.publish_submit") as publish:
        upload_submit(upload_id=queued.pk)

    queued.refresh_from_db()
    assert queued.state == State.QUEUED
    assert queued.submit_attempts == 1
    (delay,) = (call.kwargs["countdown"] for call in publish.call_args_list)
    assert 0 <= delay <= 4
    assert queued.next_attempt_at <= timezone.now() + timedelta(seconds=4)
    # A message that arrives before the retry is due sends nothing.
    Upload.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=60)
    )
    upload_submit(upload_id=queued.pk)
    assert len(responses.calls) == 1


@responses.activate
def test_polling_backs_off_then_records_success(queued, settings):
    settings.POLL_FIRST_DELAY = 2
    responses.post(POST_URL, json={"jobId": "job-7"})
    responses.get(STATUS_URL, status=202)
    with mock.patch("uploads.services.delivery.publish_poll") as publish:
        upload_submit(upload_id=queued.pk)
        delays = [publish.call_args.kwargs["countdown"]]
        for _ in range(3):
            Upload.objects.filter(pk=queued.pk).update(next_poll_at=timezone.now())
            upload_poll(upload_id=queued.pk)
            delays.append(publish.call_args.kwargs["countdown"])
    assert delays == [2, 4, 8, 16]

    responses.upsert(responses.GET, STATUS_URL, status=200, body="done")
    Upload.objects.filter(pk=queued.pk).update(next_poll_at=timezone.now())
    upload_poll(upload_id=queued.pk)
    queued.refresh_from_db()
    assert queued.state == State.SUCCEEDED
    assert queued.job_id == "job-7"
    assert [a.status_code for a in queued.attempts.all()] == [200, 202, 202, 202, 200]


@responses.activate
def test_success_marks_the_items_it_carried_as_updated(queued, plan_items, team):
    other = PlanItem.objects.create(team=team, external_id="NOT-IN-THE-FILE")
    responses.post(POST_URL, json={"jobId": "job-7"})
    responses.get(STATUS_URL, status=200)
    with mock.patch("uploads.services.delivery.publish_poll"):
        upload_submit(upload_id=queued.pk)
        Upload.objects.filter(pk=queued.pk).update(next_poll_at=timezone.now())
        upload_poll(upload_id=queued.pk)
    queued.refresh_from_db()

    assert queued.state == State.SUCCEEDED
    updated = set(
        PlanItem.objects.filter(last_updated_at=queued.finished_at).values_list(
            "external_id", flat=True
        )
    )
    assert updated == {item.external_id for item in plan_items}
    other.refresh_from_db()
    assert other.last_updated_at is None


@responses.activate
def test_a_poll_not_yet_due_does_nothing(queued):
    responses.post(POST_URL, json={"jobId": "job-7"})
    with mock.patch("uploads.services.delivery.publish_poll"):
        upload_submit(upload_id=queued.pk)
        upload_poll(upload_id=queued.pk)  # a duplicate, early message
    assert len(responses.calls) == 1


@responses.activate
def test_no_verdict_by_the_deadline_goes_to_review(queued, settings):
    settings.POLL_DEADLINE = 3600
    responses.post(POST_URL, json={"jobId": "job-7"})
    with mock.patch("uploads.services.delivery.publish_poll"):
        upload_submit(upload_id=queued.pk)
    Upload.objects.filter(pk=queued.pk).update(
        submitted_at=timezone.now() - timedelta(hours=2), next_poll_at=timezone.now()
    )

    upload_poll(upload_id=queued.pk)

    queued.refresh_from_db()
    assert queued.state == State.NEEDS_REVIEW
    assert "by the deadline" in queued.error_text
    assert len(responses.calls) == 1  # gave up without asking again


def test_the_sweep_sends_stuck_submissions_to_review(queued, settings):
    settings.SUBMIT_STUCK_AFTER = 60
    Upload.objects.filter(pk=queued.pk).update(
        state=State.SUBMITTING, submitting_since=timezone.now() - timedelta(minutes=5)
    )
    assert upload_sweep()["stuck"] == 1
    queued.refresh_from_db()
    assert queued.state == State.NEEDS_REVIEW


def test_the_sweep_leaves_a_recent_submission_alone(queued, settings):
    settings.SUBMIT_STUCK_AFTER = 60
    Upload.objects.filter(pk=queued.pk).update(
        state=State.SUBMITTING, submitting_since=timezone.now()
    )
    assert upload_sweep()["stuck"] == 0
    queued.refresh_from_db()
    assert queued.state == State.SUBMITTING


def test_the_sweep_republishes_a_queued_upload_once_per_grace_period(queued, settings):
    settings.REQUEUE_AFTER = 30
    # Its task was lost: its publish failed (tests/services/test_sweep.py has
    # what is not taken as lost).
    Upload.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1), published_at=None
    )
    with mock.patch("uploads.services.delivery.publish_submit") as publish:
        assert upload_sweep()["requeued"] == 1
        assert upload_sweep()["requeued"] == 0
    publish.assert_called_once_with(queued.pk)


def test_a_missing_api_key_fails_the_upload_with_a_clear_reason(queued, settings):
    settings.ACHIEVEIT_API_KEY = ""

    upload_submit(upload_id=queued.pk)

    queued.refresh_from_db()
    assert queued.state == State.FAILED
    assert "cannot reach AchieveIt as configured" in queued.error_text
    assert "ACHIEVEIT_API_KEY" in queued.error_text


def test_an_overdue_poll_is_republished_once_per_grace_period(queued, settings):
    settings.REQUEUE_AFTER = 30
    Upload.objects.filter(pk=queued.pk).update(
        state=State.PROCESSING,
        job_id="job-7",
        submitted_at=timezone.now(),
        next_poll_at=timezone.now() - timedelta(minutes=1),
        published_at=None,
    )
    with mock.patch("uploads.services.delivery.publish_poll") as publish:
        assert upload_sweep()["polled"] == 1
        assert upload_sweep()["polled"] == 0
    publish.assert_called_once_with(queued.pk)


def _poll_until_settled(upload: Upload, answers: list[int]) -> list[int]:
    """Submit, then poll (as often as the upload keeps asking) while AchieveIt
    answers the status calls with `answers` in turn; the status codes recorded."""
    responses.post(POST_URL, json={"jobId": "job-7"})
    for status in answers:
        responses.get(STATUS_URL, status=status, body=f"answer {status}")
    with mock.patch("uploads.services.delivery.publish_poll") as publish:
        upload_submit(upload_id=upload.pk)
        for _ in answers:
            upload.refresh_from_db()
            if upload.state != State.PROCESSING:
                break
            Upload.objects.filter(pk=upload.pk).update(next_poll_at=timezone.now())
            publish.reset_mock()
            upload_poll(upload_id=upload.pk)
    upload.refresh_from_db()
    return [attempt.status_code for attempt in upload.attempts.all()]


@responses.activate
def test_a_single_500_on_a_status_poll_is_asked_again(queued, settings):
    settings.POLL_FIRST_DELAY = 2
    responses.post(POST_URL, json={"jobId": "job-7"})
    responses.get(STATUS_URL, status=500, body="gateway hiccup")
    with mock.patch("uploads.services.delivery.publish_poll") as publish:
        upload_submit(upload_id=queued.pk)
        Upload.objects.filter(pk=queued.pk).update(next_poll_at=timezone.now())
        upload_poll(upload_id=queued.pk)
    queued.refresh_from_db()
    assert queued.state == State.PROCESSING  # not failed on one 500
    assert publish.call_args.kwargs["countdown"] == 4  # the normal backoff
    assert len(mail.outbox) == 0


@responses.activate
def test_a_500_then_200_on_status_succeeds(queued):
    assert _poll_until_settled(queued, [500, 200]) == [200, 500, 200]
    assert queued.state == State.SUCCEEDED
    assert queued.error_text == ""
    assert len(mail.outbox) == 0


@responses.activate
def test_a_500_then_202_keeps_polling(queued):
    assert _poll_until_settled(queued, [500, 202, 500, 200]) == [
        200,
        500,
        202,
        500,
        200,
    ]
    assert queued.state == State.SUCCEEDED


@responses.activate
def test_500_three_times_in_a_row_is_the_failure_verdict(queued, settings):
    settings.STATUS_500_CONFIRMATIONS = 2
    assert _poll_until_settled(queued, [500, 500, 500, 200]) == [200, 500, 500, 500]
    assert queued.state == State.FAILED
    assert "answered 500 to 3 status requests in a row" in queued.error_text
    assert "answer 500" in queued.error_text  # what AchieveIt said
    assert len(mail.outbox) == 1


@responses.activate
def test_the_number_of_confirmations_is_a_setting(queued, settings):
    settings.STATUS_500_CONFIRMATIONS = 1
    assert _poll_until_settled(queued, [500, 500, 200]) == [200, 500, 500]
    assert queued.state == State.FAILED


@responses.activate
def test_a_500_then_400_is_a_failure(queued):
    assert _poll_until_settled(queued, [500, 400, 200]) == [200, 500, 400]
    assert queued.state == State.FAILED
    assert "answer 400" in queued.error_text


@responses.activate
def test_a_metric_upload_goes_to_the_metric_calls(queued, settings):
    settings.ACHIEVEIT_METRIC_STATUS_PATH = "/api/metricupdates/status/{job_id}"
    metric_csv = (
        "External ID,Current Metric Value,As Of Date\nSALES-Q4-01,0.5,2026-10-31\n"
    )
    Upload.objects.filter(pk=queued.pk).update(
        kind=Upload.Kind.METRIC, normalized_csv=metric_csv
    )
    responses.post(
        re.compile(rf"{BASE}/api/metricupdates/[^/]+\.csv"), json={"jobId": "m-9"}
    )
    responses.get(f"{BASE}/api/metricupdates/status/m-9", status=200, body="done")

    with mock.patch("uploads.services.delivery.publish_poll"):
        upload_submit(upload_id=queued.pk)
        Upload.objects.filter(pk=queued.pk).update(next_poll_at=timezone.now())
        upload_poll(upload_id=queued.pk)

    queued.refresh_from_db()
    assert queued.state == State.SUCCEEDED
    post, poll = responses.calls
    assert "/api/metricupdates/portal-" in post.request.url
    assert post.request.body == metric_csv.encode()
    assert poll.request.url == f"{BASE}/api/metricupdates/status/m-9"
