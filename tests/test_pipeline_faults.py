"""Workers die and brokers stop: an upload is never lost, never sent twice."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import pytest
import redis

from tests.helpers import REPO, free_port, require_service, wait_until
from tests.pipeline import CLEAN_CSV, Pipeline
from uploads.models import Attempt, Upload

pytestmark = pytest.mark.slow
State = Upload.State


@pytest.fixture
def pipeline(workers, simulator, plan_items):
    return Pipeline(workers, simulator)


def test_a_worker_killed_during_the_post_never_causes_a_second_post(
    pipeline, team, alice
):
    pipeline.simulator.configure(post_hang=True)
    first = pipeline.start_worker()
    upload = pipeline.confirm(team, alice)
    wait_until(lambda: len(pipeline.posts()) == 1, timeout=20)

    first.kill(signal.SIGKILL)  # the whole worker, as a lost machine would
    pipeline.simulator.configure(post_hang=False, processing_delay=0)
    pipeline.start_worker()

    upload = pipeline.wait_for_state(upload, timeout=60)
    assert upload.state == State.NEEDS_REVIEW
    assert "stopped before AchieveIt answered" in upload.error_text
    assert len(pipeline.posts()) == 1


def test_a_worker_killed_while_polling_is_replaced_by_another(pipeline, team, alice):
    pipeline.simulator.configure(processing_delay=6)
    first = pipeline.start_worker()
    upload = pipeline.confirm(team, alice)
    pipeline.wait_for_state(upload, {State.PROCESSING}, timeout=20)
    wait_until(
        lambda: upload.attempts.filter(kind=Attempt.Kind.POLL).exists(), timeout=20
    )

    first.kill(signal.SIGKILL)
    pipeline.start_worker()

    upload = pipeline.wait_for_state(upload, timeout=60)
    assert upload.state == State.SUCCEEDED
    assert len(pipeline.posts()) == 1


def test_confirming_while_redis_is_down_is_quick_and_the_upload_is_sent_later(
    pipeline, team, alice, processes, tmp_path
):
    redis_server = shutil.which("redis-server")
    require_service("redis-server", redis_server is not None, "apt-get install redis")
    port = free_port()
    own_redis = [redis_server, "--port", str(port), "--save", "", "--appendonly", "no"]
    broker = f"redis://127.0.0.1:{port}/0"
    env = {**pipeline.workers.base_env, "CELERY_BROKER_URL": broker}
    csv_file = tmp_path / "weekly.csv"
    csv_file.write_bytes(CLEAN_CSV)
    pipeline.simulator.configure(processing_delay=0)

    # The broker is down: the command confirms (as a page would) and returns.
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "submit_updates", str(csv_file)]
        + ["--team", "sales", "--user", "alice"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 15
    upload = Upload.objects.get()
    assert upload.state == State.QUEUED

    # Redis comes back, a worker and beat start: the sweep sends the upload once.
    processes.start("redis", own_redis, env=env)
    wait_until(lambda: _redis_answers(broker), timeout=10)
    pipeline.start_worker(CELERY_BROKER_URL=broker)

    upload = pipeline.wait_for_state(upload, timeout=60)
    assert upload.state == State.SUCCEEDED
    assert len(pipeline.posts()) == 1


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.RedisError:
        return False


def test_a_single_500_on_a_status_poll_is_asked_again_and_succeeds(
    pipeline, team, alice
):
    pipeline.simulator.configure(processing_delay=0, status_500_next=1)
    pipeline.start_worker()
    upload = pipeline.confirm(team, alice)

    upload = pipeline.wait_for_state(upload, timeout=60)

    assert upload.state == State.SUCCEEDED, upload.error_text
    polls = upload.attempts.filter(kind=Attempt.Kind.POLL)
    assert list(polls.values_list("status_code", flat=True)) == [500, 200]
    [job] = pipeline.posts()
    assert job["polls"] == 2
