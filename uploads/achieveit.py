"""HTTP client for the AchieveIt progress-update API: two calls, typed results, no ORM.

``AchieveItClient.submit`` POSTs one CSV file and ``AchieveItClient.status`` asks how
its job went. Both take the file's ``kind``: a progress update goes to
``/api/progressupdates/``, a metric update (values only) to ``/api/metricupdates/``,
whose status path is a setting because the vendor does not document it.

Neither call raises for anything AchieveIt or the network does: every answer,
including a timeout or a dropped connection, comes back as a frozen result carrying
the status code, the (bounded, redacted) body and one operator-readable sentence, so
the caller can record an audit Attempt whatever happened.

AchieveIt has no idempotency key, so a POST is sent at most once per call and is only
reported safe to send again (``SubmitOutcome.NOT_QUEUED``) when AchieveIt said it
queued nothing or the connection failed before the request left this machine.
Anything in between is ``SubmitOutcome.UNKNOWN`` and needs a person.

The API key never appears in a URL, a log line, an exception message, a ``repr()`` or
a result (a body that echoes it back is redacted).

``AchieveItClient.plan_items`` reads a plan's items; the reading, its typed errors
and ``PlanItemRead`` live in ``uploads.achieveit_plans``.
"""

from __future__ import annotations

import enum
import json
import logging
import re
import ssl
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions
from django.conf import settings

if TYPE_CHECKING:
    from uploads.achieveit_plans import PlanRead

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0

PROGRESS = "progress"
METRIC = "metric"
_SUBMIT_PATHS = {PROGRESS: "/api/progressupdates/", METRIC: "/api/metricupdates/"}
PROGRESS_STATUS_PATH = "/api/progressupdates/status/{job_id}"
# Assumed by analogy with the progress call: AchieveIt's metric page shows no status
# call (ACHIEVEIT_METRIC_STATUS_PATH overrides it).
DEFAULT_METRIC_STATUS_PATH = "/api/metricupdates/status/{job_id}"

# AchieveIt's older export form serves at most 1,500 items a call; the simulator
# refuses more (a 400), so the portal never asks for more.
PLAN_PAGE_SIZE = 1500
# 1,500,000 items: a plan larger than this is more likely a server that ignores
# `skip` than a real plan, and the read stops rather than loop.
PLAN_MAX_PAGES = 1000

MAX_BODY_CHARS = 4000
BODY_TRUNCATED_MARKER = "\n[... truncated by the portal]"
BODY_CUT_OFF_MARKER = "\n[... the connection dropped before the whole answer arrived]"
# Never hold more than this much of an answer in memory, whatever the server sends.
MAX_BODY_BYTES = 64 * 1024

_SAFE_FILENAME = re.compile(r"[A-Za-z0-9._-]{1,196}\.csv")
# A job ID is an identifier: no whitespace, quotes or markup (that would be prose or
# an HTML error page that happened to come with a 2xx).
_JOB_ID_TOKEN = re.compile(r"[^\s\"'<>`\\]{1,200}")
_CHECK_BEFORE_RESENDING = "A person must check before sending again."


class ConfigurationError(Exception):
    """The base URL or API key is missing or unusable.

    The message names the setting but never repeats its value, so it is safe to log.
    """


class SubmitOutcome(enum.StrEnum):
    """What became of one POST of a CSV file."""

    #: AchieveIt answered 2xx with a job ID: poll ``status`` with it.
    QUEUED = "queued"
    #: AchieveIt said it queued nothing (5xx), or nothing was sent: safe to retry.
    NOT_QUEUED = "not_queued"
    #: AchieveIt refused the API key (401/403): fix the setting, do not retry.
    AUTH_FAILED = "auth_failed"
    #: AchieveIt refused the request (other 4xx): resending the same file won't help.
    REJECTED = "rejected"
    #: The file may or may not have been queued: a person must check, never retry.
    UNKNOWN = "unknown"


