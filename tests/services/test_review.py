"""Staff decisions on an upload that failed or needs a person: retry (a fresh
submission, published after commit), resolve with a note, cancel; each only from
the states that allow it."""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import timezone

from uploads import services
from uploads.models import AuditEvent, Upload

State = Upload.State


def test_staff_retry_resolve_and_cancel(queued, operator):
    Upload.objects.filter(pk=queued.pk).update(state=State.FAILED)
    retried = services.upload_retry(upload=queued, user=operator)
    assert retried.state == State.QUEUED
    assert retried.submit_attempts == 0

    with pytest.raises(services.ServiceError, match="Only failed or needs-review"):
        services.upload_retry(upload=queued, user=operator)

    Upload.objects.filter(pk=queued.pk).update(state=State.NEEDS_REVIEW)
    with pytest.raises(services.ServiceError, match="needs a note"):
        services.upload_resolve(upload=queued, user=operator, note="  ")
    resolved = services.upload_resolve(
        upload=queued, user=operator, note="Checked in AchieveIt: applied."
    )
    assert resolved.state == State.RESOLVED
    assert resolved.resolution_note == "Checked in AchieveIt: applied."

    with pytest.raises(services.ServiceError, match="already finished"):
        services.upload_cancel(upload=queued, user=operator)
    actions = AuditEvent.objects.filter(actor=operator).values_list("action", flat=True)
    assert list(actions) == ["upload.retried", "upload.resolved"]


def test_a_retry_is_a_fresh_submission_that_can_email_again(queued, operator):
    Upload.objects.filter(pk=queued.pk).update(
        state=State.NEEDS_REVIEW,
        job_id="job-7",
        submit_attempts=3,
        poll_count=9,
        notified_at=timezone.now(),
    )
    retried = services.upload_retry(upload=queued, user=operator)
    assert (retried.job_id, retried.submit_attempts, retried.poll_count) == ("", 0, 0)
    assert retried.notified_at is None
    assert retried.next_attempt_at <= timezone.now()


def test_a_retry_publishes_the_submit_task_only_after_commit(
    queued, operator, django_capture_on_commit_callbacks
):
    Upload.objects.filter(pk=queued.pk).update(state=State.FAILED)
    with mock.patch("uploads.services.delivery.publish_submit") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.upload_retry(upload=queued, user=operator)
            assert publish.call_count == 0
        for callback in callbacks:
            callback()
    publish.assert_called_once_with(queued.pk)


def test_a_refused_retry_publishes_nothing(
    draft, operator, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(services.ServiceError, match="Only failed or needs-review"),
    ):
        services.upload_retry(upload=draft, user=operator)
    assert callbacks == []
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_cancel_stops_an_upload_on_its_way(queued, operator):
    canceled = services.upload_cancel(upload=queued, user=operator)
    assert canceled.state == State.CANCELED
    assert canceled.finished_at is not None
    assert queued.events.get(action="upload.canceled").actor == operator


def test_a_resolution_keeps_the_note_in_the_history(queued, operator):
    Upload.objects.filter(pk=queued.pk).update(state=State.FAILED)
    services.upload_resolve(upload=queued, user=operator, note="  Applied by hand ")
    event = queued.events.get(action="upload.resolved")
    assert event.details == {"note": "Applied by hand"}
    assert event.description == "Resolved: Applied by hand"
