"""HTTP client for the AchieveIt progress-update API: two calls, typed results, no ORM.

``AchieveItClient.submit`` POSTs one CSV file and ``AchieveItClient.status`` asks how
its job went. Neither raises for anything AchieveIt or the network does: every answer,
including a timeout or a dropped connection, comes back as a frozen result object
carrying the status code, the (truncated) body and one operator-readable sentence, so
the caller can record an audit Attempt whatever happened.

The one rule that shapes this module: AchieveIt has no idempotency key, so a POST is
sent at most once per call and is only reported as safe to send again
(``SubmitOutcome.NOT_QUEUED``) when AchieveIt said it queued nothing or when the
connection failed before a byte of the request left this machine. Anything in
between is ``SubmitOutcome.UNKNOWN`` and needs a person.

The API key never appears in a URL, a log line, an exception message, a ``repr()`` or
a result object (a body that echoes it back is redacted).
"""

from __future__ import annotations

import codecs
import enum
import json
import logging
import math
import re
import ssl
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.util.ssl_match_hostname import CertificateError

__all__ = [
    "BODY_CUT_OFF_MARKER",
    "BODY_TRUNCATED_MARKER",
    "MAX_BODY_CHARS",
    "AchieveItClient",
    "AchieveItError",
    "ConfigurationError",
    "StatusOutcome",
    "StatusResult",
    "SubmitOutcome",
    "SubmitResult",
    "client_from_settings",
    "parse_job_id",
    "remote_filename",
]

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0

MAX_BODY_CHARS = 4000
BODY_TRUNCATED_MARKER = "\n[... truncated by the portal]"
BODY_CUT_OFF_MARKER = "\n[... the connection dropped before the whole answer arrived]"
# Never hold more than this much of an answer in memory, whatever the server sends.
MAX_BODY_BYTES = 64 * 1024

MAX_JOB_ID_CHARS = 200
MAX_SLUG_CHARS = 40
MAX_FILENAME_CHARS = 200

_SAFE_FILENAME = re.compile(r"[A-Za-z0-9._-]+\.csv")
# A job ID is an identifier: no whitespace, quotes or markup (that would be prose or
# an HTML error page that happened to come with a 2xx).
_JOB_ID_TOKEN = re.compile(rf"[^\s\"'<>`\\]{{1,{MAX_JOB_ID_CHARS}}}")
_JOB_ID_KEYS = ("jobid",)
_GENERIC_ID_KEYS = ("id",)

_CHECK_BEFORE_RESENDING = "A person must check before sending again."


class AchieveItError(Exception):
    """Base class of the errors this module raises."""