class StatusOutcome(enum.StrEnum):
    """What AchieveIt said about a queued job."""

    #: 202: received or still being processed; ask again later.
    PROCESSING = "processing"
    #: 200: processed successfully.
    SUCCEEDED = "succeeded"
    #: 400 or 500: processing failed; the body says why, if anything does.
    FAILED = "failed"
    #: 401/403: AchieveIt refused the API key.
    AUTH_FAILED = "auth_failed"
    #: 404: AchieveIt does not know this job ID.
    UNKNOWN_JOB = "unknown_job"
    #: No usable answer (timeout, connection error, undocumented status); ask later.
    TRANSPORT_ERROR = "transport_error"


@dataclass(frozen=True)
class SubmitResult:
    """Everything known about one POST, enough to record an audit Attempt.

    ``status_code`` is None when no HTTP answer arrived; ``job_id`` is set only for
    ``QUEUED``; ``body`` is the decoded, redacted answer, cut to ``MAX_BODY_CHARS``;
    ``url_path`` is the path that was POSTed to (no host, no secret).
    """

    outcome: SubmitOutcome
    status_code: int | None
    job_id: str | None
    body: str
    message: str
    url_path: str

    @property
    def safe_to_retry(self) -> bool:
        """True only when AchieveIt certainly did not queue the file."""
        return self.outcome is SubmitOutcome.NOT_QUEUED


@dataclass(frozen=True)
class StatusResult:
    """Everything known about one status request, enough to record an audit Attempt."""

    outcome: StatusOutcome
    status_code: int | None
    body: str
    message: str


_Result = TypeVar("_Result", SubmitResult, StatusResult)


@dataclass(frozen=True)
class _Answer:
    """What came back from one request; ``status_code`` is None when nothing did."""

    status_code: int | None
    text: str = ""  # the body as read, key redacted
    cut_off: bool = False  # the connection broke before the end of the body
    too_long: bool = False  # MAX_BODY_BYTES were read and the rest was not
    error: requests.RequestException | None = None  # why no answer came
    reason: str = ""  # the same, for the operator
    nothing_sent: bool = False  # the request certainly never left this machine

    @property
    def complete(self) -> bool:
        # A partial body must never be read as a job ID.
        return not (self.cut_off or self.too_long)

    def for_record(self) -> str:
        if self.complete and len(self.text) <= MAX_BODY_CHARS:
            return self.text
        marker = BODY_CUT_OFF_MARKER if self.cut_off else BODY_TRUNCATED_MARKER
        return self.text[: MAX_BODY_CHARS - len(marker)] + marker


def remote_filename(
    *, team_slug: str, upload_number: int, when: date, attempt: int = 1
) -> str:
    """Return the filename to POST an upload under, e.g.
    ``portal-finance-u42-a1-20240305.csv``.

    Only ``[A-Za-z0-9._-]`` is used, so it is safe in a URL path. It leads back to
    the upload through the team and ``upload_number``, the team's own number of it
    (``Upload.number``: a global id would tell AchieveIt's readers how many uploads
    every team sends). It is unique per submission as long as ``attempt`` grows
    with every POST of the same upload: a team slug as the portal takes them
    (lowercase letters, digits, ``-`` and ``_``, at most 50) is kept whole, so no
    two teams share a name. ``when`` may be a date or a datetime (only its date is
    used).

    Raises ValueError for a non-positive ``upload_number`` or ``attempt``.
    """
    for name, number in (("upload_number", upload_number), ("attempt", attempt)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"{name} must be a positive integer, got {number!r}")
    ascii_slug = unicodedata.normalize("NFKD", team_slug).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_slug.decode().lower()).strip("-")
    slug = slug[:50].strip("-") or "team"
    return f"portal-{slug}-u{upload_number}-a{attempt}-{when:%Y%m%d}.csv"


