"""Request bodies are refused by size before they are read or stored
(portal/limits.py): a Content-Length over the limit is a 413 unread; a file past
UPLOAD_MAX_BYTES is kept no further than that byte and the form says how big it
was; over a real socket, a body without a Content-Length never holds a worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client

from tests.helpers import REPO, free_port, make_user, post_file, wait_until
from tests.pipeline import CLEAN_CSV
from uploads.models import Membership, Upload

BOUNDARY = "portal-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
TWO_HUNDRED_MB = str(200 * 1000 * 1000)


def declared_post(path: str, *, length: str, **headers: str) -> Any:
    """POST a 20-byte multipart body that claims to be `length` bytes long.

    The test client's payload refuses to be read past its 20 bytes: a view or
    middleware that starts reading the claimed body fails the test."""
    return Client(enforce_csrf_checks=True).generic(
        "POST",
        path,
        b"--" + BOUNDARY.encode() + b"\r\n" + b"x" * 2,
        content_type=MULTIPART,
        CONTENT_LENGTH=length,
        **headers,
    )


# --- a declared length over the limit -------------------------------------------


def test_a_body_declared_over_the_limit_is_a_413_page_before_it_is_read(db):
    response = declared_post(
        "/accounts/login/", length=TWO_HUNDRED_MB, HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is too large" in page
    assert "larger than 10 MB, the most one upload may be." in page
    assert 'href="/accounts/login/"' in page
    assert "Traceback" not in page


def test_a_script_sending_too_much_gets_a_plain_text_413(db):
    response = declared_post("/teams/sales/upload/", length=TWO_HUNDRED_MB)

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "larger than 10 MB, the most one upload may be." in response.content.decode()


def test_the_script_api_answers_its_413_in_json_before_reading(db):
    response = declared_post(
        "/api/progressupdates/weekly.csv",
        length=TWO_HUNDRED_MB,
        HTTP_AUTHORIZATION="API-KEY not-checked-yet",
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "Split the file" in response.json()["error"]


def test_a_body_just_at_the_limit_is_read_as_usual(db, settings):
    settings.REQUEST_BODY_MAX_BYTES = 40
    body = b"username=alice&password=wrong-password-1"
    assert len(body) == 40

    at_limit = Client().post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    over = Client().post(
        "/accounts/login/",
        body + b"x",
        content_type="application/x-www-form-urlencoded",
    )

    assert at_limit.status_code == 200
    assert "Please enter a correct username and password" in at_limit.content.decode()
    assert over.status_code == 413


# --- a file that grows past UPLOAD_MAX_BYTES ------------------------------------


class RecordingHandler(FileUploadHandler):
    """Sits after the limit handler: what reaches Django's storing handlers."""

    seen: list[int] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        RecordingHandler.seen.append(start + len(raw_data))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@pytest.fixture
def recorded(settings) -> list[int]:
    settings.FILE_UPLOAD_HANDLERS = [
        settings.FILE_UPLOAD_HANDLERS[0],
        "tests.test_limits.RecordingHandler",
        *settings.FILE_UPLOAD_HANDLERS[1:],
    ]
    RecordingHandler.seen = []
    return RecordingHandler.seen


def test_a_file_past_the_limit_is_not_kept_and_the_form_says_its_size(
    client, alice, plan_items, settings, recorded
):
    settings.UPLOAD_MAX_BYTES = 200_000
    big = CLEAN_CSV * (300_000 // len(CLEAN_CSV) + 1)
    client.force_login(alice)

    response = client.post(
        "/teams/sales/upload/", {"file": SimpleUploadedFile("big.csv", big)}
    )

    assert response.status_code == 200
    assert (
        f"The file is {len(big) / 1_000_000:.1f} MB; the most one upload may be is "
        "0.2 MB" in response.content.decode()
    )
    assert max(recorded) <= 200_000
    assert not Upload.objects.exists()


def test_a_file_exactly_at_the_limit_is_kept_whole(
    client, alice, plan_items, settings, recorded
):
    settings.UPLOAD_MAX_BYTES = len(CLEAN_CSV)
    client.force_login(alice)

    post_file(client, CLEAN_CSV)

    upload = Upload.objects.get()
    assert upload.row_count > 0
    assert max(recorded) == len(CLEAN_CSV)


def test_a_mapping_file_past_the_limit_is_refused_by_its_form(
    client, team, settings, recorded
):
    manager = make_user("mona", team, Membership.Role.MANAGER)
    settings.UPLOAD_MAX_BYTES = 1_000
    client.force_login(manager)

    response = client.post(
        "/teams/sales/manage/import/",
        {"file": SimpleUploadedFile("mapping.csv", b"A-1,Name,yes\r\n" * 500)},
    )

    assert response.status_code == 400
    assert "a mapping may be at most 0.001 MB" in response.content.decode()
    assert max(recorded, default=0) <= 1_000


# --- over a real socket, in gunicorn --------------------------------------------

GUNICORN_UPLOAD_LIMIT = 200_000


@dataclass
class Gunicorn:
    port: int
    token: str
    log: Path


# One process: migrate, a team, a token (printed last).
SETUP = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', '--no-input', verbosity=0); "
    "call_command('create_team', 'sales'); "
    "call_command('create_api_token', 'sales', '--name', 'limits')"
)


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    """gunicorn as deployed (gunicorn.conf.py, 60 s timeout) on its own SQLite file,
    with a sales team and an API token."""
    folder = tmp_path_factory.mktemp("gunicorn")
    (folder / "var").mkdir()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        PORTAL_VAR_DIR=str(folder / "var"),
        UPLOAD_MAX_BYTES=str(GUNICORN_UPLOAD_LIMIT),
    )
    setup = subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = setup.stdout.split()[-1]
    port = free_port()
    log = folder / "gunicorn.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, timeout=30, interval=0.2)
        yield Gunicorn(port=port, token=token, log=log)
    finally:
        process.terminate()
        process.wait(timeout=30)


