"""portal/local_broker.py, the local run's embedded broker: a worker waiting for
messages looks at its stop flag every fraction of a second, not every 2-3 s, and
messages still arrive."""

from __future__ import annotations

import socket
import time

import pytest
from kombu import Connection, Exchange, Queue


def connect(tmp_path, transport: str) -> Connection:
    for folder in ("queue", "control"):
        (tmp_path / folder).mkdir(exist_ok=True)
    options = {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 0.1,  # as the settings have it
    }
    return Connection(
        "filesystem://localhost//", transport=transport, transport_options=options
    )


def test_a_wait_celery_bounds_by_2_s_ends_within_a_slice(tmp_path):
    queue = Queue("tasks", Exchange("tasks"), routing_key="tasks")
    received = []

    def on_message(body, message):
        received.append(body)
        message.ack()

    with (
        connect(tmp_path, "portal.local_broker:Transport") as connection,
        connection.Consumer(queue, callbacks=[on_message]),
    ):
        started = time.monotonic()
        # Celery's worker loop for this transport calls drain_events(timeout=2.0)
        # and looks for a stop request in between.
        with pytest.raises(socket.timeout):
            connection.drain_events(timeout=2.0)
        assert time.monotonic() - started < 1.0

        connection.Producer().publish(
            {"n": 1}, exchange=queue.exchange, routing_key="tasks", declare=[queue]
        )
        connection.drain_events(timeout=2.0)
        assert received == [{"n": 1}]


def test_kombus_own_filesystem_transport_waits_the_whole_timeout(tmp_path):
    """Why the local run has a transport of its own."""
    queue = Queue("tasks", Exchange("tasks"), routing_key="tasks")
    with (
        connect(tmp_path, "filesystem") as connection,
        connection.Consumer(queue, callbacks=[]),
    ):
        started = time.monotonic()
        with pytest.raises(socket.timeout):
            connection.drain_events(timeout=2.0)
        assert time.monotonic() - started >= 2.0
