"""The script API under gunicorn on PostgreSQL: how many 100-row files a second it
takes, and how long a script waits for each answer.

A scratch database `portal_bench_api` is made (migrated, a team with 100 External
IDs imported with `import_plan_items`, a token made with `create_api_token`) and
dropped at the end. gunicorn serves the portal on a free port of 127.0.0.1 with
DEBUG off; confirms publish to Redis db 13 under a queue of the run's own, which is
deleted afterwards (no worker: the bench measures the answer, not the delivery).

A few client threads, each with its own HTTP session, send the POSTs (each with its
own Idempotency-Key), then the same number of the two floors: the status call (the
token checked, one upload read) and GET /api/openapi.json (Django with no database).
Each part stops at its count or its time limit, whichever comes first. Targets: at
least 50 files a second, p95 under 100 ms.

Run: ``python -m bench.bench_api`` (BENCH_API_REQUESTS, BENCH_API_THREADS,
BENCH_API_WORKERS, BENCH_API_SECONDS change the run).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests

from bench.scratch import ScratchDatabase, free_port, manage

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DATABASE = ScratchDatabase("portal_bench_api")
ROWS = 100
REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", "600"))
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "3"))
# As many scripts at once as there are workers: more would only queue at gunicorn.
THREADS = int(os.environ.get("BENCH_API_THREADS", str(WORKERS)))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "30"))  # per part, at most
WARM_UP = 20
TARGET_RATE = 50.0
TARGET_P95_MS = 100.0
STATUSES = ("On Track", "Off Track", "At Risk", "Achieved", "Not Started")


def make_file(rows: int = ROWS) -> bytes:
    """A clean weekly export: one row per plan item, a percentage now and then."""
    lines = ["External ID,Status,Current Value,As Of Date"]
    for number in range(rows):
        value = f"{number % 100}%" if number % 7 == 0 else str(number * 3)
        status = STATUSES[number % len(STATUSES)]
        lines.append(f"ITEM-{number:04d},{status},{value},2026-11-27")
    return ("\n".join(lines) + "\n").encode()


def make_mapping(rows: int = ROWS) -> bytes:
    lines = ["External ID,Name,Has Metric"]
    lines += [f"ITEM-{n:04d},Item {n},yes" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _token_from(output: str) -> str:
    """The token `create_api_token` printed (the one long URL-safe word)."""
    words = re.findall(r"[A-Za-z0-9_\-]{32,}", output)
    if not words:
        raise RuntimeError(f"create_api_token printed no token:\n{output}")
    return max(words, key=len)


@dataclass
class Part:
    """One series of requests and what came back."""

    name: str
    latencies: list[float] = field(default_factory=list)
    unexpected: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """In milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
        return ordered[rank] * 1000


Call = Callable[[requests.Session, int], requests.Response]


def _hammer(name: str, call: Call, expected: int, count: int) -> Part:
    """`count` calls from THREADS threads (each its own session), or as many as
    fit in SECONDS."""
    part = Part(name)
    lock = threading.Lock()
    issued = iter(range(count))
    deadline = time.monotonic() + SECONDS

    def client() -> None:
        with requests.Session() as session:
            while time.monotonic() < deadline:
                with lock:
                    number = next(issued, None)
                if number is None:
                    return
                started = time.perf_counter()
                response = call(session, number)
                elapsed = time.perf_counter() - started
                with lock:
                    part.latencies.append(elapsed)
                    if response.status_code != expected:
                        code = response.status_code
                        part.unexpected[code] = part.unexpected.get(code, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    part.seconds = time.perf_counter() - started
    return part


def _start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "portal.wsgi",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ended:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{base}/api/openapi.json", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in 30 s:\n{log.read_text()[-3000:]}")


def _count_api_uploads() -> int:
    with psycopg.connect(DATABASE.url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM uploads_upload WHERE source = 'api'"
        ).fetchone()
    return row[0] if row else 0


