"""A task published through Redis runs in a real `celery -A portal worker` process."""

from __future__ import annotations

import uuid

from tests.helpers import wait_until
from uploads.models import AuditEvent
from uploads.tasks import ping


def test_a_real_worker_runs_a_task_sent_through_redis(workers):
    worker = workers.start(beat=False)
    token = uuid.uuid4().hex

    ping.delay(token)

    wait_until(lambda: f"ping {token}: database answered 1" in worker.log(), timeout=30)
    assert "uploads.tasks.ping" in worker.log()
    # A health check leaves no trace in the audit history.
    assert not AuditEvent.objects.exists()
