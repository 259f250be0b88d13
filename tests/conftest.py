"""Shared fixtures: named users (alice uploads, bob views, charlie has no team),
real services (PostgreSQL, Redis, the simulator, a Celery worker, Chromium)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.contrib.auth.models import User
from django.db import connection

from uploads.models import Membership, PlanItem, Team

REPO = Path(__file__).resolve().parent.parent
API_KEY = os.environ["ACHIEVEIT_API_KEY"]


def require_service(name: str, available: bool, how: str) -> None:
    """Skip a test whose service is missing on a developer machine; fail in CI."""
    if available:
        return
    message = f"{name} is not available: {how}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must provide it)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    condition: Callable[[], Any], *, timeout: float, interval: float = 0.2
) -> Any:
    """Return the first truthy value of condition(), or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture(autouse=True)
def _private_storage(settings: Any, tmp_path: Path) -> None:
    settings.PRIVATE_STORAGE_DIR = tmp_path / "private"


@pytest.fixture
def team(db: None) -> Team:
    return Team.objects.create(slug="sales", name="Sales")


@pytest.fixture
def other_team(db: None) -> Team:
    return Team.objects.create(slug="finance", name="Finance")


@pytest.fixture
def plan_items(team: Team, other_team: Team) -> list[PlanItem]:
    items = [
        PlanItem.objects.create(team=team, external_id=ext, name=name, has_metric=m)
        for ext, name, m in [
            ("SALES-Q4-01", "Q4 pipeline coverage", True),
            ("SALES-Q4-02", "Q4 bookings", True),
            ("HR-RETENTION", "Staff retention", True),
            ("IT-MIGRATION", "Data centre migration", False),
        ]
    ]
    PlanItem.objects.create(
        team=other_team, external_id="FIN-CLOSE", name="Close", has_metric=True
    )
    return items


def _user(username: str, team: Team | None = None, role: str = "") -> User:
    """A user whose password is '<username>-pass-1', optionally in one team."""
    user = User.objects.create_user(
        username, email=f"{username}@example.com", password=f"{username}-pass-1"
    )
    if team is not None:
        Membership.objects.create(user=user, team=team, role=role)
    return user


@pytest.fixture
def alice(team: Team) -> User:
    """Alice uploads for the sales team."""
    return _user("alice", team, Membership.Role.UPLOADER)


@pytest.fixture
def bob(team: Team) -> User:
    """Bob may only look at the sales team."""
    return _user("bob", team, Membership.Role.VIEWER)


@pytest.fixture
def charlie(other_team: Team) -> User:
    """Charlie belongs to finance and must see nothing of sales."""
    return _user("charlie", other_team, Membership.Role.UPLOADER)


@pytest.fixture
def operator(db: None) -> User:
    user = _user("operator")
    user.is_staff = True
    user.save()
    return user


# --- real services --------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ["CELERY_BROKER_URL"]
    try:
        available = url.startswith("redis") and redis.Redis.from_url(url).ping()
    except redis.RedisError:
        available = False
    require_service("Redis", bool(available), f"no answer at {url}")
    return url


@pytest.fixture
def postgres(transactional_db: None) -> None:
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal",
    )


@dataclass
class Process:
    """A child process the test owns; killed at teardown whatever happened."""

    popen: subprocess.Popen[bytes]
    log_path: Path

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=20)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class ProcessGroup:
    tmp_path: Path
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Process:
        log_path = self.tmp_path / f"{name}-{len(self.processes)}.log"
        log_file = log_path.open("wb")
        popen = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(popen=popen, log_path=log_path)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            try:
                process.kill(signal.SIGTERM)
            except subprocess.TimeoutExpired:
                process.kill(signal.SIGKILL)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[ProcessGroup]:
    group = ProcessGroup(tmp_path=tmp_path)
    yield group
    group.stop_all()


def database_url() -> str:
    """The test database, as a URL a child process can use."""
    params = connection.settings_dict
    return (
        f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST']}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )


@dataclass
class Simulator:
    url: str
    process: Process

    def configure(self, **config: Any) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}/_simulator/config", json=config, timeout=5
        )
        response.raise_for_status()
        return response.json()

    def jobs(self) -> list[dict[str, Any]]:
        response = requests.get(f"{self.url}/_simulator/jobs", timeout=5)
        response.raise_for_status()
        body = response.json()
        return body["jobs"] if isinstance(body, dict) else body


@pytest.fixture
def simulator(processes: ProcessGroup) -> Simulator:
    port = free_port()
    process = processes.start(
        "simulator",
        [
            sys.executable,
            "-m",
            "simulator",
            "--port",
            str(port),
            "--api-key",
            API_KEY,
            "--processing-delay",
            "1",
        ],
        env=dict(os.environ),
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{url}/_simulator/health", timeout=1).ok
        except requests.ConnectionError:
            return False

    wait_until(healthy, timeout=10)
    return Simulator(url=url, process=process)


@dataclass
class WorkerFactory:
    processes: ProcessGroup
    redis_url: str
    tmp_path: Path
    base_env: dict[str, str]

    def start(self, *, beat: bool = True, **env: str) -> Process:
        """A real `celery -A portal worker` process (with beat inside when asked)."""
        full_env = {**self.base_env, **env}
        argv = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "portal",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test{len(self.processes.processes)}@%h",
        ]
        if beat:
            argv += ["--beat", "--schedule", str(self.tmp_path / "beat-schedule")]
        process = self.processes.start("worker", argv, env=full_env)
        wait_until(
            lambda: "ready." in process.log() or process.popen.poll() is not None,
            timeout=30,
        )
        if process.popen.poll() is not None:
            pytest.fail(f"worker exited at start:\n{process.log()}")
        return process


@pytest.fixture
def workers(
    postgres: None,
    redis_url: str,
    processes: ProcessGroup,
    tmp_path: Path,
    settings: Any,
) -> WorkerFactory:
    # Tasks a previous test left behind (delayed polls) must not reach this one.
    redis.Redis.from_url(redis_url).delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "PRIVATE_STORAGE_DIR": str(tmp_path / "private"),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "POINT_OF_CONTACT_EMAIL": "contact@example.com",
    }
    return WorkerFactory(
        processes=processes, redis_url=redis_url, tmp_path=tmp_path, base_env=env
    )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require_service("Chromium", Path(path).exists(), "apt-get install chromium")
    return path


@pytest.fixture
def page(
    chromium_path: str, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium, pointed at the live server."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # refuses to run beside one unless told this is deliberate (for this test only).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()