def parse_job_id(body: str) -> str | None:
    """Return the job ID found in an AchieveIt answer body, or None.

    Accepted shapes: a JSON object with a ``jobId``-like key (``jobId``, ``jobID``,
    ``job_id``, ``JobId``; any case) or else an ``id`` key, at the top level or one
    level down (e.g. ``{"data": {"jobId": ...}}``); a JSON string (``"abc"``); a JSON
    number (returned as written); or a bare single-line token. A quoted or bare ID
    must contain a digit, so "OK" or "Queued" is not taken for one. Empty,
    multi-line, over-long, HTML or prose bodies give None. Never raises for a str.
    """
    text = body.strip().lstrip("\ufeff").strip()
    try:
        # Numbers are kept as written so "1e5" stays "1e5" and a long ID stays exact.
        value = json.loads(
            text, parse_int=str, parse_float=str, parse_constant=lambda _: None
        )
    except ValueError:
        value = text
    if not isinstance(value, dict):
        # Without a key saying "this is the job ID", "OK" or "queued" must not pass
        # for one: IDs (numbers, GUIDs) carry at least one digit.
        job_id = _clean_job_id(value)
        return job_id if job_id and any(c.isdigit() for c in job_id) else None
    nested = [inner for inner in value.values() if isinstance(inner, dict)]
    # A key that says "job" wins anywhere over a generic "id", which might be the ID
    # of the request or of some other record.
    for wanted in ("jobid", "id"):
        for document in (value, *nested):
            for key, candidate in document.items():
                if key.lower().replace("_", "").replace("-", "") == wanted:
                    job_id = _clean_job_id(candidate)
                    if job_id is not None:
                        return job_id
    return None


def _clean_job_id(value: object) -> str | None:
    # json.loads was told to turn numbers into str, so only str can be an ID here.
    if not isinstance(value, str):
        return None
    job_id = value.strip()
    if not _JOB_ID_TOKEN.fullmatch(job_id) or not any(c.isalnum() for c in job_id):
        return None
    return job_id


