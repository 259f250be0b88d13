"""Staff decisions on an upload that failed or needs a person: retry (a fresh
submission, published after commit), resolve with a note, cancel; each only from
the states that allow it."""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import timezone

from tests.factories import UploadFactory
from uploads.models import AuditEvent, Upload
from uploads.services.errors import ServiceError
from uploads.services.review import (
    BulkAction,
    NeedsConfirmation,
    upload_cancel,
    upload_resolve,
    upload_retry,
    uploads_bulk,
)

State = Upload.State
Outcome = Upload.ResolutionOutcome


def test_staff_retry_resolve_and_cancel(queued, operator):
    Upload.objects.filter(pk=queued.pk).update(state=State.FAILED)
    retried = upload_retry(upload=queued, user=operator)
    assert retried.state == State.QUEUED
    assert retried.submit_attempts == 0

    with pytest.raises(ServiceError, match="Only failed or needs-review"):
        upload_retry(upload=queued, user=operator)

    Upload.objects.filter(pk=queued.pk).update(state=State.NEEDS_REVIEW)
    with pytest.raises(ServiceError, match="needs a note"):
        upload_resolve(upload=queued, user=operator, note="  ", outcome=Outcome.APPLIED)
    with pytest.raises(ServiceError, match="applied the updates"):
        upload_resolve(upload=queued, user=operator, note="Done", outcome="")
    resolved = upload_resolve(
        upload=queued,
        user=operator,
        note="Checked in AchieveIt: applied.",
        outcome=Outcome.APPLIED,
    )
    assert resolved.state == State.RESOLVED
    assert resolved.resolution_note == "Checked in AchieveIt: applied."
    assert resolved.resolution_outcome == Outcome.APPLIED

    with pytest.raises(ServiceError, match="already finished"):
        upload_cancel(upload=queued, user=operator, reason="Too late")
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
    retried = upload_retry(upload=queued, user=operator, confirmed_unknown_outcome=True)
    assert (retried.job_id, retried.submit_attempts, retried.poll_count) == ("", 0, 0)
    assert retried.notified_at is None
    assert retried.next_attempt_at <= timezone.now()


def test_a_retry_publishes_the_submit_task_only_after_commit(
    queued, operator, django_capture_on_commit_callbacks
):
    Upload.objects.filter(pk=queued.pk).update(state=State.FAILED)
    with mock.patch("uploads.services.delivery.publish_submit") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            upload_retry(upload=queued, user=operator)
            assert publish.call_count == 0
        for callback in callbacks:
            callback()
    publish.assert_called_once_with(queued.pk)


def test_a_refused_retry_publishes_nothing(
    draft, operator, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ServiceError, match="Only failed or needs-review"),
    ):
        upload_retry(upload=draft, user=operator)
    assert callbacks == []
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_cancel_stops_an_upload_on_its_way(queued, operator):
    with pytest.raises(ServiceError, match="needs a reason"):
        upload_cancel(upload=queued, user=operator, reason=" ")
    canceled = upload_cancel(
        upload=queued, user=operator, reason=" Sent to the wrong team "
    )
    assert canceled.state == State.CANCELED
    assert canceled.finished_at is not None
    event = queued.events.get(action="upload.canceled")
    assert event.actor == operator
    assert event.details == {"reason": "Sent to the wrong team"}
    assert event.description == "Canceled: Sent to the wrong team"


def test_a_resolution_keeps_the_note_in_the_history(queued, operator):
    Upload.objects.filter(pk=queued.pk).update(state=State.FAILED)
    upload_resolve(
        upload=queued,
        user=operator,
        note="  Applied by hand ",
        outcome=Outcome.NOT_APPLIED,
    )
    event = queued.events.get(action="upload.resolved")
    assert event.details == {"note": "Applied by hand", "outcome": "not_applied"}
    assert event.description == "Resolved: Applied by hand"


