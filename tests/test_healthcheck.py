"""deploy/healthcheck.py, the compose file's health checks for gunicorn, the
simulator and beat: healthy only when the service really answers."""

from __future__ import annotations

import os
import runpy
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.helpers import REPO

check = runpy.run_path(str(REPO / "deploy" / "healthcheck.py"))
seen_headers: list[str] = []


class Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        seen_headers.append(self.headers.get("X-Forwarded-Proto", ""))
        self.send_response(int(self.path.strip("/")))
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_server_that_answers_is_healthy_even_with_a_redirect(server):
    assert check["main"](["http", str(server), "/200"]) == 0
    assert check["main"](["http", str(server), "/301"]) == 0
    # Asked as nginx asks, so the portal's HTTPS redirect does not answer instead.
    assert seen_headers[-1] == "https"


def test_a_server_error_or_no_server_is_unhealthy(server):
    assert check["main"](["http", str(server), "/503"]) == 1
    assert check["main"](["http", str(free_port()), "/"]) == 1


def test_beat_is_healthy_while_it_rewrites_its_schedule(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path))
    assert check["main"](["beat"]) == 1  # no schedule yet

    schedule = tmp_path / "celerybeat-schedule.db"
    schedule.write_bytes(b"")
    assert check["main"](["beat"]) == 0

    stale = time.time() - check["BEAT_STALE_AFTER"] - 60
    os.utime(schedule, (stale, stale))
    assert check["main"](["beat"]) == 1


def test_an_unknown_check_is_a_usage_error():
    assert check["main"](["web"]) == 2
