"""The AchieveIt HTTP client: what each answer, or lack of one, means for an upload.

`responses` fakes AchieveIt for status codes and bodies. Connection refused, a
connection dropped after the file was sent, and a server that never answers are
played by real local sockets, because only a real socket shows what requests and
urllib3 do then (and whether they quietly send the POST a second time).
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
import urllib3.exceptions

from uploads.achieveit import (
    BODY_CUT_OFF_MARKER,
    BODY_TRUNCATED_MARKER,
    MAX_BODY_CHARS,
    AchieveItClient,
    ConfigurationError,
    StatusOutcome,
    SubmitOutcome,
    client_from_settings,
    parse_job_id,
    remote_filename,
)

API_KEY = "ak_live_7Q2c9XvB4mN8pR1sT6wY3zK5"
BASE_URL = "https://api.achieveit.test"
FILENAME = "portal-finance-u42-a1-20240305.csv"
SUBMIT_URL = f"{BASE_URL}/api/progressupdates/{FILENAME}"
CSV_BYTES = (
    b"External ID,Status,Current Value,As Of Date\r\n"
    b"FIN-001,On Track,0.2,2024-03-05\r\n"
)
READ_TIMEOUT = 0.5
GUID_JOB_ID = "9f1c2d3e-0c4a-4a4a-8b8b-123456789abc"


@pytest.fixture
def client() -> AchieveItClient:
    return AchieveItClient(
        base_url=BASE_URL, api_key=API_KEY, connect_timeout=1, read_timeout=READ_TIMEOUT
    )


@pytest.fixture
def achieveit() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def socket_client(port: int) -> AchieveItClient:
    return AchieveItClient(
        base_url=f"http://127.0.0.1:{port}",
        api_key=API_KEY,
        connect_timeout=1,
        read_timeout=READ_TIMEOUT,
    )


# --- a raw TCP server that plays a misbehaving AchieveIt ------------------------------

Behaviour = Callable[[socket.socket, threading.Event], None]


def hang_up(connection: socket.socket, stop: threading.Event) -> None:
    connection.close()


def reset(connection: socket.socket, stop: threading.Event) -> None:
    # Linger 0 turns close() into a TCP RST instead of a FIN.
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def stay_silent(connection: socket.socket, stop: threading.Event) -> None:
    stop.wait(5)
    connection.close()


def answer(raw_response: bytes) -> Behaviour:
    def send(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(raw_response)
        connection.close()

    return send


class RawServer:
    """Accepts connections on 127.0.0.1, reads one whole HTTP request from each,
    records it, then behaves as told. Every connection gets its own thread, so a
    second attempt by the client would be seen even while the first one hangs."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._handlers: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_all, daemon=True)
        self._acceptor.start()

    def _accept_all(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                # Stop only once the backlog is empty, so no connection goes uncounted.
                if self._stop.is_set():
                    return
                continue
            handler = threading.Thread(
                target=self._handle, args=(connection,), daemon=True
            )
            self._handlers.append(handler)
            handler.start()

    def _handle(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        self.requests.append(read_http_request(connection))
        self.behaviour(connection, self._stop)

    def finish(self) -> list[bytes]:
        """Stop, wait for every connection to be handled, return the requests."""
        self._stop.set()
        self._acceptor.join(5)
        for handler in self._handlers:
            handler.join(5)
        self._listener.close()
        return self.requests


def read_http_request(connection: socket.socket) -> bytes:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            return received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], RawServer]]:
    servers: list[RawServer] = []

    def start(behaviour: Behaviour) -> RawServer:
        server = RawServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.finish()


@pytest.fixture
def refusing_port() -> Iterator[int]:
    # Bound but never listening: the kernel refuses connections, and no other
    # process can take the port while the test runs.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's proxy settings would send the socket tests somewhere else.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


# --- remote filename ------------------------------------------------------------------


def test_remote_filename_leads_back_to_the_upload_and_is_url_safe() -> None:
    filename = remote_filename(
        team_slug="Finance & Ops / Zürich",
        upload_number=42,
        when=date(2024, 3, 5),
        attempt=2,
    )

    assert filename == "portal-finance-ops-zurich-u42-a2-20240305.csv"


