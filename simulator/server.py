"""A stand-in AchieveIt API over real HTTP, standard library only.

It answers the calls of ACHIEVEIT_API.md and of the vendor's current help pages:
POST a progress or a metric update file (CSV or JSON) and GET its job's status, and
GET a plan's items. Its own endpoints under /_simulator/ inspect what it received,
seed plans and inject faults. simulator/README.md lists them all, and says which
behaviour the vendor documents and which is assumed.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote

from simulator.config import (
    JOB_ID_SHAPES,
    KNOB_NAMES,
    PLAN_ITEMS_SHAPES,
    ConfigError,
    SimulatorConfig,
)
from simulator.csvrules import METRIC, PROGRESS
from simulator.plans import PageRequest, PlanError
from simulator.state import SimulatorState, redact

__all__ = [
    "JOB_ID_SHAPES",
    "KNOB_NAMES",
    "PLAN_ITEMS_SHAPES",
    "ConfigError",
    "SimulatorConfig",
    "SimulatorHandler",
    "SimulatorServer",
    "SimulatorState",
    "make_server",
    "redact",
    "serve_in_thread",
]

UPLOAD_PREFIXES = {
    PROGRESS: "/api/progressupdates/",
    METRIC: "/api/metricupdates/",
}
# The metric status path is an assumption: the vendor's page does not show it.
STATUS_PREFIXES = {
    PROGRESS: "/api/progressupdates/status/",
    METRIC: "/api/metricupdates/status/",
}
PLAN_ITEMS_PATH = re.compile(r"/plans/(?P<plan_id>[^/?#]+)/items")
SIMULATOR_PLANS = "/_simulator/plans"
SAFE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.csv")
MAX_BODY_BYTES = 20 * 1024 * 1024
# A hung POST waits for shutdown, but not forever if nobody ever stops the server.
HANG_LIMIT_SECONDS = 3600.0
# Idle keep-alive connections are dropped after this, so their threads do not pile up.
IDLE_CONNECTION_SECONDS = 120.0


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
        """Health, inspection, config, AchieveIt's status calls and plan items."""
        self.server.state.settle()
        path = self._route_path()
        plan_items = PLAN_ITEMS_PATH.fullmatch(path)
        if path == "/_simulator/health":
            self._answer(HTTPStatus.OK, b"ok", "text/plain")
        elif path == "/_simulator/jobs":
            posts = self.server.state.describe_posts()
            self._answer_json(HTTPStatus.OK, {"jobs": posts})
        elif path == "/_simulator/config":
            self._answer_json(HTTPStatus.OK, self.server.state.config.knobs())
        elif path == SIMULATOR_PLANS:
            plans = self.server.state.describe_plans()
            self._answer_json(HTTPStatus.OK, {"plans": plans})
        elif path.startswith(SIMULATOR_PLANS + "/"):
            plan_id = unquote(path.removeprefix(SIMULATOR_PLANS + "/"))
            self._answer_plan_inspection(plan_id)
        elif plan_items is not None:
            self._answer_plan_items(unquote(plan_items["plan_id"]))
        else:
            for kind, prefix in STATUS_PREFIXES.items():
                if path.startswith(prefix):
                    self._answer_status_request(path.removeprefix(prefix), kind)
                    return
            self._answer_error(HTTPStatus.NOT_FOUND, "no such endpoint")

    def do_POST(self) -> None:
        """AchieveIt's upload calls, and the simulator's config, plans and reset."""
        body = self._read_body()
        if body is None:
            return
        self.server.state.settle()
        path = self._route_path()
        if path == "/_simulator/config":
            self._update_config(body)
        elif path == "/_simulator/reset":
            self._answer_json(HTTPStatus.OK, self.server.state.reset().knobs())
        elif path == SIMULATOR_PLANS:
            self._seed_plans(body)
        else:
            for kind, prefix in UPLOAD_PREFIXES.items():
                if path.startswith(prefix):
                    self._receive_upload(path.removeprefix(prefix), body, kind)
                    return
            self._answer_error(HTTPStatus.NOT_FOUND, "no such endpoint")

    def _receive_upload(self, filename: str, body: bytes, kind: str) -> None:
        state = self.server.state
        content_type = self.headers.get("Content-Type", "")
        auth_problem = self._auth_problem()
        if auth_problem:
            rejection = (HTTPStatus.UNAUTHORIZED, auth_problem)
        elif not SAFE_FILENAME.fullmatch(filename):
            rejection = (HTTPStatus.BAD_REQUEST, "filename must be <safe chars>.csv")
        elif not body:
            rejection = (HTTPStatus.BAD_REQUEST, "empty body: send the file's bytes")
        else:
            rejection = None

        if rejection is None:
            post, config = state.receive(filename, body, kind, content_type)
        else:
            post = state.record_rejected(filename, body, kind, content_type)
            config = state.config

        if post.dropped and post.job_id is None:
            # Held, then dropped, never queued: the client cannot tell this from
            # queue_then_drop, which is the point.
            self.server.stopping.wait(config.hold_seconds)
            self._drop_connection()
            return
        # Like a server that got the file but is slow (or never) to say so.
        if config.post_hang:
            self.close_connection = True
            self.server.stopping.wait(HANG_LIMIT_SECONDS)
            return
        if config.post_delay:
            self.server.stopping.wait(config.post_delay)

        if post.dropped:
            self._drop_connection()
        elif rejection is not None:
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

    def _drop_connection(self) -> None:
        """End the connection without a byte of answer: the client sees the peer
        close (RemoteDisconnected / ConnectionError), never a status code."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.server.log(f"{self.command} {self._route_path()[:200]} dropped")

    def _answer_job_id(self, job_id: str, shape: str) -> None:
        if shape == "text":
            self._answer(HTTPStatus.OK, job_id.encode(), "text/plain")
        elif shape == "quoted":
            self._answer(HTTPStatus.OK, json.dumps(job_id).encode(), "application/json")
        else:
            self._answer_json(HTTPStatus.OK, {"jobId": job_id})

    def _answer_status_request(self, job_id: str, kind: str) -> None:
        auth_problem = self._auth_problem()
        if auth_problem:
            self._answer_error(HTTPStatus.UNAUTHORIZED, auth_problem)
            return
        job = self.server.state.poll(job_id, kind)
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
            errors = [error.as_dict() for error in job.result.errors]
            self._answer_json(
                HTTPStatus.BAD_REQUEST,
                {"jobId": job_id, "status": "Failed", "errors": errors},
            )

    def _answer_plan_items(self, plan_id: str) -> None:
        state = self.server.state
        auth_problem = self._auth_problem()
        if auth_problem:
            self._answer_error(HTTPStatus.UNAUTHORIZED, auth_problem)
            return
        if state.take_plan_items_500():
            self._answer_error(
                HTTPStatus.INTERNAL_SERVER_ERROR, "simulated plan items failure"
            )
            return
        config = state.config
        if plan_id in config.hidden_plans:
            self._answer_error(
                HTTPStatus.FORBIDDEN,
                f"the API key's user may not see plan '{plan_id}'",
            )
            return
        query = parse_qs(self.path.partition("?")[2], keep_blank_values=True)
        try:
            page_request = PageRequest.from_query(query)
        except PlanError as error:
            self._answer_error(HTTPStatus.BAD_REQUEST, str(error))
            return
        if config.plan_items_shape == "html":
            page = b"<!doctype html><html><body><h1>Sign in</h1></body></html>"
            self._answer(HTTPStatus.OK, page, "text/html; charset=utf-8")
            return
        if config.plan_items_shape == "wrong":
            self._answer_json(
                HTTPStatus.OK,
                {"unexpected": "simulated wrong-shape answer (plan_items_shape)"},
            )
            return
        items_json = state.plan_items_json(
            plan_id, page_request, config.plan_items_shape
        )
        if items_json is None:
            self._answer_error(HTTPStatus.NOT_FOUND, f"no plan '{plan_id}'")
        else:
            self._answer(HTTPStatus.OK, items_json.encode(), "application/json")

    def _answer_plan_inspection(self, plan_id: str) -> None:
        items_json = self.server.state.plan_items_json(plan_id, None)
        if items_json is None:
            self._answer_error(HTTPStatus.NOT_FOUND, f"no plan '{plan_id}'")
        else:
            self._answer(HTTPStatus.OK, items_json.encode(), "application/json")

    def _seed_plans(self, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            self._answer_error(HTTPStatus.BAD_REQUEST, "body must be JSON")
            return
        try:
            plans = self.server.state.seed_plans(payload)
        except PlanError as error:
            self._answer_error(HTTPStatus.BAD_REQUEST, str(error))
            return
        self._answer_json(HTTPStatus.OK, {"plans": plans})

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
