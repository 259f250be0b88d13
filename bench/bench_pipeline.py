"""End-to-end throughput: 1,000 ten-row uploads through one Celery worker.

Needs the local PostgreSQL and Redis (the same ones the test suite uses). Creates a
scratch database `portal_bench`, starts the simulator answering at once and one
`celery -A portal worker` process, confirms every upload, and times until the last
verdict. Run: ``python -m bench.bench_pipeline [COUNT]``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import redis
import requests

from bench.scratch import free_port

REPO = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
BROKER_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
DATABASE = os.environ.get("BENCH_DATABASE", "portal_bench")
API_KEY = "bench-secret-key"
# The soak's short timings (issue 20): seconds, so the sweep runs every second and
# takes an upload as overdue two seconds after it was due. The broker traffic a
# burst makes with these is the figure to watch ("tasks received per call").
SHORT_TIMINGS = {
    "POLL_FIRST_DELAY": "1",
    "POLL_MAX_DELAY": "2",
    "SUBMIT_RETRY_BASE": "1",
    "SUBMIT_RETRY_MAX": "2",
    "SWEEP_INTERVAL": "1",
    "REQUEUE_AFTER": "2",
}
RECEIVED = re.compile(
    rb"Task uploads\.tasks\.(submit_upload|poll_upload)\[[^\]]+\] received"
)
ROWS = [
    ("BENCH-01", "On Track", "0.45"),
    ("BENCH-02", "At Risk", "125000"),
    ("BENCH-03", "Achieved", "0.93"),
    ("BENCH-04", "Off Track", "12"),
    ("BENCH-05", "Not Started", ""),
    ("BENCH-06", "On Track", "-3.5"),
    ("BENCH-07", "Not Achieved", "0.2"),
    ("BENCH-08", "Canceled", ""),
    ("BENCH-09", "At Risk", "1200"),
    ("BENCH-10", "On Track", "0.7"),
]


def _csv_for(number: int) -> bytes:
    lines = ["External ID,Status,Current Value,As Of Date"]
    day = 1 + number % 28
    lines += [
        f"{ext},{status},{value},2026-10-{day:02d}" for ext, status, value in ROWS
    ]
    return ("\n".join(lines) + "\n").encode()


def _recreate_database() -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def _wait_for(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def run(count: int = 1000) -> list[tuple[str, str]]:
    """Run the benchmark; return table rows (metric, value)."""
    try:
        database_url = _recreate_database()
        redis.Redis.from_url(BROKER_URL).flushdb()
    except (psycopg.Error, redis.RedisError) as error:
        return [("pipeline", f"skipped: needs PostgreSQL and Redis ({error})")]

    port = free_port()
    simulator_url = f"http://127.0.0.1:{port}"
    work_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "bench-only",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": BROKER_URL,
        "ACHIEVEIT_BASE_URL": simulator_url,
        "ACHIEVEIT_API_KEY": API_KEY,
        "PORTAL_VAR_DIR": str(work_dir),
        **SHORT_TIMINGS,
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "ALLOW_LOCAL_EMAIL": "true",
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "simulator", "--port", str(port), "--quiet"]
            + ["--processing-delay", "0"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    ]
    try:
        _wait_for(f"{simulator_url}/_simulator/health")
        return _measure(count, env, simulator_url, children)
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(timeout=30)


def _measure(
    count: int, env: dict[str, str], simulator_url: str, children: list
) -> list[tuple[str, str]]:
    import django

    django.setup()
    from django.contrib.auth.models import User

    from bench.bench_simulator import measure_simulator_throughput
    from uploads.models import Attempt, Membership, PlanItem, Team, Upload
    from uploads.services.drafts import upload_confirm, upload_create

    team = Team.objects.create(slug="bench", name="Bench")
    PlanItem.objects.bulk_create(
        PlanItem(team=team, external_id=ext, has_metric=bool(value))
        for ext, _, value in ROWS
    )
    user = User.objects.create_user("bench")
    Membership.objects.create(user=user, team=team, role="uploader")

    started = time.perf_counter()
    drafts = [
        upload_create(team=team, user=user, data=_csv_for(number))
        for number in range(count)
    ]
    draft_seconds = time.perf_counter() - started

    children.append(
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker"]
            + ["--concurrency", "2", "--loglevel", "INFO", "--without-gossip"]
            + ["--without-mingle", "--beat", "--schedule"]
            + [str(Path(env["PORTAL_VAR_DIR"]) / "beat-schedule")],
            cwd=REPO,
            # INFO: the log's "Task ... received" lines are what is counted.
            env={**env, "LOG_LEVEL": "INFO"},
            stdout=(Path(env["PORTAL_VAR_DIR"]) / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
    )
    time.sleep(3)  # let the worker connect before the clock starts

    started = time.perf_counter()
    for draft in drafts:
        upload_confirm(upload=draft, user=user)
    confirm_seconds = time.perf_counter() - started
    final = list(Upload.TERMINAL_STATES | Upload.REVIEWABLE_STATES)
    deadline = time.monotonic() + 600
    while Upload.objects.filter(state__in=final).count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError("uploads did not finish within 10 minutes")
        time.sleep(0.2)
    end_to_end = time.perf_counter() - started

    succeeded = Upload.objects.filter(state=Upload.State.SUCCEEDED).count()
    calls = Attempt.objects.count()
    received = _tasks_received(Path(env["PORTAL_VAR_DIR"]) / "worker.log")
    posts = Attempt.objects.filter(kind=Attempt.Kind.SUBMIT).count()
    polls = calls - posts
    uploads_per_second = count / end_to_end
    bare = measure_simulator_throughput(simulator_url, API_KEY, count)
    calls_per_upload = calls / count
    return [
        ("uploads (10 rows each)", f"{count}"),
        ("succeeded", f"{succeeded}"),
        ("validate + store as draft", f"{count / draft_seconds:,.0f} uploads/s"),
        ("confirm (commit + publish)", f"{count / confirm_seconds:,.0f} uploads/s"),
        ("end to end, confirm to verdict", f"{uploads_per_second:,.1f} uploads/s"),
        ("HTTP calls per upload", f"{calls_per_upload:.2f}"),
        (
            "submit tasks received / POSTs",
            f"{received['submit_upload']:,} / {posts:,} = "
            f"{received['submit_upload'] / max(posts, 1):.2f}x",
        ),
        (
            "poll tasks received / polls",
            f"{received['poll_upload']:,} / {polls:,} = "
            f"{received['poll_upload'] / max(polls, 1):.2f}x",
        ),
        (
            "tasks received / calls (target <= 1.2x)",
            f"{sum(received.values()) / max(calls, 1):.2f}x",
        ),
        ("bare simulator (same run)", f"{bare:,.0f} POSTs/s"),
        (
            "end to end / simulator limit",
            f"{uploads_per_second * calls_per_upload / bare:.1%} of its call rate",
        ),
    ]


def _tasks_received(log: Path) -> dict[str, int]:
    """How many submit and poll tasks the worker received (its INFO log)."""
    counts = {"submit_upload": 0, "poll_upload": 0}
    for match in RECEIVED.finditer(log.read_bytes()):
        counts[match.group(1).decode()] += 1
    return counts


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(metric) for metric, _ in rows)
    print(f"\n{title}\n{'-' * len(title)}")
    for metric, value in rows:
        print(f"{metric:<{width}}  {value}")


if __name__ == "__main__":
    print_table(
        "Pipeline: uploads through one worker",
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000),
    )
