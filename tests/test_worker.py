"""A task published through Redis runs in a real `celery -A portal worker` process,
and the worker `make run` starts comes back when it is killed."""

from __future__ import annotations

import os
import re
import shlex
import signal
import sys
import uuid
from pathlib import Path

from tests.helpers import REPO, wait_until
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


def procfile_line(name: str) -> str:
    for line in (REPO / "Procfile").read_text().splitlines():
        entry, _, command = line.partition(":")
        if entry.strip() == name:
            return command.strip()
    raise AssertionError(f"no {name} in the Procfile")


def test_make_runs_worker_comes_back_after_it_is_killed(workers, processes):
    """The Procfile's worker line (deploy/keep_running.py around celery): a worker
    killed outright is started again and takes tasks."""
    argv = shlex.split(procfile_line("worker"))
    assert argv[:2] == ["python", "deploy/keep_running.py"]
    celery = str(Path(sys.executable).parent / "celery")
    argv = [sys.executable, argv[1], celery, *argv[3:]]
    argv += ["--without-gossip", "--without-mingle", "--hostname", "keep@%h"]
    process = processes.start("keep_running", argv, env=workers.base_env)

    def ready_count() -> int:
        return process.log().count("ready.")

    wait_until(lambda: ready_count() == 1, timeout=60)
    [first] = re.findall(r"started \S+ \(pid (\d+)\)", process.log())
    try:
        os.kill(int(first), signal.SIGKILL)
        wait_until(lambda: ready_count() == 2, timeout=60)
        token = uuid.uuid4().hex
        ping.delay(token)
        wait_until(
            lambda: f"ping {token}: database answered 1" in process.log(),
            timeout=30,
        )
    finally:
        process.kill(signal.SIGTERM)
    pids = re.findall(r"started \S+ \(pid (\d+)\)", process.log())
    assert len(pids) == 2
    assert "exited with status 137; starting it again in 1 s" in process.log()
