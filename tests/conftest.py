"""Shared fixtures: the sales and finance teams and their plan items; the named
users (alice uploads for sales, bob only views sales, charlie uploads for finance
and must see nothing of sales, operator is staff); and the real services
(PostgreSQL, Redis, the simulator, a Celery worker, Chromium).

Plain helpers are in tests/helpers.py.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.contrib.auth.models import User
from django.db import connection

from tests.helpers import (
    API_KEY,
    ProcessGroup,
    Simulator,
    WorkerFactory,
    database_url,
    free_port,
    make_user,
    require_service,
    wait_until,
)
from uploads.models import Membership, PlanItem, Team


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


@pytest.fixture
def alice(team: Team) -> User:
    """Alice uploads for the sales team."""
    return make_user("alice", team, Membership.Role.UPLOADER)


@pytest.fixture
def bob(team: Team) -> User:
    """Bob may only look at the sales team."""
    return make_user("bob", team, Membership.Role.VIEWER)


@pytest.fixture
def charlie(other_team: Team) -> User:
    """Charlie belongs to finance and must see nothing of sales."""
    return make_user("charlie", other_team, Membership.Role.UPLOADER)


@pytest.fixture
def operator(db: None) -> User:
    """An operator: staff, in no team, sees and reviews every team's uploads."""
    return make_user("operator", staff=True)


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


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[ProcessGroup]:
    group = ProcessGroup(tmp_path=tmp_path)
    yield group
    group.stop_all()


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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, with one more step before it is dropped:
    connections a finished live-server thread left open are closed, so the drop
    does not fail with "being accessed by other users"."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
