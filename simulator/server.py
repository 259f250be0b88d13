"""A stand-in AchieveIt progress-update API over real HTTP, standard library only.

It answers the two calls of ACHIEVEIT_API.md (POST a CSV, GET a job's status) and adds
its own endpoints under /_simulator/ to inspect what it received and to inject faults.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import math
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from simulator.csvrules import CheckResult, RowError, check_progress_csv

UPLOAD_PREFIX = "/api/progressupdates/"
STATUS_PREFIX = "/api/progressupdates/status/"
SAFE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.csv")
MAX_BODY_BYTES = 20 * 1024 * 1024
JOB_ID_SHAPES = ("json", "text", "quoted")
STATUS_VERDICTS = (None, "succeed", "fail")
KNOB_NAMES = (
    "processing_delay",
    "job_id_shape",
    "fail_next_posts",
    "post_delay",
    "post_hang",
    "status_500",
    "status_500_next",
    "status_verdict",
)
# A hung POST waits for shutdown, but not forever if nobody ever stops the server.
HANG_LIMIT_SECONDS = 3600.0
# Idle keep-alive connections are dropped after this, so their threads do not pile up.
IDLE_CONNECTION_SECONDS = 120.0


class ConfigError(ValueError):
    """A fault-knob value was rejected (the message names the knob)."""


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that decides how the simulator answers.

    `api_key` and `mapping` are fixed at start-up; the rest are the fault knobs that
    POST /_simulator/config may change at run time.
    """

    api_key: str
    mapping: Mapping[str, bool] | None = None
    processing_delay: float = 2.0
    job_id_shape: str = "json"
    fail_next_posts: int = 0
    post_delay: float = 0.0
    post_hang: bool = False
    status_500: bool = False
    # The next this many status answers are 500, then answers go back to normal.
    status_500_next: int = 0
    status_verdict: str | None = None

    def __post_init__(self) -> None:
        for name, value in self.knobs().items():
            _check_knob(name, value)

    def __repr__(self) -> str:
        # Keep the key out of any traceback or debug print of a config.
        return f"SimulatorConfig({self.knobs()!r}, mapping={self.mapping is not None})"

    def knobs(self) -> dict[str, Any]:
        """The run-time settings, as POST /_simulator/config reads and answers them."""
        return {name: getattr(self, name) for name in KNOB_NAMES}

    def with_changes(self, changes: Mapping[str, Any]) -> SimulatorConfig:
        """A copy with some knobs changed; raises ConfigError on a bad name or value."""
        unknown = sorted(set(changes) - set(KNOB_NAMES))
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return replace(self, **changes)


def _check_knob(name: str, value: object) -> None:
    if name in ("processing_delay", "post_delay"):
        valid = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        )
        expected = "a number of seconds >= 0"
    elif name in ("fail_next_posts", "status_500_next"):
        valid = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        expected = "a whole number >= 0"
    elif name in ("post_hang", "status_500"):
        valid = isinstance(value, bool)
        expected = "true or false"
    elif name == "job_id_shape":
        valid = value in JOB_ID_SHAPES
        expected = " | ".join(JOB_ID_SHAPES)
    elif name == "status_verdict":
        valid = value in STATUS_VERDICTS
        expected = 'null | "succeed" | "fail"'
    else:
        valid, expected = False, "a known setting"
    if not valid:
        raise ConfigError(f"{name} must be {expected}, not {value!r}")


@dataclass
class ReceivedPost:
    """One upload POST as the simulator saw it, queued or not."""

    filename: str
    body: bytes
    received_at: datetime
    job_id: str | None = None
    answered_status: int | None = None
    # time.monotonic() after which the job counts as processed.
    ready_at: float = 0.0
    result: CheckResult = field(default_factory=lambda: CheckResult(0))
    polls: int = 0

    @property
    def state(self) -> str:
        """not_queued, processing, succeeded or failed."""
        if self.job_id is None:
            return "not_queued"
        if time.monotonic() < self.ready_at:
            return "processing"
        return "succeeded" if self.result.ok else "failed"