class ConfigurationError(AchieveItError):
    """The base URL, API key or a timeout is missing or unusable.

    Raised by ``AchieveItClient()`` and ``client_from_settings()``. The message names
    the setting but never repeats its value, so it is safe to log or show.
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


@dataclass(frozen=True)
class _Body:
    text: str
    # False when the connection broke or MAX_BODY_BYTES was reached before the end:
    # a partial body must never be read as a job ID.
    complete: bool
    cut_off: bool


@dataclass(frozen=True)
class _TransportFailure:
    nothing_sent: bool
    reason: str
    read_timeout: bool = False


class _ApiKeyAuth(AuthBase):
    """Adds ``Authorization: API-KEY ...`` to each request.

    Set as ``session.auth`` rather than a default header so that a ~/.netrc entry
    cannot replace it, and so that requests drops it on a redirect to another host.
    """

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"API-KEY {self._api_key}"
        return request

    def __repr__(self) -> str:
        return "_ApiKeyAuth(api_key='***')"


def remote_filename(
    *, team_slug: str, upload_id: int, when: date, attempt: int = 1
) -> str:
    """Return the filename to POST an upload under, e.g.
    ``portal-finance-u42-a1-20240305.csv``.

    Only ``[A-Za-z0-9._-]`` is used, so it is safe in a URL path. It is unique per
    submission as long as ``attempt`` grows with every POST of the same upload, and
    it leads back to the upload through ``upload_id``. ``when`` may be a date or a
    datetime (only its date is used).

    Raises ValueError for a non-positive ``upload_id`` or ``attempt``, TypeError when
    ``when`` is not a date.
    """
    for name, number in (("upload_id", upload_id), ("attempt", attempt)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"{name} must be a positive integer, got {number!r}")
    if not isinstance(when, date):
        raise TypeError(f"when must be a date or datetime, got {type(when).__name__}")
    ascii_slug = (
        unicodedata.normalize("NFKD", team_slug).encode("ascii", "ignore").decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_slug.lower()).strip("-")
    slug = slug[:MAX_SLUG_CHARS].strip("-") or "team"
    return f"portal-{slug}-u{upload_id}-a{attempt}-{when:%Y%m%d}.csv"


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
    if not text:
        return None
    try:
        # Numbers are kept as written so "1e5" stays "1e5" and a long ID stays exact.
        value = json.loads(
            text, parse_int=str, parse_float=str, parse_constant=lambda _: None
        )
    except ValueError:
        return _unlabelled_job_id(text)
    if isinstance(value, dict):
        return _job_id_from_object(value)
    return _unlabelled_job_id(value)


def _unlabelled_job_id(value: object) -> str | None:
    # Without a key saying "this is the job ID", a body like "OK" or "queued" must
    # not pass for one: IDs (numbers, GUIDs) carry at least one digit.
    job_id = _clean_job_id(value)
    if job_id is None or not any(char.isdigit() for char in job_id):
        return None
    return job_id


def _job_id_from_object(document: dict[str, Any]) -> str | None:
    nested = [value for value in document.values() if isinstance(value, dict)]
    # A key that says "job" wins anywhere over a generic "id", which might be the ID
    # of the request or of some other record.
    for wanted_keys in (_JOB_ID_KEYS, _GENERIC_ID_KEYS):
        for candidate in (document, *nested):
            for key, value in candidate.items():
                if _normalized_key(key) in wanted_keys:
                    job_id = _clean_job_id(value)
                    if job_id is not None:
                        return job_id
    return None


def _normalized_key(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _clean_job_id(value: object) -> str | None:
    # json.loads was told to turn numbers into str, so only str can be an ID here.
    if not isinstance(value, str):
        return None
    job_id = value.strip()
    if not _JOB_ID_TOKEN.fullmatch(job_id) or not any(c.isalnum() for c in job_id):
        return None
    return job_id


class AchieveItClient:
    """A client for one AchieveIt tenant, holding one ``requests.Session``.

    Not safe to share between threads; make one per worker process or per task and
    ``close()`` it (or use it as a context manager).
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ) -> None:
        """Raises ConfigurationError when the base URL, key or a timeout is unusable."""
        self.base_url = _checked_base_url(base_url)
        self._api_key = _checked_api_key(api_key)
        self.connect_timeout = _checked_timeout("connect timeout", connect_timeout)
        self.read_timeout = _checked_timeout("read timeout", read_timeout)
        self._session = requests.Session()
        self._session.auth = _ApiKeyAuth(self._api_key)
        self._session.headers["User-Agent"] = "achieveit-portal/1 (python-requests)"
        # max_retries=0 makes urllib3 re-raise read errors instead of retrying: a POST
        # that reached AchieveIt must never be sent a second time behind our back.
        for scheme in ("https://", "http://"):
            self._session.mount(scheme, HTTPAdapter(max_retries=0))

    def __repr__(self) -> str:
        return f"AchieveItClient(base_url={self.base_url!r})"

    def __enter__(self) -> AchieveItClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections. Returns None, never raises."""
        self._session.close()

    def submit(self, *, filename: str, csv_bytes: bytes) -> SubmitResult:
        """POST ``csv_bytes`` as-is to ``/api/progressupdates/{filename}``, once.

        Returns a SubmitResult whatever AchieveIt or the network did; see
        SubmitOutcome for what each outcome allows next. Raises ValueError for an
        unsafe or non-``.csv`` filename or empty content and TypeError when
        ``csv_bytes`` is not bytes, before anything is sent.
        """
        if len(filename) > MAX_FILENAME_CHARS or not _SAFE_FILENAME.fullmatch(filename):
            raise ValueError(
                "filename must be made of [A-Za-z0-9._-] and end in .csv "
                "(use remote_filename())"
            )
        if not isinstance(csv_bytes, bytes):
            raise TypeError(f"csv_bytes must be bytes, got {type(csv_bytes).__name__}")
        if not csv_bytes:
            raise ValueError("refusing to send an empty file")
        url = f"{self.base_url}/api/progressupdates/{filename}"
        url_path = urlsplit(url).path
        # A POST never rides on a pooled keep-alive connection: if the server had
        # quietly dropped it, the failure would look like a cut-off after sending
        # and the upload would go to review for nothing. A fresh connection makes
        # "could not connect" (safe to retry) tell itself apart.
        for adapter in self._session.adapters.values():
            adapter.close()
        started = time.monotonic()
        try:
            response = self._session.post(
                url,
                data=csv_bytes,
                headers={"Content-Type": "text/csv", "Connection": "close"},
                timeout=(self.connect_timeout, self.read_timeout),
                stream=True,
            )
        except requests.RequestException as exc:
            failure = self._classify_failure(exc)
            result = _submit_result_after_failure(failure, url_path, self.read_timeout)
            detail = type(exc).__name__
        else:
            body = _read_body(response, self._api_key)
            result = _submit_result_from_answer(response.status_code, body, url_path)
            detail = ""
        _log_call("POST", url_path, result.status_code, result.outcome, started, detail)
        return result

    def status(self, *, job_id: str) -> StatusResult:
        """GET ``/api/progressupdates/status/{job_id}`` (the ID is URL-quoted).

        Returns a StatusResult whatever AchieveIt or the network did. Raises
        ValueError for an empty job ID or one that is a dot path segment.
        """
        if not job_id or job_id.strip() in {"", ".", ".."}:
            raise ValueError("job_id must be a non-empty identifier")
        url = f"{self.base_url}/api/progressupdates/status/{quote(job_id, safe='')}"
        url_path = urlsplit(url).path
        started = time.monotonic()
        try:
            response = self._session.get(
                url, timeout=(self.connect_timeout, self.read_timeout), stream=True
            )
        except requests.RequestException as exc:
            failure = self._classify_failure(exc)
            result = StatusResult(
                outcome=StatusOutcome.TRANSPORT_ERROR,
                status_code=None,
                body="",
                message=(
                    f"Could not get the status of job {job_id} from AchieveIt "
                    f"({failure.reason}); asking again later is safe."
                ),
            )
            detail = type(exc).__name__
        else:
            body = _read_body(response, self._api_key)
            result = _status_result_from_answer(response.status_code, body, job_id)
            detail = ""
        _log_call("GET", url_path, result.status_code, result.outcome, started, detail)
        return result

    def _classify_failure(self, exc: requests.RequestException) -> _TransportFailure:
        """Tell a failure before anything was sent from one after the request left.

        requests wraps urllib3's errors: a connect failure arrives as
        ``ConnectionError(MaxRetryError(reason=NewConnectionError))`` (or
        ``NameResolutionError``, or via a ``ProxyError``), a drop after sending as
        ``ConnectionError(ProtocolError)`` or ``ChunkedEncodingError``. Anything not
        recognised as "before sending" is treated as "maybe sent".
        """
        no_answer = f"no answer within {self.read_timeout:g} s"
        if isinstance(exc, requests.ReadTimeout):
            return _TransportFailure(False, no_answer, read_timeout=True)
        if isinstance(exc, requests.ConnectTimeout):
            no_connection = f"no connection within {self.connect_timeout:g} s"
            return _TransportFailure(True, no_connection)
        cause = _underlying_urllib3_error(exc)
        if isinstance(cause, urllib3.exceptions.NameResolutionError):
            return _TransportFailure(True, "host name not found")
        if isinstance(cause, urllib3.exceptions.NewConnectionError):
            refused = isinstance(cause.__cause__, ConnectionRefusedError)
            reason = "connection refused" if refused else "could not connect"
            return _TransportFailure(True, reason)
        if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
            no_connection = f"no connection within {self.connect_timeout:g} s"
            return _TransportFailure(True, no_connection)
        if isinstance(cause, urllib3.exceptions.SSLError) and _is_certificate_failure(
            cause
        ):
            # Certificates are checked in the TLS handshake, before the request.
            return _TransportFailure(True, "its TLS certificate was not accepted")
        if isinstance(cause, urllib3.exceptions.ReadTimeoutError):
            return _TransportFailure(False, no_answer, read_timeout=True)
        if isinstance(exc, requests.exceptions.ChunkedEncodingError) or isinstance(
            cause, urllib3.exceptions.ProtocolError
        ):
            return _TransportFailure(False, "the connection dropped")
        return _TransportFailure(False, type(exc).__name__)


def client_from_settings() -> AchieveItClient:
    """Return a new AchieveItClient built from Django settings at call time.

    Reads ``ACHIEVEIT_BASE_URL``, ``ACHIEVEIT_API_KEY``, ``ACHIEVEIT_CONNECT_TIMEOUT``
    (default 5 s) and ``ACHIEVEIT_READ_TIMEOUT`` (default 30 s). Raises
    ConfigurationError when the URL or key is missing or a value is unusable.
    """
    # Imported here so the client stays usable without Django (scripts, benchmarks).
    from django.conf import settings

    base_url = getattr(settings, "ACHIEVEIT_BASE_URL", "") or ""
    api_key = getattr(settings, "ACHIEVEIT_API_KEY", "") or ""
    if not str(base_url).strip():
        raise ConfigurationError("ACHIEVEIT_BASE_URL is not set.")
    if not str(api_key).strip():
        raise ConfigurationError("ACHIEVEIT_API_KEY is not set.")
    return AchieveItClient(
        base_url=base_url,
        api_key=api_key,
        connect_timeout=getattr(
            settings, "ACHIEVEIT_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT
        ),
        read_timeout=getattr(settings, "ACHIEVEIT_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
    )


def _checked_base_url(base_url: str) -> str:
    if not isinstance(base_url, str) or not base_url.strip():
        raise ConfigurationError(
            "The AchieveIt base URL (ACHIEVEIT_BASE_URL) is empty."
        )
    parts = urlsplit(base_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            "The AchieveIt base URL (ACHIEVEIT_BASE_URL) must look like "
            "https://api.achieveit.com."
        )
    # Credentials or a query in the URL would end up in logs and audit records.
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(
            "The AchieveIt base URL (ACHIEVEIT_BASE_URL) must not carry credentials, "
            "a query or a fragment; the key goes in ACHIEVEIT_API_KEY."
        )
    return base_url.strip().rstrip("/")


def _checked_api_key(api_key: str) -> str:
    if not isinstance(api_key, str) or not api_key.strip():
        raise ConfigurationError("The AchieveIt API key (ACHIEVEIT_API_KEY) is empty.")
    api_key = api_key.strip()
    # requests would reject such a header with an error message quoting the key.
    if any(not char.isprintable() for char in api_key):
        raise ConfigurationError(
            "The AchieveIt API key (ACHIEVEIT_API_KEY) contains control characters."
        )
    return api_key


def _checked_timeout(name: str, seconds: float) -> float:
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise ConfigurationError(f"The AchieveIt {name} must be a number.") from None
    if isinstance(seconds, bool) or not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"The AchieveIt {name} must be a positive number.")
    return value


def _underlying_urllib3_error(exc: requests.RequestException) -> object:
    cause: object = exc.args[0] if exc.args else None
    for _ in range(4):
        if isinstance(cause, urllib3.exceptions.MaxRetryError):
            cause = cause.reason
        elif isinstance(cause, urllib3.exceptions.ProxyError):
            cause = cause.original_error
        else:
            break
    return cause


def _is_certificate_failure(error: urllib3.exceptions.SSLError) -> bool:
    certificate_errors = (
        ssl.SSLCertVerificationError,
        CertificateError,
    )
    candidates = (*error.args, error.__cause__, error.__context__)
    return any(isinstance(candidate, certificate_errors) for candidate in candidates)


def _read_body(response: requests.Response, api_key: str) -> _Body:
    chunks: list[bytes] = []
    received = 0
    too_long = cut_off = False
    try:
        for chunk in response.iter_content(chunk_size=8192):
            chunks.append(chunk)
            received += len(chunk)
            if received > MAX_BODY_BYTES:
                too_long = True
                break
    except requests.RequestException:
        cut_off = True
    finally:
        response.close()
    text = b"".join(chunks).decode(_charset(response), errors="replace")
    if too_long:
        text += BODY_TRUNCATED_MARKER
    elif cut_off:
        text += BODY_CUT_OFF_MARKER
    # Some servers echo the request headers in error pages.
    text = text.replace(api_key, "[redacted]")
    return _Body(text=text, complete=not (too_long or cut_off), cut_off=cut_off)


def _charset(response: requests.Response) -> str:
    # requests assumes ISO-8859-1 for text/* without a charset; AchieveIt speaks UTF-8.
    content_type = response.headers.get("Content-Type", "")
    if "charset" in content_type.lower():
        declared = requests.utils.get_encoding_from_headers(response.headers)
        if declared:
            try:
                return codecs.lookup(declared).name
            except LookupError:
                pass
    return "utf-8"


def _for_record(text: str) -> str:
    """Cut a body to at most MAX_BODY_CHARS, marker included."""
    if len(text) <= MAX_BODY_CHARS:
        return text
    marker = BODY_TRUNCATED_MARKER
    if text.endswith(BODY_CUT_OFF_MARKER):
        marker = BODY_CUT_OFF_MARKER
    text = text.removesuffix(marker)
    return text[: MAX_BODY_CHARS - len(marker)] + marker


def _submit_result_from_answer(
    status_code: int, body: _Body, url_path: str
) -> SubmitResult:
    job_id = parse_job_id(body.text) if body.complete else None
    if 200 <= status_code < 300 and job_id is not None:
        outcome = SubmitOutcome.QUEUED
        message = f"AchieveIt queued the file as job {job_id}."
    elif 200 <= status_code < 300 and body.cut_off:
        outcome = SubmitOutcome.UNKNOWN
        message = (
            f"AchieveIt answered HTTP {status_code} but the connection dropped before "
            f"the job ID arrived: the file may have been queued. "
            f"{_CHECK_BEFORE_RESENDING}"
        )
    elif 200 <= status_code < 300:
        outcome = SubmitOutcome.UNKNOWN
        message = (
            f"AchieveIt answered HTTP {status_code} without a readable job ID: the "
            f"file may have been queued. {_CHECK_BEFORE_RESENDING}"
        )
    elif status_code in {401, 403}:
        outcome = SubmitOutcome.AUTH_FAILED
        message = (
            f"AchieveIt refused the API key (HTTP {status_code}). Check "
            "ACHIEVEIT_API_KEY; the file was not queued."
        )
    elif 400 <= status_code < 500:
        outcome = SubmitOutcome.REJECTED
        message = (
            f"AchieveIt rejected the request (HTTP {status_code}); the file was not "
            "queued and sending it again unchanged will not help."
        )
    elif status_code in {502, 504}:
        # A gateway's error says nothing about whether AchieveIt behind it queued
        # the file: 504 is a read timeout one hop further away.
        outcome = SubmitOutcome.UNKNOWN
        message = (
            f"A gateway in front of AchieveIt answered HTTP {status_code}: the file "
            f"may have been queued. {_CHECK_BEFORE_RESENDING}"
        )
    elif 500 <= status_code < 600:
        outcome = SubmitOutcome.NOT_QUEUED
        message = (
            f"AchieveIt could not queue the file (HTTP {status_code}); nothing was "
            "queued, so it is safe to send again."
        )
    else:
        outcome = SubmitOutcome.UNKNOWN
        message = (
            f"AchieveIt answered with an unexpected HTTP {status_code}: the file may "
            f"have been queued. {_CHECK_BEFORE_RESENDING}"
        )
    if outcome is not SubmitOutcome.QUEUED:
        job_id = None
    return SubmitResult(
        outcome=outcome,
        status_code=status_code,
        job_id=job_id,
        body=_for_record(body.text),
        message=message,
        url_path=url_path,
    )


def _submit_result_after_failure(
    failure: _TransportFailure, url_path: str, read_timeout: float
) -> SubmitResult:
    if failure.nothing_sent:
        outcome = SubmitOutcome.NOT_QUEUED
        message = (
            f"Could not connect to AchieveIt ({failure.reason}); nothing was sent, "
            "so it is safe to send again."
        )
    elif failure.read_timeout:
        outcome = SubmitOutcome.UNKNOWN
        message = (
            f"No answer from AchieveIt within {read_timeout:g} s after the file was "
            f"sent: it may have been queued. {_CHECK_BEFORE_RESENDING}"
        )
    else:
        outcome = SubmitOutcome.UNKNOWN
        message = (
            f"Sending the file to AchieveIt failed after the request started "
            f"({failure.reason}): it may have been queued. {_CHECK_BEFORE_RESENDING}"
        )
    return SubmitResult(
        outcome=outcome,
        status_code=None,
        job_id=None,
        body="",
        message=message,
        url_path=url_path,
    )


def _status_result_from_answer(
    status_code: int, body: _Body, job_id: str
) -> StatusResult:
    if status_code == 202:
        outcome = StatusOutcome.PROCESSING
        message = f"AchieveIt is still processing job {job_id}."
    elif status_code == 200:
        outcome = StatusOutcome.SUCCEEDED
        message = f"AchieveIt processed job {job_id} successfully."
    elif status_code in {400, 500}:
        outcome = StatusOutcome.FAILED
        message = (
            f"AchieveIt failed to process job {job_id} (HTTP {status_code}); the "
            "response body says why, if anything does."
        )
    elif status_code in {401, 403}:
        outcome = StatusOutcome.AUTH_FAILED
        message = (
            f"AchieveIt refused the API key (HTTP {status_code}). Check "
            "ACHIEVEIT_API_KEY."
        )
    elif status_code == 404:
        outcome = StatusOutcome.UNKNOWN_JOB
        message = f"AchieveIt does not know job {job_id} (HTTP 404)."
    else:
        outcome = StatusOutcome.TRANSPORT_ERROR
        message = (
            f"AchieveIt answered HTTP {status_code} about job {job_id}, which is not "
            "a documented answer; asking again later is safe."
        )
    return StatusResult(
        outcome=outcome,
        status_code=status_code,
        body=_for_record(body.text),
        message=message,
    )


def _log_call(
    method: str,
    url_path: str,
    status_code: int | None,
    outcome: enum.Enum,
    started: float,
    detail: str,
) -> None:
    elapsed_ms = round((time.monotonic() - started) * 1000)
    logger.info(
        "AchieveIt %s %s -> %s %s%s in %d ms",
        method,
        url_path,
        status_code if status_code is not None else "no answer",
        outcome.value,
        f" ({detail})" if detail else "",
        elapsed_ms,
    )