def test_remote_filename_differs_for_each_attempt_of_the_same_upload() -> None:
    when = datetime(2024, 3, 5, 23, 59)

    first = remote_filename(team_slug="finance", upload_number=7, when=when, attempt=1)
    second = remote_filename(team_slug="finance", upload_number=7, when=when, attempt=2)

    assert first != second
    assert first == "portal-finance-u7-a1-20240305.csv"


def test_remote_filename_bounds_a_long_slug_and_replaces_an_unusable_one() -> None:
    long_name = remote_filename(
        team_slug="x" * 500, upload_number=1, when=date(2024, 1, 2)
    )
    no_letters = remote_filename(
        team_slug="!!!", upload_number=1, when=date(2024, 1, 2)
    )

    assert len(long_name) < 80
    assert long_name.endswith("-u1-a1-20240102.csv")
    assert no_letters == "portal-team-u1-a1-20240102.csv"


@pytest.mark.parametrize(
    ("upload_number", "attempt"), [(0, 1), (-3, 1), (True, 1), (5, 0)]
)
def test_remote_filename_refuses_ids_that_cannot_identify_a_submission(
    upload_number: int, attempt: int
) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        remote_filename(
            team_slug="finance",
            upload_number=upload_number,
            when=date.today(),
            attempt=attempt,
        )


def test_remote_filename_tells_every_team_apart() -> None:
    """The number is the team's own, so the slug must name the team alone: any
    two slugs the portal takes give two names."""
    when = date(2024, 1, 2)
    names = {
        remote_filename(team_slug=slug, upload_number=1, when=when)
        for slug in ("a-b", "a_b", "a" * 50, "a" * 49, "a" * 49 + "b")
    }
    assert len(names) == 5


# --- job ID parsing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "job_id"),
    [
        ('{"jobId": "abc-123"}', "abc-123"),
        ('{"jobID": "abc-124"}', "abc-124"),
        ('{"job_id": 125}', "125"),
        ('{"JobId": "9f1c2d3e-0c4a-4a4a-8b8b-123456789abc"}', GUID_JOB_ID),
        ('{"id": 126}', "126"),
        ('{"Id": "job-127"}', "job-127"),
        ('{"data": {"jobId": "nested-128"}}', "nested-128"),
        ('{"result": {"id": 129}}', "129"),
        ('{"id": "request-1", "job": {"jobId": "job-130"}}', "job-130"),
        ('{"jobId": 12345678901234567890123}', "12345678901234567890123"),
        ('"quoted-131"', "quoted-131"),
        ("  bare-132\r\n", "bare-132"),
        ("133", "133"),
        ("1e5", "1e5"),
        ("\ufeff134", "134"),
    ],
)
def test_parse_job_id_reads_every_documented_shape(body: str, job_id: str) -> None:
    assert parse_job_id(body) == job_id


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   \n",
        "{}",
        '{"error": "queue unavailable"}',
        '{"jobId": ""}',
        '{"jobId": "   "}',
        '{"jobId": null}',
        '{"jobId": true}',
        '{"jobId": {"value": 1}}',
        '{"a": {"b": {"jobId": "too-deep-1"}}}',
        "[1, 2]",
        "null",
        "true",
        "NaN",
        "OK",
        '"Queued"',
        "File queued successfully",
        "<html><body>Queued 1</body></html>",
        "job-1\njob-2",
        "9" * 201,
        "{not json 1",
    ],
)
def test_parse_job_id_refuses_bodies_that_do_not_name_a_job(body: str) -> None:
    assert parse_job_id(body) is None


# --- submit: what goes over the wire --------------------------------------------------