class SimulatorState:
    """The job store and the live config, shared by all request threads."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._lock = threading.Lock()
        self._startup_config = config
        self._config = config
        self._posts: list[ReceivedPost] = []
        self._jobs: dict[str, ReceivedPost] = {}

    @property
    def config(self) -> SimulatorConfig:
        """The config in force now (an immutable snapshot)."""
        with self._lock:
            return self._config

    def update_config(self, changes: Mapping[str, Any]) -> SimulatorConfig:
        """Merge knob changes into the live config; raises ConfigError."""
        with self._lock:
            self._config = self._config.with_changes(changes)
            return self._config

    def reset(self) -> SimulatorConfig:
        """Forget every POST and go back to the start-up config."""
        with self._lock:
            self._posts.clear()
            self._jobs.clear()
            self._config = self._startup_config
            return self._config

    def record_rejected(self, filename: str, body: bytes) -> ReceivedPost:
        """Record a POST refused before queueing (bad key, name or body)."""
        post = ReceivedPost(filename, body, datetime.now(UTC))
        with self._lock:
            self._posts.append(post)
        return post

    def receive(
        self, filename: str, body: bytes
    ) -> tuple[ReceivedPost, SimulatorConfig]:
        """Queue a well-formed upload, unless fail_next_posts says to refuse it.

        Returns the record and the config it was received under.
        """
        result = check_progress_csv(body, self._startup_config.mapping)
        received_at = datetime.now(UTC)
        with self._lock:
            config = self._config
            post = ReceivedPost(filename, body, received_at)
            if config.fail_next_posts > 0:
                self._config = replace(
                    config, fail_next_posts=config.fail_next_posts - 1
                )
            else:
                post.job_id = secrets.token_hex(8)
                post.ready_at = time.monotonic() + config.processing_delay
                post.result = _forced(result, config.status_verdict)
                self._jobs[post.job_id] = post
            self._posts.append(post)
        return post, config

    def mark_answered(self, post: ReceivedPost, status_code: int) -> None:
        """Note the status code a POST was (about to be) answered with."""
        with self._lock:
            post.answered_status = status_code

    def poll(self, job_id: str) -> ReceivedPost | None:
        """Count a status request for a job; None when the job is unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                job.polls += 1
            return job

    def take_status_500(self) -> bool:
        """True when this status request is to be answered 500 (status_500, or
        one of the status_500_next, which counts down)."""
        with self._lock:
            config = self._config
            if config.status_500:
                return True
            if config.status_500_next > 0:
                self._config = replace(
                    config, status_500_next=config.status_500_next - 1
                )
                return True
            return False

    def describe_posts(self) -> list[dict[str, Any]]:
        """Every POST received, oldest first, as /_simulator/jobs lists them."""
        api_key = self._startup_config.api_key
        described = []
        with self._lock:
            for post in self._posts:
                state = post.state
                described.append(
                    {
                        "job_id": post.job_id,
                        "filename": redact(post.filename, api_key),
                        "received_at": post.received_at.isoformat(
                            timespec="milliseconds"
                        ),
                        "body": redact(
                            post.body.decode("utf-8", errors="replace"), api_key
                        ),
                        "bytes": len(post.body),
                        "answered_status": post.answered_status,
                        "state": state,
                        "rows": post.result.rows,
                        "errors": _error_dicts(post) if state == "failed" else [],
                        "polls": post.polls,
                    }
                )
            return described


def _forced(result: CheckResult, status_verdict: str | None) -> CheckResult:
    if status_verdict == "succeed":
        return CheckResult(result.rows)
    if status_verdict == "fail":
        message = "failed on purpose (simulator status_verdict=fail)"
        return CheckResult(result.rows, [RowError(None, message)])
    return result


def _error_dicts(post: ReceivedPost) -> list[dict[str, object]]:
    return [error.as_dict() for error in post.result.errors]


