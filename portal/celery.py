"""The Celery application: `celery -A portal worker` and `celery -A portal beat`.

Configuration is read from Django settings (the CELERY_* names).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, Task
from celery.worker.request import Request
from kombu import Exchange, Queue

from portal.env import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
logger = logging.getLogger(__name__)


def _channel_closed(request: Request) -> bool:
    """True when the message's channel lost its connection: kombu's redis
    transport sets the transport's `client` to None when celery closes it."""
    channel = getattr(request._message, "channel", None)
    connection = getattr(channel, "connection", None)
    return channel is None or getattr(connection, "client", None) is None


class SafeAckRequest(Request):
    """A task request whose ack or reject on a channel closed by a lost broker
    connection is logged instead of ending the worker.

    Celery 5.7 closes the connection when Redis goes away; a task with acks_late
    still running then acks on the old channel, kombu rebuilds a pool from the
    closed transport and raises AttributeError ("'NoneType' object has no attribute
    'hostname'"), which celery takes as an unrecoverable error. The message is not
    lost: Redis redelivers an unacked message after the visibility timeout, and
    the tasks' conditional claims make the rerun do nothing.
    """

    def acknowledge(self) -> None:
        try:
            super().acknowledge()
        except AttributeError:
            if not _channel_closed(self):
                raise
            self._ack_lost("ack")

    def reject(self, requeue: bool = False) -> None:
        try:
            super().reject(requeue=requeue)
        except AttributeError:
            if not _channel_closed(self):
                raise
            self._ack_lost("reject")

    def _ack_lost(self, what: str) -> None:
        self.acknowledged = True
        logger.error(
            "Could not %s task %s[%s]: its broker connection was closed (the broker "
            "went away); it is delivered again after the visibility timeout.",
            what,
            self.task_name,
            self.id,
            exc_info=True,
        )


class PortalTask(Task):
    """Every task of the portal: its requests survive an ack on a closed channel."""

    Request = SafeAckRequest


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _declare_queues(sender: Celery, **kwargs: Any) -> None:
    """Every worker consumes the default queue and the sweep's (SWEEP_QUEUE, where
    task_routes sends the sweep), without a -Q on any command line: the sweep so
    never waits behind a burst of upload tasks, and a worker never misses it."""
    from django.conf import settings

    conf = sender.conf
    if conf.task_queues is None:
        conf.task_queues = [
            Queue(name, Exchange(name), routing_key=name)
            for name in (conf.task_default_queue, settings.SWEEP_QUEUE)
        ]


@app.on_configure.connect
def _load_settings(sender: Celery, **kwargs: Any) -> None:
    """Load Django's settings before Celery reads them, so a configuration error
    ends `celery worker` and `celery beat` with one line instead of a traceback."""
    from django.conf import settings

    exit_on_config_error(lambda: settings.INSTALLED_APPS)