def test_submit_posts_the_raw_csv_with_the_api_key_header(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(SUBMIT_URL, json={"jobId": "job-1"})

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.QUEUED
    assert result.job_id == "job-1"
    assert result.message == "AchieveIt queued the file as job job-1."
    assert result.url_path == f"/api/progressupdates/{FILENAME}"
    [call] = achieveit.calls
    assert call.request.body == CSV_BYTES
    assert call.request.headers["Content-Type"] == "text/csv"
    assert call.request.headers["Authorization"] == f"API-KEY {API_KEY}"
    assert API_KEY not in call.request.url


def test_submit_sends_one_plain_post_on_a_real_socket(
    serve: Callable[[Behaviour], RawServer],
) -> None:
    server = serve(
        answer(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Content-Length: 17\r\nConnection: close\r\n\r\n{"jobId": "j-77"}'
        )
    )

    achieveit_client = socket_client(server.port)
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.QUEUED
    assert result.job_id == "j-77"
    [request] = server.finish()
    head, _, body = request.partition(b"\r\n\r\n")
    assert head.startswith(f"POST /api/progressupdates/{FILENAME} HTTP/1.1".encode())
    assert f"Authorization: API-KEY {API_KEY}".encode() in head
    assert b"Content-Type: text/csv\r\n" in head + b"\r\n"
    assert body == CSV_BYTES  # the bytes themselves, not a multipart form


@pytest.mark.parametrize(
    "base_url", ["https://api.achieveit.test", "https://api.achieveit.test/"]
)
def test_submit_url_is_the_same_with_or_without_a_trailing_slash(
    base_url: str, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(SUBMIT_URL, body="job-2")

    achieveit_client = AchieveItClient(base_url=base_url, api_key=API_KEY)
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.QUEUED
    assert achieveit.calls[0].request.url == SUBMIT_URL


def test_submit_keeps_a_base_url_path_prefix(
    achieveit: responses.RequestsMock,
) -> None:
    achieveit.post(
        f"https://gov.achieveit.test/tenant/api/progressupdates/{FILENAME}", body="3"
    )

    achieveit_client = AchieveItClient(
        base_url="https://gov.achieveit.test/tenant/", api_key=API_KEY
    )
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.QUEUED
    assert result.url_path == f"/tenant/api/progressupdates/{FILENAME}"


@pytest.mark.parametrize(
    "filename", ["../etc/passwd.csv", "my file.csv", "updates.txt", "a/b.csv", ".csv"]
)
def test_submit_refuses_a_filename_that_is_not_url_safe(
    filename: str, client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="remote_filename"):
        client.submit(filename=filename, csv_bytes=CSV_BYTES)

    assert len(achieveit.calls) == 0


def test_submit_refuses_an_empty_file(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="empty"):
        client.submit(filename=FILENAME, csv_bytes=b"")

    assert len(achieveit.calls) == 0


# --- submit: what each answer means ---------------------------------------------------


@pytest.mark.parametrize(
    ("status_code", "body", "outcome", "job_id"),
    [
        (200, '{"jobId": "job-3"}', SubmitOutcome.QUEUED, "job-3"),
        (201, '"job-4"', SubmitOutcome.QUEUED, "job-4"),
        (202, '{"data": {"id": 5}}', SubmitOutcome.QUEUED, "5"),
        (200, "", SubmitOutcome.UNKNOWN, None),
        (200, "<html><body>Welcome 1</body></html>", SubmitOutcome.UNKNOWN, None),
        (200, '{"status": "ok"}', SubmitOutcome.UNKNOWN, None),
        (500, "could not queue", SubmitOutcome.NOT_QUEUED, None),
        (503, "maintenance", SubmitOutcome.NOT_QUEUED, None),
        (502, "bad gateway", SubmitOutcome.UNKNOWN, None),
        (504, "gateway timeout", SubmitOutcome.UNKNOWN, None),
        (401, "missing key", SubmitOutcome.AUTH_FAILED, None),
        (403, "forbidden", SubmitOutcome.AUTH_FAILED, None),
        (400, "bad csv", SubmitOutcome.REJECTED, None),
        (404, "no such route", SubmitOutcome.REJECTED, None),
        (413, "too large", SubmitOutcome.REJECTED, None),
        (304, "", SubmitOutcome.UNKNOWN, None),
    ],
)
def test_submit_outcome_follows_the_answer(
    status_code: int,
    body: str,
    outcome: SubmitOutcome,
    job_id: str | None,
    client: AchieveItClient,
    achieveit: responses.RequestsMock,
) -> None:
    achieveit.post(SUBMIT_URL, status=status_code, body=body)

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is outcome
    assert result.status_code == status_code
    assert result.job_id == job_id
    assert result.body == body
    assert result.safe_to_retry is (outcome is SubmitOutcome.NOT_QUEUED)
    assert len(achieveit.calls) == 1


def test_a_2xx_without_job_id_tells_the_operator_to_check_before_resending(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(SUBMIT_URL, body="Thanks!")

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.UNKNOWN
    assert "may have been queued" in result.message
    assert "A person must check before sending again." in result.message


def test_a_500_says_nothing_was_queued_and_it_is_safe_to_send_again(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(SUBMIT_URL, status=500, body="queue down")

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.message == (
        "AchieveIt could not queue the file (HTTP 500); nothing was queued, "
        "so it is safe to send again."
    )


def test_a_refused_key_points_the_operator_at_the_setting(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(SUBMIT_URL, status=401, body="")

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.AUTH_FAILED
    assert result.message.startswith(
        "AchieveIt refused the API key (HTTP 401). Check ACHIEVEIT_API_KEY"
    )


def test_a_long_answer_is_cut_to_a_size_an_audit_record_can_hold(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    long_body = "error detail. " * 1000
    achieveit.post(SUBMIT_URL, status=400, body=long_body)

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert len(result.body) == MAX_BODY_CHARS
    assert result.body.endswith(BODY_TRUNCATED_MARKER)
    assert long_body.startswith(result.body.removesuffix(BODY_TRUNCATED_MARKER))


def test_an_answer_that_is_not_utf8_is_still_recorded(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(SUBMIT_URL, status=400, body=b"bad row \xff\xfe near FIN-001")

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.REJECTED
    assert result.body == "bad row \ufffd\ufffd near FIN-001"


def test_an_answer_that_echoes_the_key_is_recorded_without_it(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(
        SUBMIT_URL,
        status=400,
        body=f"Bad request. Headers: Authorization: API-KEY {API_KEY}",
    )

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert API_KEY not in result.body
    assert result.body == "Bad request. Headers: Authorization: API-KEY [redacted]"


# --- submit: the network fails --------------------------------------------------------


def _connection_error(reason: Exception) -> requests.ConnectionError:
    """The exception requests raises when urllib3 gave up connecting, as it is built
    in requests.adapters.HTTPAdapter.send."""
    return requests.ConnectionError(
        urllib3.exceptions.MaxRetryError(
            None, f"/api/progressupdates/{FILENAME}", reason
        )  # type: ignore[arg-type]
    )


def test_connection_refused_means_nothing_was_sent(refusing_port: int) -> None:
    achieveit_client = socket_client(refusing_port)
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.NOT_QUEUED
    assert result.status_code is None
    assert result.message == (
        "Could not connect to AchieveIt (connection refused); nothing was sent, "
        "so it is safe to send again."
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            _connection_error(
                urllib3.exceptions.NameResolutionError(
                    "api.achieveit.test",
                    None,
                    socket.gaierror(-2, "Name not known"),  # type: ignore[arg-type]
                )
            ),
            "host name not found",
        ),
        (
            requests.ConnectTimeout(
                urllib3.exceptions.MaxRetryError(
                    None,  # type: ignore[arg-type]
                    "/",
                    urllib3.exceptions.ConnectTimeoutError("timed out"),
                )
            ),
            "no connection within 1 s",
        ),
        (
            requests.exceptions.SSLError(
                urllib3.exceptions.MaxRetryError(
                    None,  # type: ignore[arg-type]
                    "/",
                    urllib3.exceptions.SSLError(
                        ssl.SSLCertVerificationError(1, "certificate verify failed")
                    ),
                )
            ),
            "its TLS certificate was not accepted",
        ),
        (
            requests.exceptions.ProxyError(
                urllib3.exceptions.MaxRetryError(
                    None,  # type: ignore[arg-type]
                    "/",
                    urllib3.exceptions.ProxyError(
                        "Unable to connect to proxy",
                        urllib3.exceptions.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
                    ),
                )
            ),
            "could not connect",
        ),
    ],
)
def test_failures_before_sending_are_safe_to_retry(
    error: requests.RequestException,
    reason: str,
    client: AchieveItClient,
    achieveit: responses.RequestsMock,
) -> None:
    achieveit.post(SUBMIT_URL, body=error)

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.NOT_QUEUED
    assert f"({reason}); nothing was sent" in result.message


@pytest.mark.parametrize("behaviour", [hang_up, reset], ids=["closed", "reset"])
def test_connection_dropped_after_the_file_was_sent_needs_a_person(
    behaviour: Behaviour, serve: Callable[[Behaviour], RawServer]
) -> None:
    server = serve(behaviour)

    achieveit_client = socket_client(server.port)
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.UNKNOWN
    assert result.status_code is None
    assert not result.safe_to_retry
    assert "it may have been queued" in result.message
    [request] = server.finish()  # sent exactly once, and whole
    assert request.endswith(CSV_BYTES)


def test_no_answer_within_the_read_timeout_needs_a_person(
    serve: Callable[[Behaviour], RawServer],
) -> None:
    server = serve(stay_silent)
    started = time.monotonic()

    achieveit_client = socket_client(server.port)
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert time.monotonic() - started < 3
    assert result.outcome is SubmitOutcome.UNKNOWN
    assert result.message == (
        "No answer from AchieveIt within 0.5 s after the file was sent: it may have "
        "been queued. A person must check before sending again."
    )
    assert len(server.finish()) == 1


def test_a_200_cut_off_mid_body_is_not_mistaken_for_a_job_id(
    serve: Callable[[Behaviour], RawServer],
) -> None:
    # "job-5" arrives whole in its own chunk and would parse as a job ID; the rest
    # of the answer (maybe the real ID) never does.
    server = serve(
        answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\njob-5\r\n")
    )

    achieveit_client = socket_client(server.port)
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.UNKNOWN
    assert result.status_code == 200
    assert result.job_id is None
    assert result.body == "job-5" + BODY_CUT_OFF_MARKER
    assert "connection dropped before the job ID arrived" in result.message
    assert len(server.finish()) == 1


def test_a_500_on_a_real_socket_is_not_resent_by_the_client(
    serve: Callable[[Behaviour], RawServer],
) -> None:
    server = serve(
        answer(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n"
            b"Connection: close\r\n\r\nboom"
        )
    )

    achieveit_client = socket_client(server.port)
    result = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.NOT_QUEUED
    assert result.body == "boom"
    assert len(server.finish()) == 1  # retrying is the caller's decision, with backoff


# --- status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_code", "outcome"),
    [
        (202, StatusOutcome.PROCESSING),
        (200, StatusOutcome.SUCCEEDED),
        (400, StatusOutcome.FAILED),
        (500, StatusOutcome.FAILED),
        (401, StatusOutcome.AUTH_FAILED),
        (403, StatusOutcome.AUTH_FAILED),
        (404, StatusOutcome.UNKNOWN_JOB),
        (503, StatusOutcome.TRANSPORT_ERROR),
        (204, StatusOutcome.TRANSPORT_ERROR),
    ],
)
def test_status_outcome_follows_the_answer(
    status_code: int,
    outcome: StatusOutcome,
    client: AchieveItClient,
    achieveit: responses.RequestsMock,
) -> None:
    body = "" if status_code == 204 else f"answer {status_code}"
    achieveit.get(
        f"{BASE_URL}/api/progressupdates/status/job-6", status=status_code, body=body
    )

    result = client.status(job_id="job-6")

    assert result.outcome is outcome
    assert result.status_code == status_code
    assert result.body == body
    assert achieveit.calls[0].request.headers["Authorization"] == f"API-KEY {API_KEY}"


def test_a_failed_job_keeps_what_achieveit_said(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    verdict = json.dumps({"errors": ["Row 2: unknown External ID FIN-404"]})
    achieveit.get(
        f"{BASE_URL}/api/progressupdates/status/job-7", status=400, body=verdict
    )

    result = client.status(job_id="job-7")

    assert result.outcome is StatusOutcome.FAILED
    assert "FIN-404" in result.body
    assert result.message == (
        "AchieveIt failed to process job job-7 (HTTP 400); the response body says "
        "why, if anything does."
    )


def test_status_quotes_a_job_id_that_is_not_url_safe(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.get(f"{BASE_URL}/api/progressupdates/status/a%2Fb%20c%3F", status=202)

    result = client.status(job_id="a/b c?")

    assert result.outcome is StatusOutcome.PROCESSING


def test_status_without_an_answer_is_a_transport_error_to_try_later(
    serve: Callable[[Behaviour], RawServer], refusing_port: int
) -> None:
    server = serve(stay_silent)

    timed_out = socket_client(server.port).status(job_id="job-8")
    refused = socket_client(refusing_port).status(job_id="job-8")

    assert timed_out.outcome is StatusOutcome.TRANSPORT_ERROR
    assert "no answer within 0.5 s" in timed_out.message
    assert refused.outcome is StatusOutcome.TRANSPORT_ERROR
    assert "connection refused" in refused.message
    assert len(server.finish()) == 1


# --- metric updates ------------------------------------------------------------------

METRIC_CSV = (
    b"External ID,Current Metric Value,As Of Date\r\nFIN-001,0.2,2024-03-05\r\n"
)


def test_a_metric_file_is_posted_to_the_metric_updates_path(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(
        f"{BASE_URL}/api/metricupdates/{FILENAME}", status=200, json={"jobId": "m-1"}
    )

    result = client.submit(filename=FILENAME, csv_bytes=METRIC_CSV, kind="metric")

    assert result.outcome is SubmitOutcome.QUEUED
    assert result.job_id == "m-1"
    assert result.url_path == f"/api/metricupdates/{FILENAME}"
    request = achieveit.calls[0].request
    assert request.body == METRIC_CSV
    assert request.headers["Authorization"] == f"API-KEY {API_KEY}"


def test_a_progress_file_still_goes_to_the_progress_updates_path(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.post(SUBMIT_URL, status=200, json={"jobId": "p-1"})

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES, kind="progress")

    assert result.url_path == f"/api/progressupdates/{FILENAME}"
    assert result.job_id == "p-1"


def test_a_metric_job_is_polled_at_the_metric_status_path(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    achieveit.get(f"{BASE_URL}/api/metricupdates/status/m%2F1", status=200)

    result = client.status(job_id="m/1", kind="metric")

    assert result.outcome is StatusOutcome.SUCCEEDED
    assert achieveit.calls[0].request.headers["Authorization"] == f"API-KEY {API_KEY}"


def test_the_metric_status_path_comes_from_the_setting(
    settings: Any, achieveit: responses.RequestsMock
) -> None:
    settings.ACHIEVEIT_BASE_URL = BASE_URL
    settings.ACHIEVEIT_API_KEY = API_KEY
    settings.ACHIEVEIT_METRIC_STATUS_PATH = "/api/v2/metrics/{job_id}/status"
    achieveit.get(f"{BASE_URL}/api/v2/metrics/m-2/status", status=400, body="bad row")

    result = client_from_settings().status(job_id="m-2", kind="metric")

    assert result.outcome is StatusOutcome.FAILED
    assert result.body == "bad row"


@pytest.mark.parametrize("path", ["api/metricupdates/{job_id}", "/api/status", ""])
def test_a_metric_status_path_without_one_job_id_is_a_configuration_error(
    path: str,
) -> None:
    with pytest.raises(ConfigurationError, match="must be a path holding"):
        AchieveItClient(base_url=BASE_URL, api_key=API_KEY, metric_status_path=path)


def test_an_unknown_kind_is_refused_before_anything_is_sent(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="kind must be 'progress' or 'metric'"):
        client.submit(filename=FILENAME, csv_bytes=CSV_BYTES, kind="metrics")
    with pytest.raises(ValueError, match="kind must be 'progress' or 'metric'"):
        client.status(job_id="job-1", kind="")

    assert len(achieveit.calls) == 0


# --- the API key stays secret ---------------------------------------------------------


def test_the_api_key_appears_in_no_result_repr_or_log_line(
    caplog: pytest.LogCaptureFixture,
    serve: Callable[[Behaviour], RawServer],
    refusing_port: int,
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3's own debug lines included
    # The raw server closes every connection after answering, so it says so: the
    # client must not try to reuse the connection for the status call.
    server = serve(
        answer(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n"
        )
    )
    results: list[Any] = []

    achieveit_client = socket_client(server.port)
    results.append(achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES))
    results.append(achieveit_client.status(job_id="job-9"))
    client_repr = repr(achieveit_client)
    refusing_client = socket_client(refusing_port)
    results.append(refusing_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES))

    assert [result.outcome for result in results] == [
        SubmitOutcome.AUTH_FAILED,
        StatusOutcome.AUTH_FAILED,
        SubmitOutcome.NOT_QUEUED,
    ]
    assert API_KEY not in client_repr
    assert all(API_KEY not in repr(result) for result in results)
    assert caplog.records
    assert API_KEY not in caplog.text


def test_the_key_is_not_forwarded_when_a_redirect_leads_to_another_host(
    client: AchieveItClient, achieveit: responses.RequestsMock
) -> None:
    elsewhere = f"https://elsewhere.test/api/progressupdates/{FILENAME}"
    achieveit.post(SUBMIT_URL, status=307, headers={"Location": elsewhere})
    achieveit.post(elsewhere, status=401)

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.AUTH_FAILED
    assert [call.request.url for call in achieveit.calls] == [SUBMIT_URL, elsewhere]
    assert "Authorization" not in achieveit.calls[1].request.headers


def test_a_netrc_entry_for_the_host_does_not_replace_the_api_key(
    client: AchieveItClient,
    achieveit: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.achieveit.test login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    achieveit.post(SUBMIT_URL, body="job-12")

    result = client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert result.outcome is SubmitOutcome.QUEUED
    assert achieveit.calls[0].request.headers["Authorization"] == f"API-KEY {API_KEY}"


@pytest.mark.parametrize(
    ("base_url", "api_key"),
    [
        ("", API_KEY),
        ("api.achieveit.test", API_KEY),
        (f"https://{API_KEY}@api.achieveit.test", API_KEY),
        (f"https://api.achieveit.test/?key={API_KEY}", API_KEY),
        (BASE_URL, ""),
        (BASE_URL, f"{API_KEY}\r\nX-Injected: 1"),
        (API_KEY, BASE_URL),  # swapped by mistake
    ],
)
def test_unusable_configuration_is_refused_without_repeating_the_key(
    base_url: str, api_key: str
) -> None:
    with pytest.raises(ConfigurationError, match="ACHIEVEIT_") as raised:
        AchieveItClient(base_url=base_url, api_key=api_key)

    assert API_KEY not in str(raised.value)


def test_each_call_logs_one_line_with_method_path_outcome_and_duration(
    client: AchieveItClient,
    achieveit: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="uploads.achieveit")
    achieveit.post(SUBMIT_URL, status=500, body="")
    achieveit.get(f"{BASE_URL}/api/progressupdates/status/job-10", status=202)

    client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)
    client.status(job_id="job-10")

    lines = [r.getMessage() for r in caplog.records if r.name == "uploads.achieveit"]
    assert len(lines) == 2
    assert lines[0].startswith(
        f"AchieveIt POST /api/progressupdates/{FILENAME} -> 500 not_queued in "
    )
    assert lines[1].startswith(
        "AchieveIt GET /api/progressupdates/status/job-10 -> 202 processing in "
    )
    assert all(line.endswith(" ms") for line in lines)


# --- Django settings ------------------------------------------------------------------


def test_client_from_settings_uses_the_achieveit_settings(settings: Any) -> None:
    settings.ACHIEVEIT_BASE_URL = "https://gov.achieveit.test/"
    settings.ACHIEVEIT_API_KEY = API_KEY
    settings.ACHIEVEIT_CONNECT_TIMEOUT = 2.5
    settings.ACHIEVEIT_READ_TIMEOUT = 12.0

    achieveit_client = client_from_settings()

    assert achieveit_client.base_url == "https://gov.achieveit.test"
    assert achieveit_client.connect_timeout == 2.5
    assert achieveit_client.read_timeout == 12.0

    settings.ACHIEVEIT_API_KEY = ""
    with pytest.raises(ConfigurationError, match="ACHIEVEIT_API_KEY is not set"):
        client_from_settings()


def test_a_post_opens_a_fresh_connection_even_after_a_poll(
    serve: Callable[[Behaviour], RawServer],
) -> None:
    def keep_alive(connection: socket.socket, stop: threading.Event) -> None:
        # Answers, then keeps the connection open without reading more, like a
        # server whose idle connection a load balancer will silently drop.
        connection.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
        stop.wait(5)
        connection.close()

    server = serve(keep_alive)
    achieveit_client = socket_client(server.port)
    poll = achieveit_client.status(job_id="job-1")
    submit = achieveit_client.submit(filename=FILENAME, csv_bytes=CSV_BYTES)

    assert poll.outcome is StatusOutcome.PROCESSING
    requests_seen = server.finish()
    # Two connections, each carrying one request: the POST did not go down the
    # connection the poll left open.
    assert len(requests_seen) == 2
    assert requests_seen[1].startswith(b"POST ")
    assert b"Connection: close" in requests_seen[1]
    assert submit.status_code == 202
