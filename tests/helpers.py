"""What the tests share that is not a fixture: sample files, named users, waiting,
the real-service plumbing (child processes, the simulator), and view-test helpers.

Fixtures live in conftest.py and build on these.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from uploads.models import Membership, Team, Upload

REPO = Path(__file__).resolve().parent.parent
API_KEY = os.environ["ACHIEVEIT_API_KEY"]

# A file as people send them: a BOM, a percentage, US dates, a blank row, and two
# errors (line 5: a misspelt status; line 6: a day-first date).
MESSY_CSV = (
    b"\xef\xbb\xbfExternal ID,Status,Current Value,As Of Date\r\n"
    b"SALES-Q4-01,on track,45%,2026-10-31T16:30:00\r\n"
    b"SALES-Q4-02, At Risk ,125000,10/31/2026\r\n"
    b"\r\n"
    b"HR-RETENTION,Acheived,0.93,2026-10-31\r\n"
    b"IT-MIGRATION,Not started,,31/10/2026\r\n"
    b",,,\r\n"
)


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
    condition: Callable[[], Any], *, timeout: float, interval: float = 0.05
) -> Any:
    """Return the first truthy value of condition(), or fail after timeout.

    Checked every 50 ms by default, so a wait ends soon after its condition holds
    (the pipeline tests wait on workers dozens of times).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(interval)


def make_user(
    username: str, team: Team | None = None, role: str = "", *, staff: bool = False
) -> User:
    """A user whose password is '<username>-pass-1', optionally in one team."""
    user = User.objects.create_user(
        username,
        email=f"{username}@example.com",
        password=f"{username}-pass-1",
        is_staff=staff,
    )
    if team is not None:
        Membership.objects.create(user=user, team=team, role=role)
    return user


# --- view tests -----------------------------------------------------------------


def post_file(
    client: Client, data: bytes, name: str = "updates.csv", team: str = "sales"
) -> HttpResponse:
    """Upload a file through the page, following the redirect to its preview."""
    return client.post(
        f"/teams/{team}/upload/", {"file": SimpleUploadedFile(name, data)}, follow=True
    )


def login_url(path: str) -> str:
    """Where an anonymous visitor to `path` is sent."""
    return f"/accounts/login/?next={quote(path)}"


def state_of(upload: Upload) -> str:
    """The upload's state as stored now (after the request under test)."""
    upload.refresh_from_db()
    return upload.state


# --- real services --------------------------------------------------------------


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
