"""The local run's embedded broker: kombu's filesystem transport, with a worker
that notices a stop request at once.

Celery's worker loop for a transport without an event loop of its own (the
filesystem one) looks at its stop flag only between calls to
`drain_events(timeout=2.0)`, and the filesystem transport returns from one only
when that timeout is over (sleeping a poll interval at a time). A Ctrl-C on
`make run` so waited up to 3 s before the worker even began to stop, and honcho
kills what is still running 5 s after the first process ends. Here a call with a
timeout returns after at most DRAIN_SLICE seconds (the loop then calls it again):
a message is still taken as soon as a poll finds it.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import filesystem

# The longest a worker takes to notice a stop: one slice and one poll
# (settings: polling_interval).
DRAIN_SLICE = 0.25


class Transport(filesystem.Transport):
    """kombu's filesystem transport, whose bounded waits are cut in short slices."""

    def drain_events(self, connection: Any, timeout: float | None = None) -> Any:
        if timeout is not None:
            timeout = min(timeout, DRAIN_SLICE)
        return super().drain_events(connection, timeout=timeout)