def test_a_needs_review_upload_is_not_sent_again_without_confirmation(
    queued, operator, django_capture_on_commit_callbacks
):
    Upload.objects.filter(pk=queued.pk).update(
        state=State.NEEDS_REVIEW, remote_filename="sales-1-a1.csv"
    )
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(NeedsConfirmation, match="AchieveIt may already hold"),
    ):
        upload_retry(upload=queued, user=operator)
    assert callbacks == []
    queued.refresh_from_db()
    assert queued.state == State.NEEDS_REVIEW
    assert not queued.events.filter(action="upload.retried").exists()


def test_a_confirmed_retry_records_what_the_operator_vouched_for(queued, operator):
    Upload.objects.filter(pk=queued.pk).update(
        state=State.NEEDS_REVIEW, remote_filename="sales-1-a1.csv"
    )
    upload_retry(
        upload=queued,
        user=operator,
        confirmed_unknown_outcome=True,
        note="Not in AchieveIt's job list",
    )
    event = queued.events.get(action="upload.retried")
    assert event.actor == operator
    assert event.details == {
        "from_state": "needs_review",
        "note": "Not in AchieveIt's job list",
        "checked_achieveit": True,
        "remote_filename": "sales-1-a1.csv",
    }


def _uploads_in(team, *states):
    return [UploadFactory(team=team, state=state) for state in states]


def test_bulk_send_again_sends_the_failed_and_lists_the_unknown_ones(
    team, operator, django_capture_on_commit_callbacks
):
    failed, needs_review, done = _uploads_in(
        team, State.FAILED, State.NEEDS_REVIEW, State.SUCCEEDED
    )
    with django_capture_on_commit_callbacks() as callbacks:
        result = uploads_bulk(
            uploads=[failed, needs_review, done],
            user=operator,
            action=BulkAction.RETRY,
            text="AchieveIt was down",
        )
    assert [u.pk for u in result.done] == [failed.pk]
    assert [u.pk for u in result.awaiting_confirmation] == [needs_review.pk]
    assert [(u.pk, why) for u, why in result.refused] == [
        (done.pk, "Only failed or needs-review uploads can be retried.")
    ]
    assert len(callbacks) == 1  # one submit published, for the failed one
    states = dict(Upload.objects.values_list("pk", "state"))
    assert states == {
        failed.pk: State.QUEUED,
        needs_review.pk: State.NEEDS_REVIEW,
        done.pk: State.SUCCEEDED,
    }
    assert failed.events.get(action="upload.retried").details["note"] == (
        "AchieveIt was down"
    )


def test_bulk_resolve_and_cancel_apply_one_note_to_each(team, operator):
    first, second = _uploads_in(team, State.FAILED, State.NEEDS_REVIEW)
    result = uploads_bulk(
        uploads=[first, second],
        user=operator,
        action=BulkAction.RESOLVE,
        text="Applied by hand in AchieveIt",
        outcome=Outcome.APPLIED,
    )
    assert len(result.done) == 2
    for upload in (first, second):
        upload.refresh_from_db()
        assert upload.resolution_outcome == Outcome.APPLIED
        assert upload.events.get(action="upload.resolved").details == {
            "note": "Applied by hand in AchieveIt",
            "outcome": "applied",
        }
    third, fourth = _uploads_in(team, State.FAILED, State.QUEUED)
    result = uploads_bulk(
        uploads=[third, fourth], user=operator, action=BulkAction.CANCEL, text="Dup"
    )
    assert len(result.done) == 2
    assert set(
        Upload.objects.filter(pk__in=[third.pk, fourth.pk]).values_list(
            "state", flat=True
        )
    ) == {State.CANCELED}


def test_bulk_needs_its_note_and_outcome_before_changing_anything(team, operator):
    (failed,) = _uploads_in(team, State.FAILED)
    with pytest.raises(ServiceError, match="needs a note or reason"):
        uploads_bulk(
            uploads=[failed], user=operator, action=BulkAction.CANCEL, text=" "
        )
    with pytest.raises(ServiceError, match="applied the updates"):
        uploads_bulk(
            uploads=[failed], user=operator, action=BulkAction.RESOLVE, text="Done"
        )
    failed.refresh_from_db()
    assert failed.state == State.FAILED
