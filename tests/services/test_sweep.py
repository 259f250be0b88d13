"""The sweep republishes only what is lost, never what merely waits behind a long
queue; one sweep at a time; on a queue of its own (issue 20: a burst multiplied
broker traffic 4x)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from portal.celery import app
from uploads.models import Upload
from uploads.services import delivery
from uploads.services.delivery import upload_sweep

State = Upload.State
PUBLISH_SUBMIT = "uploads.services.delivery.publish_submit"


@pytest.fixture(autouse=True)
def same_broker():
    """The broker did not restart between sweeps (unless a test says so)."""
    with mock.patch.object(delivery, "broker_restarted", return_value=False):
        yield


@pytest.fixture
def overdue(queued, settings):
    """A queued upload a minute overdue (REQUEUE_AFTER 30 s, REPUBLISH_AFTER 5 min)."""
    settings.REQUEUE_AFTER = 30
    settings.REPUBLISH_AFTER = 300
    Upload.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    return queued


def _published(upload: Upload, ago: timedelta | None) -> None:
    Upload.objects.filter(pk=upload.pk).update(
        published_at=None if ago is None else timezone.now() - ago
    )


def test_a_task_waiting_behind_a_long_queue_is_not_published_again(overdue):
    _published(overdue, timedelta(seconds=50))

    with mock.patch(PUBLISH_SUBMIT) as publish:
        assert upload_sweep()["requeued"] == 0

    publish.assert_not_called()


def test_an_upload_whose_publish_failed_is_published_by_the_next_sweep(overdue):
    _published(overdue, None)

    with mock.patch(PUBLISH_SUBMIT) as publish:
        assert upload_sweep()["requeued"] == 1

    publish.assert_called_once_with(overdue.pk)


def test_a_task_published_long_ago_and_still_not_taken_is_lost(overdue):
    Upload.objects.filter(pk=overdue.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10),
        published_at=timezone.now() - timedelta(minutes=10),
    )

    with mock.patch(PUBLISH_SUBMIT) as publish:
        assert upload_sweep()["requeued"] == 1
        # Its republish counts as a publish: not again at the next sweep.
        Upload.objects.filter(pk=overdue.pk).update(published_at=timezone.now())
        assert upload_sweep()["requeued"] == 0

    publish.assert_called_once_with(overdue.pk)


def test_a_retry_published_long_ago_with_a_countdown_is_not_lost_when_just_due(
    overdue,
):
    # Published ten minutes ago to run in 9 minutes: due only a minute ago.
    _published(overdue, timedelta(minutes=10))

    with mock.patch(PUBLISH_SUBMIT) as publish:
        assert upload_sweep()["requeued"] == 0

    publish.assert_not_called()


def test_after_a_broker_restart_everything_overdue_is_published_again(overdue):
    _published(overdue, timedelta(seconds=50))

    with (
        mock.patch.object(delivery, "broker_restarted", return_value=True),
        mock.patch(PUBLISH_SUBMIT) as publish,
    ):
        assert upload_sweep()["requeued"] == 1

    publish.assert_called_once_with(overdue.pk)


def test_a_publish_records_its_time_and_a_failed_one_clears_it(queued):
    from kombu.exceptions import OperationalError

    with mock.patch("uploads.tasks.submit_upload.apply_async"):
        assert delivery.publish_submit(queued.pk)
    queued.refresh_from_db()
    assert queued.published_at is not None

    with mock.patch(
        "uploads.tasks.submit_upload.apply_async",
        side_effect=OperationalError("broker down"),
    ):
        assert not delivery.publish_submit(queued.pk)
    queued.refresh_from_db()
    assert queued.published_at is None


def test_two_sweeps_never_run_at_once(overdue, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    cache.clear()
    _published(overdue, None)
    assert cache.add(delivery.SWEEP_LOCK, "held", timeout=60)  # a sweep running

    with mock.patch(PUBLISH_SUBMIT) as publish:
        assert upload_sweep() == {"skipped": 1}
        publish.assert_not_called()
        cache.delete(delivery.SWEEP_LOCK)  # that sweep ends
        assert upload_sweep()["requeued"] == 1
    # The lock is let go when a sweep ends.
    assert cache.add(delivery.SWEEP_LOCK, "held", timeout=60)
    cache.clear()


def test_the_sweep_has_a_queue_of_its_own_that_every_worker_consumes(settings):
    route = app.amqp.router.route({}, "uploads.tasks.sweep")
    assert route["queue"].name == settings.SWEEP_QUEUE
    submit = app.amqp.router.route({}, "uploads.tasks.submit_upload")
    assert submit["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE
    # A worker started without -Q consumes every declared queue.
    assert {settings.CELERY_TASK_DEFAULT_QUEUE, settings.SWEEP_QUEUE} <= set(
        app.amqp.queues
    )
    # This run's own, as the default queue is (tests/settings.py).
    assert settings.SWEEP_QUEUE.startswith(settings.CELERY_TASK_DEFAULT_QUEUE)
