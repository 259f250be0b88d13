"""A task that finishes after the broker connection was lost acks on a closed
channel: kombu raises AttributeError there, and the worker logs it instead of
exiting with "Unrecoverable error" (issue 20)."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from celery.contrib.testing.mocks import TaskMessage
from kombu import Message

from portal.celery import SafeAckRequest, app

CRASH = AttributeError("'NoneType' object has no attribute 'hostname'")


def _request(*, connection_client: object | None) -> SafeAckRequest:
    """A request for a real kombu message whose channel's ack raises as kombu's
    redis transport does once its connection was closed."""
    headers = TaskMessage("uploads.tasks.submit_upload", args=[7]).headers
    channel = mock.Mock(no_ack_consumers=None)
    channel.connection.client = connection_client
    channel.basic_ack.side_effect = CRASH
    channel.basic_reject.side_effect = CRASH
    message = Message(
        body=b"[[7], {}, {}]",
        channel=channel,
        delivery_tag="tag-1",
        content_type="application/json",
        content_encoding="utf-8",
        headers=headers,
    )
    # As the worker's consumer hands them over (celery.worker.consumer).
    return SafeAckRequest(
        message,
        app=app,
        on_ack=message.ack_log_error,
        on_reject=message.reject_log_error,
        connection_errors=(ConnectionError,),
    )


def test_every_portal_task_uses_the_safe_request():
    import uploads.tasks  # noqa: F401

    task = app.tasks["uploads.tasks.submit_upload"]
    assert task.Request is SafeAckRequest


def test_an_ack_on_a_closed_channel_is_logged_not_raised(caplog):
    request = _request(connection_client=None)
    caplog.set_level(logging.ERROR, logger="portal.celery")

    request.acknowledge()

    assert request.acknowledged
    assert "Could not ack task uploads.tasks.submit_upload" in caplog.text
    assert "broker connection was closed" in caplog.text


def test_a_reject_on_a_closed_channel_is_logged_not_raised(caplog):
    request = _request(connection_client=None)
    caplog.set_level(logging.ERROR, logger="portal.celery")

    request.reject(requeue=True)

    assert request.acknowledged
    assert "Could not reject" in caplog.text


def test_the_same_error_on_an_open_channel_is_still_raised():
    request = _request(connection_client=mock.Mock(hostname="redis"))

    with pytest.raises(AttributeError):
        request.acknowledge()