class Sender:
    """Sends a request's head, then body bytes until the server stops taking
    them (or `most` bytes went out), on its own thread; the test reads the
    answer meanwhile, as a browser or a script would."""

    def __init__(self, port: int, head: bytes, chunk: bytes, most: int) -> None:
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.connection.sendall(head)
        self.sent = 0
        self.finished = False
        self.thread = threading.Thread(target=self._send, args=(chunk, most))
        self.thread.start()

    def _send(self, chunk: bytes, most: int) -> None:
        try:
            while self.sent < most:
                self.connection.sendall(chunk)
                self.sent += len(chunk)
            self.finished = True
        except OSError:
            pass  # the server answered and closed: what the tests want

    def answer(self) -> tuple[int, bytes, float]:
        """The status code, the bytes of the answer, and how long it took."""
        started = time.monotonic()
        received = b""
        try:
            while data := self.connection.recv(65536):
                received += data
        except OSError:
            pass
        elapsed = time.monotonic() - started
        self.connection.close()
        self.thread.join(timeout=30)
        return int(received.split(b" ", 2)[1]), received, elapsed


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@pytest.mark.slow
def test_gunicorn_answers_a_declared_200_mb_body_at_once_without_reading_it(
    gunicorn,
):
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {MULTIPART}\r\nContent-Length: {TWO_HUNDRED_MB}\r\n"
        "Accept: text/html\r\n\r\n"
    ).encode()
    # The body trickles in: a server reading it would wait minutes.
    sender = Sender(gunicorn.port, head, b"x" * 1024, most=1024)

    status, answer, elapsed = sender.answer()

    assert status == 413, answer
    assert b"The file is too large" in answer
    assert elapsed < 5


@pytest.mark.slow
def test_gunicorn_never_waits_for_a_chunked_form_body(gunicorn):
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {MULTIPART}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    sender = Sender(gunicorn.port, head, _chunk(b"y" * 65536), most=256_000_000)

    status, answer, elapsed = sender.answer()

    # Django reads no form body without a Content-Length: the CSRF check fails
    # at once, and the endless body is never taken in.
    assert status == 403, answer
    assert not sender.finished
    assert elapsed < 5


@pytest.mark.slow
def test_gunicorn_stops_a_chunked_api_body_at_the_upload_limit(gunicorn):
    head = (
        "POST /api/progressupdates/weekly.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: API-KEY {gunicorn.token}\r\nContent-Type: text/csv\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    sender = Sender(gunicorn.port, head, _chunk(b"z" * 65536), most=256_000_000)

    status, answer, elapsed = sender.answer()

    assert status == 413, answer
    assert b'"error"' in answer
    assert b"0.2 MB" in answer
    assert not sender.finished
    assert elapsed < 10


@pytest.mark.slow
def test_gunicorn_is_not_held_by_clients_that_never_close(gunicorn):
    # Each of these reads nothing and never closes. With no keep-alive, each
    # answer ended with gunicorn's graceful close on the worker's main loop,
    # waiting up to 2 s for a client's close: 3 of them held the next visitor
    # about 6 s. Kept alive, they are parked on the poller.
    lingering = []
    for _ in range(3):
        connection = socket.create_connection(("127.0.0.1", gunicorn.port), timeout=30)
        connection.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        lingering.append(connection)
    time.sleep(0.5)  # their answers are written: the closes would begin now

    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=30) as visitor:
        visitor.sendall(
            b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Connection: close\r\n\r\n"
        )
        first = visitor.recv(64)
    elapsed = time.monotonic() - started
    for connection in lingering:
        connection.close()

    assert first.startswith(b"HTTP/1.1 200"), first
    assert elapsed < 1.5


@pytest.mark.slow
def test_gunicorn_closes_a_connection_that_sent_a_body(gunicorn):
    head = (
        b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n"
        b"\r\na=b"
    )
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=30) as client:
        client.sendall(head)
        answer = b""
        while data := client.recv(65536):  # ends: the server closes
            answer += data
    assert b"Connection: close" in answer.split(b"\r\n\r\n")[0]