class AchieveItClient:
    """A client for one AchieveIt tenant.

    It holds no connection: every call opens its own, so an instance is cheap to
    make and safe to share between threads.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        metric_status_path: str = DEFAULT_METRIC_STATUS_PATH,
    ) -> None:
        """Raises ConfigurationError when the base URL, the API key or the metric
        status path (a path holding ``{job_id}`` once) is unusable."""
        parts = urlsplit(base_url.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigurationError(
                "ACHIEVEIT_BASE_URL must look like https://api.achieveit.com."
            )
        # Credentials or a query in the URL would end up in logs and audit records.
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ConfigurationError(
                "ACHIEVEIT_BASE_URL must not carry credentials, a query or a "
                "fragment; the key goes in ACHIEVEIT_API_KEY."
            )
        api_key = api_key.strip()
        if not api_key:
            raise ConfigurationError("ACHIEVEIT_API_KEY is not set.")
        # requests would refuse such a header with an error message quoting the key.
        if not api_key.isprintable():
            raise ConfigurationError("ACHIEVEIT_API_KEY contains control characters.")
        if not metric_status_path.startswith("/") or (
            metric_status_path.count("{job_id}") != 1
        ):
            raise ConfigurationError(
                "ACHIEVEIT_METRIC_STATUS_PATH must be a path holding {job_id} once."
            )
        self.base_url = base_url.strip().rstrip("/")
        self.metric_status_path = metric_status_path
        self._api_key = api_key
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    def submit(
        self, *, filename: str, csv_bytes: bytes, kind: str = PROGRESS
    ) -> SubmitResult:
        """POST ``csv_bytes`` as-is to ``/api/progressupdates/{filename}`` (or
        ``/api/metricupdates/{filename}`` for ``kind="metric"``), once.

        Returns a SubmitResult whatever AchieveIt or the network did; see
        SubmitOutcome for what each outcome allows next. Raises ValueError, before
        anything is sent, for an unsafe or non-``.csv`` filename, an empty file or
        an unknown kind.
        """
        if kind not in _SUBMIT_PATHS:
            raise ValueError(f"kind must be 'progress' or 'metric', got {kind!r}")
        if not _SAFE_FILENAME.fullmatch(filename):
            raise ValueError(
                "filename must be made of [A-Za-z0-9._-] and end in .csv "
                "(use remote_filename())"
            )
        if not csv_bytes:
            raise ValueError("refusing to send an empty file")
        url = f"{self.base_url}{_SUBMIT_PATHS[kind]}{filename}"
        url_path = urlsplit(url).path
        return self._call(
            "POST",
            url,
            lambda answer: _submit_result(answer, url_path, self.read_timeout),
            data=csv_bytes,
            headers={"Content-Type": "text/csv", "Connection": "close"},
        )

    def status(self, *, job_id: str, kind: str = PROGRESS) -> StatusResult:
        """GET ``/api/progressupdates/status/{job_id}`` (the ID is URL-quoted), or
        for ``kind="metric"`` the metric status path (``metric_status_path``).

        Returns a StatusResult whatever AchieveIt or the network did. Raises
        ValueError for an empty job ID, one that is a dot path segment, or an
        unknown kind.
        """
        if kind not in _SUBMIT_PATHS:
            raise ValueError(f"kind must be 'progress' or 'metric', got {kind!r}")
        if job_id.strip() in {"", ".", ".."}:
            raise ValueError("job_id must be a non-empty identifier")
        template = PROGRESS_STATUS_PATH if kind == PROGRESS else self.metric_status_path
        # replace(), not format(): a configured path may hold other braces.
        path = template.replace("{job_id}", quote(job_id, safe=""))
        url = f"{self.base_url}{path}"
        return self._call("GET", url, lambda answer: _status_result(answer, job_id))

    def plan_items(
        self,
        plan_id: str,
        *,
        take: int = PLAN_PAGE_SIZE,
        max_pages: int = PLAN_MAX_PAGES,
    ) -> PlanRead:
        """Every item of an AchieveIt plan: ``GET /plans/{planId}/items`` page by
        page (``skip``/``take``, at most ``PLAN_PAGE_SIZE`` a page, at most
        ``max_pages`` pages), each answer read leniently (see ``read_plan_page``).

        Reads only; sends nothing. Raises PlanForbidden (401/403), PlanNotFound
        (404), PlanTransientError (5xx, timeout, connection), PlanBadAnswer (an
        answer of the wrong shape, or more pages than ``max_pages``) and
        PlanReadError (any other answer); ValueError for an empty plan ID or a
        ``take`` outside 1..PLAN_PAGE_SIZE.
        """
        # Imported here: the plans module builds on this one (the client's key and
        # its reading of a failed connection).
        from uploads.achieveit_plans import read_plan

        return read_plan(self, plan_id, take=take, max_pages=max_pages)

    def _call(
        self,
        method: str,
        url: str,
        interpret: Callable[[_Answer], _Result],
        **kwargs: Any,
    ) -> _Result:
        """Send one request, turn what came back into a result, log one line."""
        started = time.monotonic()
        try:
            # A plain requests call, not a shared Session: every request opens a
            # fresh connection, so a keep-alive connection the server dropped while
            # idle cannot pass for a failure after sending a POST.
            response = requests.request(
                method,
                url,
                auth=self._authorize,
                timeout=(self.connect_timeout, self.read_timeout),
                stream=True,
                **kwargs,
            )
        except requests.RequestException as exc:
            answer = self._no_answer(exc)
        else:
            answer = self._read(response)
        result = interpret(answer)
        logger.info(
            "AchieveIt %s %s -> %s %s%s in %d ms",
            method,
            urlsplit(url).path,
            "no answer" if result.status_code is None else result.status_code,
            result.outcome.value,
            f" ({type(answer.error).__name__})" if answer.error else "",
            round((time.monotonic() - started) * 1000),
        )
        return result

    def _authorize(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # Given to requests as auth, not as a header: a ~/.netrc entry then cannot
        # replace it, and requests drops it on a redirect to another host.
        request.headers["Authorization"] = f"API-KEY {self._api_key}"
        return request

    def _read(self, response: requests.Response) -> _Answer:
        received = b""
        cut_off = False
        try:
            for chunk in response.iter_content(chunk_size=8192):
                received += chunk
                if len(received) > MAX_BODY_BYTES:
                    break
        except requests.RequestException:
            cut_off = True
        finally:
            response.close()
        text = received.decode("utf-8", errors="replace")
        # Some servers echo the request headers in error pages.
        text = text.replace(self._api_key, "[redacted]")
        too_long = len(received) > MAX_BODY_BYTES
        return _Answer(response.status_code, text, cut_off, too_long)

    def _no_answer(self, exc: requests.RequestException) -> _Answer:
        """Tell a failure before anything was sent from one after the request left.

        requests wraps urllib3's errors: a connect failure arrives as
        ``ConnectionError(MaxRetryError(reason=NewConnectionError))`` (or
        ``NameResolutionError``, or inside a ``ProxyError``). Anything not recognised
        as "before sending" counts as "maybe sent".
        """
        cause: Any = exc.args[0] if exc.args else None
        while True:
            if isinstance(cause, urllib3.exceptions.MaxRetryError):
                cause = cause.reason
            elif isinstance(cause, urllib3.exceptions.ProxyError):
                cause = cause.original_error
            else:
                break
        nothing_sent = True
        # NameResolutionError < NewConnectionError < ConnectTimeoutError in urllib3.
        if isinstance(cause, urllib3.exceptions.NameResolutionError):
            reason = "host name not found"
        elif isinstance(cause, urllib3.exceptions.NewConnectionError):
            refused = isinstance(cause.__cause__, ConnectionRefusedError)
            reason = "connection refused" if refused else "could not connect"
        elif isinstance(exc, requests.ConnectTimeout) or isinstance(
            cause, urllib3.exceptions.ConnectTimeoutError
        ):
            reason = f"no connection within {self.connect_timeout:g} s"
        elif isinstance(cause, urllib3.exceptions.SSLError) and any(
            # Certificates are checked in the TLS handshake, before the request.
            isinstance(inner, ssl.SSLCertVerificationError)
            for inner in (*cause.args, cause.__cause__, cause.__context__)
        ):
            reason = "its TLS certificate was not accepted"
        else:
            nothing_sent = False
            if isinstance(exc, requests.ReadTimeout):
                reason = f"no answer within {self.read_timeout:g} s"
            elif isinstance(cause, urllib3.exceptions.ProtocolError):
                reason = "the connection dropped"
            else:
                reason = type(exc).__name__
        return _Answer(None, error=exc, reason=reason, nothing_sent=nothing_sent)


def client_from_settings() -> AchieveItClient:
    """Return an AchieveItClient for the tenant in Django settings; it opens nothing.

    portal/settings.py guarantees the timeouts; the URL and key are plain strings
    there. Raises ConfigurationError when ``ACHIEVEIT_BASE_URL``,
    ``ACHIEVEIT_API_KEY`` or ``ACHIEVEIT_METRIC_STATUS_PATH`` is unusable.
    """
    return AchieveItClient(
        base_url=settings.ACHIEVEIT_BASE_URL,
        api_key=settings.ACHIEVEIT_API_KEY,
        connect_timeout=settings.ACHIEVEIT_CONNECT_TIMEOUT,
        read_timeout=settings.ACHIEVEIT_READ_TIMEOUT,
        metric_status_path=settings.ACHIEVEIT_METRIC_STATUS_PATH,
    )


def _submit_result(answer: _Answer, url_path: str, read_timeout: float) -> SubmitResult:
    code = answer.status_code
    job_id = parse_job_id(answer.text) if answer.complete else None
    outcome = SubmitOutcome.UNKNOWN
    if code is None and answer.nothing_sent:
        outcome = SubmitOutcome.NOT_QUEUED
        message = (
            f"Could not connect to AchieveIt ({answer.reason}); nothing was sent, so "
            "it is safe to send again."
        )
    elif code is None and isinstance(answer.error, requests.ReadTimeout):
        message = (
            f"No answer from AchieveIt within {read_timeout:g} s after the file was "
            "sent: it may have been queued."
        )
    elif code is None:
        message = (
            "Sending the file to AchieveIt failed after the request started "
            f"({answer.reason}): it may have been queued."
        )
    elif 200 <= code < 300 and job_id is not None:
        outcome = SubmitOutcome.QUEUED
        message = f"AchieveIt queued the file as job {job_id}."
    elif 200 <= code < 300 and answer.cut_off:
        message = (
            f"AchieveIt answered HTTP {code} but the connection dropped before the "
            "job ID arrived: the file may have been queued."
        )
    elif 200 <= code < 300:
        message = (
            f"AchieveIt answered HTTP {code} without a readable job ID: the file may "
            "have been queued."
        )
    elif code in {401, 403}:
        outcome = SubmitOutcome.AUTH_FAILED
        message = (
            f"AchieveIt refused the API key (HTTP {code}). Check ACHIEVEIT_API_KEY; "
            "the file was not queued."
        )
    elif 400 <= code < 500:
        outcome = SubmitOutcome.REJECTED
        message = (
            f"AchieveIt rejected the request (HTTP {code}); the file was not queued "
            "and sending it again unchanged will not help."
        )
    elif code in {502, 504}:
        # A gateway's error says nothing about whether AchieveIt behind it queued
        # the file: 504 is a read timeout one hop further away.
        message = (
            f"A gateway in front of AchieveIt answered HTTP {code}: the file may "
            "have been queued."
        )
    elif 500 <= code < 600:
        outcome = SubmitOutcome.NOT_QUEUED
        message = (
            f"AchieveIt could not queue the file (HTTP {code}); nothing was queued, "
            "so it is safe to send again."
        )
    else:
        message = (
            f"AchieveIt answered with an unexpected HTTP {code}: the file may have "
            "been queued."
        )
    if outcome is SubmitOutcome.UNKNOWN:
        message = f"{message} {_CHECK_BEFORE_RESENDING}"
    if outcome is not SubmitOutcome.QUEUED:
        job_id = None
    return SubmitResult(outcome, code, job_id, answer.for_record(), message, url_path)


_STATUS_OUTCOMES = {
    202: StatusOutcome.PROCESSING,
    200: StatusOutcome.SUCCEEDED,
    400: StatusOutcome.FAILED,
    500: StatusOutcome.FAILED,
    401: StatusOutcome.AUTH_FAILED,
    403: StatusOutcome.AUTH_FAILED,
    404: StatusOutcome.UNKNOWN_JOB,
}
_STATUS_MESSAGES = {
    StatusOutcome.PROCESSING: "AchieveIt is still processing job {job_id}.",
    StatusOutcome.SUCCEEDED: "AchieveIt processed job {job_id} successfully.",
    StatusOutcome.FAILED: (
        "AchieveIt failed to process job {job_id} (HTTP {code}); the response body "
        "says why, if anything does."
    ),
    StatusOutcome.AUTH_FAILED: (
        "AchieveIt refused the API key (HTTP {code}). Check ACHIEVEIT_API_KEY."
    ),
    StatusOutcome.UNKNOWN_JOB: "AchieveIt does not know job {job_id} (HTTP 404).",
    StatusOutcome.TRANSPORT_ERROR: (
        "AchieveIt answered HTTP {code} about job {job_id}, which is not a "
        "documented answer; asking again later is safe."
    ),
}


def _status_result(answer: _Answer, job_id: str) -> StatusResult:
    code = answer.status_code
    if code is None:
        message = (
            f"Could not get the status of job {job_id} from AchieveIt "
            f"({answer.reason}); asking again later is safe."
        )
        return StatusResult(StatusOutcome.TRANSPORT_ERROR, None, "", message)
    outcome = _STATUS_OUTCOMES.get(code, StatusOutcome.TRANSPORT_ERROR)
    message = _STATUS_MESSAGES[outcome].format(job_id=job_id, code=code)
    return StatusResult(outcome, code, answer.for_record(), message)
