"""The portal's own AchieveIt-shaped API, for scripts: the same two calls as
AchieveIt (ACHIEVEIT_API.md), authorized by a team's API token.

- `POST /api/progressupdates/<name>.csv`: the file is checked at once against the
  token's team; 400 with the findings (nothing queued), or 200 with the portal's job
  ID. `?dry_run=true` checks and stores nothing. `Idempotency-Key` replays the first
  answer to the same key for 24 hours.
- `GET /api/progressupdates/status/<job id>`: 202 on its way or under review, 200
  applied, 400 finally not applied.

Every answer is JSON with `Cache-Control: no-store`, never an HTML page.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from uploads.models import ApiIdempotencyKey, ApiToken, Attempt, Upload
from uploads.services.api import (
    KeyInFlight,
    api_check,
    api_submit,
    api_submit_once,
    finding_json,
    portal_url,
)
from uploads.services.tokens import token_authenticate

logger = logging.getLogger(__name__)
State = Upload.State
# The file name is only a label: kept to this many safe characters.
NAME_LENGTH = 100
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
READ_CHUNK = 64 * 1024
ANSWER_BODY_CHARS = 2000

ON_ITS_WAY = frozenset(
    {
        State.DRAFT,
        State.QUEUED,
        State.SUBMITTING,
        State.PROCESSING,
        State.NEEDS_REVIEW,
    }
)
STATE_WORDS = {
    State.DRAFT: "Checked; not yet queued.",
    State.QUEUED: "Queued: the portal sends it to AchieveIt shortly.",
    State.SUBMITTING: "Being sent to AchieveIt.",
    State.PROCESSING: "AchieveIt accepted the file and is processing it.",
    State.NEEDS_REVIEW: (
        "Held for a person's review: AchieveIt may or may not have the file. "
        "Ask again later; do not send it again."
    ),
    State.SUCCEEDED: "AchieveIt processed the updates.",
    State.FAILED: "AchieveIt did not apply the updates.",
    State.REJECTED: "Not sent: the file had errors.",
    State.CANCELED: "Canceled by an operator: not sent.",
}


class ApiError(Exception):
    """An answer other than success: its status, words and extra JSON fields."""

    def __init__(
        self, status: int, error: str, headers: dict[str, str] | None = None, **extra
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers or {}
        self.extra = extra


def _json(status: int, body: dict[str, Any], **headers: str) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name] = value
    return response


def api_view(*methods: str) -> Callable:
    """An API view: no CSRF or session needed, only `methods` allowed, a token
    required (passed as `token`), the rate limit applied, and every answer JSON,
    even an unexpected error's."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            try:
                if request.method not in methods:
                    raise ApiError(
                        405,
                        f"Use {' or '.join(methods)} here.",
                        headers={"Allow": ", ".join(methods)},
                    )
                token = token_authenticate(request.headers.get("Authorization"))
                if token is None:
                    raise ApiError(
                        401,
                        "Send a valid API token: Authorization: API-KEY <token>. "
                        "A team's uploaders create one on the team's API tokens page.",
                        headers={"WWW-Authenticate": "API-KEY"},
                    )
                _check_rate(token)
                return view(request, *args, token=token, **kwargs)
            except ApiError as error:
                body = {"error": error.error, **error.extra}
                return _json(error.status, body, **error.headers)
            except Exception:
                # No traceback leaves the portal; the log keeps it (without the
                # request's headers, so never the token).
                logger.exception("API call %s %s failed", request.method, request.path)
                return _json(
                    500,
                    {"error": "The portal could not answer this call. Try again."},
                )

        return wrapped

    return decorate