class SimulatorServer(ThreadingHTTPServer):
    """The HTTP server plus the simulator's state and a clean, prompt stop()."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        config: SimulatorConfig,
        log_stream: TextIO | None,
    ) -> None:
        self.state = SimulatorState(config)
        self.api_key = config.api_key
        self.log_stream = log_stream
        # Set on stop(): wakes delayed and hung POSTs so shutdown never waits on them.
        self.stopping = threading.Event()
        self._serving = threading.Event()
        self._open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._log_lock = threading.Lock()
        super().__init__(address, SimulatorHandler)

    @property
    def base_url(self) -> str:
        """http://host:port, with the port actually bound (useful with port 0)."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Serve until stop() (or shutdown()) is called.

        The short poll interval is how long stop() may wait for the loop to notice.
        """
        self._serving.set()
        super().serve_forever(poll_interval)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Start a request thread, remembering its socket so stop() can close it."""
        with self._connections_lock:
            self._open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget a finished connection, then close it."""
        with self._connections_lock:
            self._open_connections.discard(request)
        super().shutdown_request(request)

    def stop(self) -> None:
        """Stop serving, end open connections (even hung ones) and free the port."""
        self.stopping.set()
        if self._serving.is_set():
            self.shutdown()
        with self._connections_lock:
            connections = list(self._open_connections)
        # Idle keep-alive readers block in recv(); shutting the socket wakes them.
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()

    def log(self, line: str) -> None:
        """Write one short log line, with the API key masked should it ever appear."""
        if self.log_stream is None:
            return
        line = redact(line, self.api_key)
        with self._log_lock:
            print(f"{time.strftime('%H:%M:%S')} {line}", file=self.log_stream)
            self.log_stream.flush()


def redact(text: str, api_key: str) -> str:
    """`text` with every occurrence of the API key masked."""
    return text.replace(api_key, "[redacted]") if api_key else text


class SimulatorHandler(BaseHTTPRequestHandler):
    """Routes one connection's requests; all state lives on the server."""

    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "AchieveItSimulator/1.0"
    timeout = IDLE_CONNECTION_SECONDS
    # Headers and body go out in separate writes; with Nagle on, each small answer
    # would wait for the client's delayed ACK (~40 ms on Linux loopback).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Health, inspection, config, and AchieveIt's status call."""
        path = self._route_path()
        if path == "/_simulator/health":
            self._answer(HTTPStatus.OK, b"ok", "text/plain")
        elif path == "/_simulator/jobs":
            posts = self.server.state.describe_posts()
            self._answer_json(HTTPStatus.OK, {"jobs": posts})
        elif path == "/_simulator/config":
            self._answer_json(HTTPStatus.OK, self.server.state.config.knobs())
        elif path.startswith(STATUS_PREFIX):
            self._answer_status_request(path.removeprefix(STATUS_PREFIX))
        else:
            self._answer_error(HTTPStatus.NOT_FOUND, "no such endpoint")

    def do_POST(self) -> None:
        """AchieveIt's upload call, and the simulator's config and reset."""
        body = self._read_body()
        if body is None:
            return
        path = self._route_path()
        if path == "/_simulator/config":
            self._update_config(body)
        elif path == "/_simulator/reset":
            self._answer_json(HTTPStatus.OK, self.server.state.reset().knobs())
        elif path.startswith(UPLOAD_PREFIX):
            self._receive_upload(path.removeprefix(UPLOAD_PREFIX), body)
        else:
            self._answer_error(HTTPStatus.NOT_FOUND, "no such endpoint")

    def _receive_upload(self, filename: str, body: bytes) -> None:
        state = self.server.state
        auth_problem = self._auth_problem()
        if auth_problem:
            rejection = (HTTPStatus.UNAUTHORIZED, auth_problem)
        elif not SAFE_FILENAME.fullmatch(filename):
            rejection = (HTTPStatus.BAD_REQUEST, "filename must be <safe chars>.csv")
        elif not body:
            rejection = (HTTPStatus.BAD_REQUEST, "empty body: send the CSV bytes")
        else:
            rejection = None

        if rejection is None:
            post, config = state.receive(filename, body)
        else:
            post, config = state.record_rejected(filename, body), state.config

        # Like a server that got the file but is slow (or never) to say so.
        if config.post_hang:
            self.close_connection = True
            self.server.stopping.wait(HANG_LIMIT_SECONDS)
            return
        if config.post_delay:
            self.server.stopping.wait(config.post_delay)

        if rejection is not None:
            state.mark_answered(post, rejection[0])
            self._answer_error(*rejection)
        elif post.job_id is None:
            state.mark_answered(post, HTTPStatus.INTERNAL_SERVER_ERROR)
            self._answer_error(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "could not queue the file (simulated by fail_next_posts)",
            )
        else:
            state.mark_answered(post, HTTPStatus.OK)
            self._answer_job_id(post.job_id, config.job_id_shape)

    def _answer_job_id(self, job_id: str, shape: str) -> None:
        if shape == "text":
            self._answer(HTTPStatus.OK, job_id.encode(), "text/plain")
        elif shape == "quoted":
            self._answer(HTTPStatus.OK, json.dumps(job_id).encode(), "application/json")
        else:
            self._answer_json(HTTPStatus.OK, {"jobId": job_id})

    def _answer_status_request(self, job_id: str) -> None:
        auth_problem = self._auth_problem()
        if auth_problem:
            self._answer_error(HTTPStatus.UNAUTHORIZED, auth_problem)
            return
        job = self.server.state.poll(job_id)
        if self.server.state.take_status_500():
            self._answer_error(
                HTTPStatus.INTERNAL_SERVER_ERROR, "simulated status failure"
            )
        elif job is None:
            self._answer_error(HTTPStatus.NOT_FOUND, "unknown job id")
        elif job.state == "processing":
            self._answer_json(
                HTTPStatus.ACCEPTED, {"jobId": job_id, "status": "Processing"}
            )
        elif job.state == "succeeded":
            self._answer_json(
                HTTPStatus.OK,
                {"jobId": job_id, "status": "Succeeded", "rows": job.result.rows},
            )
        else:
            self._answer_json(
                HTTPStatus.BAD_REQUEST,
                {"jobId": job_id, "status": "Failed", "errors": _error_dicts(job)},
            )

    def _update_config(self, body: bytes) -> None:
        try:
            changes = json.loads(body or b"{}")
        except ValueError:
            self._answer_error(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
            return
        if not isinstance(changes, dict):
            self._answer_error(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
            return
        try:
            config = self.server.state.update_config(changes)
        except ConfigError as error:
            self._answer_error(HTTPStatus.BAD_REQUEST, str(error))
            return
        self._answer_json(HTTPStatus.OK, config.knobs())

    def _auth_problem(self) -> str | None:
        header = self.headers.get("Authorization", "")
        scheme, _, presented_key = header.partition(" ")
        if scheme.upper() != "API-KEY" or not presented_key.strip():
            return "missing or malformed Authorization header (API-KEY <key>)"
        presented = presented_key.strip().encode()
        if not hmac.compare_digest(presented, self.server.api_key.encode()):
            return "invalid API key"
        return None

    def _read_body(self) -> bytes | None:
        """The body, or None once a request with an unusable body was answered."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._answer_error(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            # The unread body would be taken for the next request: drop the connection.
            self.close_connection = True
            status = (
                HTTPStatus.BAD_REQUEST
                if length < 0
                else HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            )
            self._answer_error(status, "bad or too large Content-Length")
            return None
        return self.rfile.read(length)

    def _route_path(self) -> str:
        return self.path.split("?", 1)[0]

    def _answer_error(self, status: HTTPStatus, message: str) -> None:
        self._answer_json(status, {"error": message})

    def _answer_json(self, status: HTTPStatus, payload: object) -> None:
        self._answer(status, json.dumps(payload).encode(), "application/json")

    def _answer(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (e.g. after post_delay); nothing to tell it.
            self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per answered request: method, path (no query string), status."""
        method = getattr(self, "command", None) or "-"
        path = (getattr(self, "path", None) or "-").split("?", 1)[0][:200]
        self.server.log(f"{method} {path} {int(code)}")

    def log_error(self, format: str, *args: Any) -> None:
        """Silenced: the failed request is still logged by log_request when answered.

        BaseHTTPRequestHandler's messages can quote the raw request line.
        """


def make_server(
    host: str,
    port: int,
    config: SimulatorConfig,
    *,
    log_stream: TextIO | None = sys.stderr,
) -> SimulatorServer:
    """Bind a simulator to host:port (0 picks a free port); call serve_forever().

    Raises OSError when the address cannot be bound. `log_stream=None` silences the
    request log.
    """
    return SimulatorServer((host, port), config, log_stream)


def serve_in_thread(
    config: SimulatorConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    log_stream: TextIO | None = None,
) -> SimulatorServer:
    """Start a simulator on a daemon thread; use .base_url, and .stop() when done."""
    server = make_server(host, port, config, log_stream=log_stream)
    thread = threading.Thread(
        target=server.serve_forever, name="achieveit-simulator", daemon=True
    )
    thread.start()
    # stop() only waits for a loop that has started; make sure it has.
    server._serving.wait(timeout=5)
    return server