def measure(base: str, token: str, data: bytes) -> tuple[list[Part], int]:
    headers = {"Authorization": f"API-KEY {token}", "Content-Type": "text/csv"}

    def post(session: requests.Session, number: int) -> requests.Response:
        return session.post(
            f"{base}/api/progressupdates/weekly.csv",
            data=data,
            headers={**headers, "Idempotency-Key": f"bench-{uuid.uuid4()}"},
            timeout=30,
        )

    first = post(requests.Session(), -1)
    if first.status_code != 200:
        raise RuntimeError(f"the API answered {first.status_code}: {first.text[:500]}")
    job_id = first.json()["jobId"]

    def status(session: requests.Session, number: int) -> requests.Response:
        return session.get(
            f"{base}/api/progressupdates/status/{job_id}",
            headers={"Authorization": token},  # the article's bare form
            timeout=30,
        )

    def description(session: requests.Session, number: int) -> requests.Response:
        return session.get(f"{base}/api/openapi.json", timeout=30)

    _hammer("warm-up", post, 200, WARM_UP)
    _hammer("warm-up", status, 202, WARM_UP)
    parts = [
        _hammer("API POST of the 100-row file", post, 200, REQUESTS),
        _hammer("floor: GET status (token, one read)", status, 202, REQUESTS),
        _hammer("floor: GET /api/openapi.json (no db)", description, 200, REQUESTS),
    ]
    return parts, 1 + WARM_UP


def _queue_length(client: redis.Redis, queue: str) -> int:
    return int(client.llen(queue))


def run() -> list[tuple[str, str]]:
    data = make_file()
    queue = f"bench-api-{uuid.uuid4().hex[:12]}"
    broker = redis.Redis.from_url(REDIS_URL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    DATABASE.create()
    gunicorn = None
    try:
        with tempfile.TemporaryDirectory() as scratch:
            env = {
                **os.environ,
                "PYTHONPATH": str(REPO),
                # The real settings with plain static files and a queue of the run's
                # own (PORTAL_TEST_QUEUE), so nothing else's tasks are touched.
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "PORTAL_TEST_QUEUE": queue,
                "PORTAL_ENV_FILE": "",
                "DATABASE_URL": DATABASE.url,
                "DEBUG": "false",
                "SECRET_KEY": "bench-only",
                "ALLOWED_HOSTS": "127.0.0.1",
                "PORTAL_BASE_URL": base,
                "CELERY_BROKER_URL": REDIS_URL,
                # The rate limit counts in Redis, as the compose file deploys it.
                "CACHE_URL": REDIS_URL,
                "API_RATE_LIMIT_PER_MINUTE": "1000000",
                "PRIVATE_STORAGE_DIR": str(Path(scratch) / "private"),
                "LOG_LEVEL": "WARNING",
            }
            mapping = Path(scratch) / "mapping.csv"
            mapping.write_bytes(make_mapping())
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "create_team", "bench", "--name", "Bench")
            manage(env, "import_plan_items", str(mapping), "--team", "bench")
            token = _token_from(
                manage(env, "create_api_token", "bench", "--name", "bench")
            )
            log = Path(scratch) / "gunicorn.log"
            gunicorn = _start_gunicorn(env, port, log)
            _wait_until_up(base, gunicorn, log)
            parts, extra = measure(base, token, data)
            stored = _count_api_uploads()
            published = _queue_length(broker, queue)
    finally:
        if gunicorn is not None:
            _stop(gunicorn)
        DATABASE.drop()
        for key in broker.scan_iter(f"*{queue}*"):
            broker.delete(key)
    return _table(parts, stored, published, extra, len(data))


def _table(
    parts: list[Part], stored: int, published: int, extra: int, size: int
) -> list[tuple[str, str]]:
    rows = [
        (
            "setup",
            f"gunicorn, {WORKERS} workers of gunicorn.conf.py's threads; "
            f"{THREADS} client threads; Redis cache; "
            f"PostgreSQL; a {ROWS}-row file of {size / 1024:.1f} KB",
        )
    ]
    for number, part in enumerate(parts):
        p50, p95 = part.percentile(0.5), part.percentile(0.95)
        value = (
            f"{part.count} in {part.seconds:.1f} s: {part.rate:.1f}/s, "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )
        if number == 0:
            rate_met = "met" if part.rate >= TARGET_RATE else "MISSED"
            p95_met = "met" if p95 < TARGET_P95_MS else "MISSED"
            value += (
                f" (target >= {TARGET_RATE:.0f} files/s: {rate_met};"
                f" p95 < {TARGET_P95_MS:.0f} ms: {p95_met})"
            )
        if part.unexpected:
            value += f"; unexpected answers {part.unexpected}"
        rows.append((part.name, value))
    posts = parts[0].count + extra
    rows.append(
        (
            "uploads stored, confirms published",
            f"{stored} and {published} of {posts} POSTs",
        )
    )
    return rows


def main() -> None:
    from bench.bench_pipeline import print_table

    print_table("Script API: 100-row files under gunicorn on PostgreSQL", run())


if __name__ == "__main__":
    main()