def _check_rate(token: ApiToken) -> None:
    """Count the call against the token's minute; a 429 past the limit."""
    now = time.time()
    minute = int(now // 60)
    key = f"api-rate:{token.pk}:{minute}"
    cache.add(key, 0, timeout=70)
    try:
        calls = cache.incr(key)
    except ValueError:
        # The key expired between add and incr, or the cache keeps nothing.
        calls = 1
    if calls > settings.API_RATE_LIMIT_PER_MINUTE:
        retry_after = max(1, 60 - int(now % 60))
        raise ApiError(
            429,
            f"Too many calls: this token may make "
            f"{settings.API_RATE_LIMIT_PER_MINUTE} a minute. "
            f"Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def _read_body(request: HttpRequest) -> bytes:
    """The request's body, refused with a 413 before it is read when too big."""
    limit = settings.UPLOAD_MAX_BYTES
    too_big = ApiError(
        413,
        f"The file is larger than {limit / 1_000_000:g} MB, the most one upload may "
        "be. Split it into smaller files.",
    )
    length = request.META.get("CONTENT_LENGTH")
    if length:
        try:
            size = int(length)
        except ValueError:
            raise ApiError(400, "The Content-Length header is not a number.") from None
        if size > limit:
            raise too_big
        return request.body
    # No length: a chunked body, readable only when the server ends the stream.
    stream = request.META.get("wsgi.input")
    if stream is None or not request.META.get("wsgi.input_terminated"):
        return b""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _original_name(name: str) -> str:
    """The file name of the URL as a label: safe characters, bounded, `.csv`."""
    stem = name.removesuffix(".csv")
    stem = UNSAFE_NAME.sub("_", stem).strip(" ._-")[: NAME_LENGTH - 4]
    return f"{stem or 'api-upload'}.csv"


def _idempotency_key(request: HttpRequest) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > ApiIdempotencyKey._meta.get_field("key").max_length or (
        key and not key.isprintable()
    ):
        raise ApiError(
            400, "The Idempotency-Key must be at most 255 printable characters."
        )
    return key


@api_view("POST")
def submit(request: HttpRequest, name: str, *, token: ApiToken) -> JsonResponse:
    if not name.lower().endswith(".csv") or "/" in name:
        raise ApiError(
            404, "Send the file to /api/progressupdates/<file name>.csv (one name)."
        )
    original_name = _original_name(name[: -len(".csv")])
    dry_run = request.GET.get("dry_run", "").lower() in {"1", "true", "yes"}
    key = _idempotency_key(request)
    data = _read_body(request)
    if dry_run:
        status, body = api_check(token, data)
        return _json(status, body)
    if not key:
        status, body, _ = api_submit(token, data, original_name)
        return _json(status, body)
    try:
        status, body, replayed = api_submit_once(token, key, data, original_name)
    except KeyInFlight as error:
        raise ApiError(409, str(error), headers={"Retry-After": "1"}) from None
    return _json(status, body, **({"Idempotent-Replayed": "true"} if replayed else {}))


@api_view("GET", "HEAD")
def status(request: HttpRequest, job_id: str, *, token: ApiToken) -> JsonResponse:
    not_found = ApiError(
        404, "No job with this ID for this token's team: use the jobId a POST gave."
    )
    try:
        public_id = uuid.UUID(job_id)
    except ValueError:
        raise not_found from None
    upload = Upload.objects.filter(team=token.team, public_id=public_id).first()
    if upload is None:
        raise not_found
    status_code, words = _verdict(upload)
    answer = (
        upload.attempts.exclude(status_code=None).order_by("-started_at", "-pk").first()
    )
    body = {
        "jobId": str(upload.public_id),
        "state": upload.state,
        "stateLabel": upload.get_state_display(),
        "message": words,
        "rows": upload.row_count,
        "achieveitJobId": upload.job_id or None,
        "achieveitAnswer": _answer(answer),
        "findings": [finding_json(finding) for finding in upload.findings],
        "portalUrl": portal_url(upload),
    }
    if upload.error_text:
        body["errorText"] = upload.error_text[:ANSWER_BODY_CHARS]
    return _json(status_code, body)


def _verdict(upload: Upload) -> tuple[int, str]:
    """202 on its way (or with a person), 200 only when applied in AchieveIt, 400
    when finally not applied. A resolution without an outcome says nothing about
    AchieveIt, so it is not a 200: it is a 400 (final, not known to be applied)."""
    if upload.state in ON_ITS_WAY:
        return 202, STATE_WORDS[upload.state]
    if upload.state == State.SUCCEEDED:
        return 200, STATE_WORDS[upload.state]
    if upload.state == State.RESOLVED:
        if upload.resolution_outcome == Upload.ResolutionOutcome.APPLIED:
            return 200, "Resolved by an operator: applied in AchieveIt."
        if upload.resolution_outcome == Upload.ResolutionOutcome.NOT_APPLIED:
            return 400, "Resolved by an operator: not applied in AchieveIt."
        return 400, "Resolved by an operator without saying it was applied."
    return 400, STATE_WORDS.get(upload.state, upload.get_state_display())


def _answer(attempt: Attempt | None) -> dict[str, Any] | None:
    if attempt is None:
        return None
    return {
        "call": attempt.kind,
        "statusCode": attempt.status_code,
        "at": attempt.finished_at.isoformat() if attempt.finished_at else None,
        "body": attempt.response_body[:ANSWER_BODY_CHARS],
    }


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/progressupdates/: a JSON 404, not the HTML page."""
    return _json(
        404,
        {
            "error": "No such call. POST /api/progressupdates/<file name>.csv or "
            "GET /api/progressupdates/status/<job id>."
        },
    )
