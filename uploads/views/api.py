"""The portal's own AchieveIt-shaped API, for scripts: the same two calls as
AchieveIt (ACHIEVEIT_API.md), authorized by a team's API token.

- `POST /api/progressupdates/<name>.csv`: the file is checked at once against the
  token's team; 400 with the findings (nothing queued), or 200 with the portal's job
  ID. `?dry_run=true` checks and stores nothing. `?sheet=NAME` names a workbook's
  sheet to read (else it is picked, or the 400 lists the sheets to name).
  `Idempotency-Key` replays the first answer to the same request (method, path,
  body and sheet) for 24 hours.
- `GET /api/progressupdates/status/<job id>`: 202 on its way or under review, 200
  applied, 400 finally not applied.
- The same two calls under `/api/metricupdates/` for metric updates (a file whose
  header has no Status column); a file of the other kind is a 400 naming the call
  to use. A body sent as `Content-Type: application/json` (or named `.json`) is
  read as AchieveIt's JSON array; a workbook (named `.xlsx`, `.xlsm`, `.xls` or
  `.ods`, or sent with its Content-Type) is read as on the upload page.

Every answer is JSON with `Cache-Control: no-store`, never an HTML page; its words
and status codes are uploads/wording/api.py's.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from portal.logins import client_ip
from uploads import csvformat
from uploads.models import ApiIdempotencyKey, ApiToken, Upload
from uploads.services.api import (
    KeyInFlight,
    KeyReused,
    api_check,
    api_check_later,
    api_submit,
    api_submit_once,
    request_hash,
    sheets_to_choose,
)
from uploads.services.checks import TooManyChecks
from uploads.services.drafts import content_type_for
from uploads.services.tokens import token_authenticate
from uploads.wording import api as words
from uploads.wording.api import Answer
from uploads.wording.common import read_yes_no

logger = logging.getLogger(__name__)
# The file name is only a label: kept to this many safe characters.
NAME_LENGTH = 100
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
READ_CHUNK = 64 * 1024
MINUTE = 60


class ApiError(Exception):
    """Ends a call with this answer (a refusal), from anywhere in the view."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body.get("error", ""))
        self.answer = answer


def _json(answer: Answer, **headers: str) -> JsonResponse:
    response = JsonResponse(answer.body, status=answer.status)
    response["Cache-Control"] = "no-store"
    for name, value in {**answer.headers, **headers}.items():
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
                    raise ApiError(words.wrong_method(methods))
                _throttle_bad_tokens(request, count=False)
                token = token_authenticate(request.headers.get("Authorization"))
                if token is None:
                    _throttle_bad_tokens(request, count=True)
                    raise ApiError(words.no_token())
                _throttle(token)
                return view(request, *args, token=token, **kwargs)
            except ApiError as error:
                return _json(error.answer)
            except TooManyChecks as error:
                return _json(words.too_many_checks(error.whose, error.limit))
            except Exception:
                # No traceback leaves the portal; the log keeps it (without the
                # request's headers, so never the token).
                logger.exception("API call %s %s failed", request.method, request.path)
                return _json(words.could_not_answer())

        return wrapped

    return decorate


def _throttle(token: ApiToken) -> None:
    """Count the call against the token's minute, in the shared cache as the
    accounts pages count theirs (django-ratelimit); a 429 past the limit."""
    _limit(
        group="api:token",
        key=str(token.pk),
        per_minute=settings.API_RATE_LIMIT_PER_MINUTE,
        refusal=words.too_many_calls,
    )


def _throttle_bad_tokens(request: HttpRequest, *, count: bool) -> None:
    """A 429 for an address that sent too many invalid tokens this minute (checked
    before the token is, so a throttled address learns nothing of a guess);
    `count` adds one failure."""
    _limit(
        group="api:bad-token",
        key=client_ip(request) or "unknown",
        per_minute=settings.API_BAD_TOKENS_PER_MINUTE,
        refusal=words.too_many_bad_tokens,
        increment=count,
    )


def _limit(
    *,
    group: str,
    key: str,
    per_minute: int,
    refusal: Callable[[int], Answer],
    increment: bool = True,
) -> None:
    """Raise `refusal(retry_after)` past `per_minute` calls in `group` for `key`.

    Fails open: the limiter shares Redis with the broker, and while Redis is down
    a confirmed upload still waits safely in the database, so the call answers as
    usual (logged) rather than a 500 or a 429 for everyone.
    """
    try:
        usage = get_usage(
            None,
            group=group,
            key=lambda _group, _request: key,
            rate=(per_minute, MINUTE),
            increment=increment,
        )
    except (RedisError, OSError, ValueError) as error:
        logger.warning(
            "rate limit %s not counted (cache unavailable): %s", group, error
        )
        return
    if usage is None:
        return
    if usage["limit"] == 0:
        # django-ratelimit's answer when the cache could not count (fail closed).
        logger.warning("rate limit %s not counted (cache gave no count)", group)
        return
    if usage["should_limit"]:
        raise ApiError(refusal(max(1, usage["time_left"])))


def _read_body(request: HttpRequest) -> bytes:
    """The request's body, refused with a 413 before it is read when too big."""
    limit = settings.UPLOAD_MAX_BYTES
    length = request.META.get("CONTENT_LENGTH")
    if length:
        try:
            size = int(length)
        except ValueError:
            raise ApiError(words.length_not_a_number()) from None
        if size > limit:
            raise ApiError(words.too_large())
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
            raise ApiError(words.too_large())
        chunks.append(chunk)
    return b"".join(chunks)


def _original_name(name: str, *, extension: str = "csv") -> str:
    """The file name of the URL as a label: safe characters, bounded, ending in
    `extension` (what the body is, so a worker's later check reads it so too)."""
    stem, _, _ = name.rpartition(".")
    stem = UNSAFE_NAME.sub("_", stem).strip(" ._-")[: NAME_LENGTH - 5]
    return f"{stem or 'api-upload'}.{extension}"


# A workbook's Content-Type, as the extension its file would have.
_WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsm",
    "application/vnd.ms-excel": "xls",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
FILE_EXTENSIONS = (".csv", ".json", ".xlsx", ".xlsm", ".xls", ".ods")


def _extension(request: HttpRequest, name: str) -> str:
    """What the body is, as a file extension: JSON or a workbook when its
    Content-Type (any parameters) says so, else what the URL's name says. A CSV
    body is read as JSON anyway when it starts with `[`."""
    content_type = (request.content_type or "").lower()
    if content_type == "application/json":
        return "json"
    return _WORKBOOK_TYPES.get(content_type) or name.rpartition(".")[2].lower()


def _sheet(request: HttpRequest) -> str | None:
    """The workbook's sheet the call names (`?sheet=`), or None (none, or empty)."""
    sheet = request.GET.get("sheet", "")
    if not sheet:
        return None
    limit = Upload._meta.get_field("sheet").max_length
    if len(sheet) > limit or not sheet.isprintable():
        raise ApiError(words.bad_sheet_name(limit))
    return sheet


def _idempotency_key(request: HttpRequest) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > ApiIdempotencyKey._meta.get_field("key").max_length or (
        key and not key.isprintable()
    ):
        raise ApiError(words.bad_idempotency_key())
    return key


@api_view("POST")
def submit(
    request: HttpRequest,
    name: str,
    *,
    token: ApiToken,
    kind: str = csvformat.PROGRESS,
) -> JsonResponse:
    """A file for AchieveIt's progress call (or, with `kind` metric, the metric
    call): checked at once, queued when clean and of that kind."""
    if not name.lower().endswith(FILE_EXTENSIONS) or "/" in name:
        raise ApiError(words.bad_file_name(kind))
    original_name = _original_name(name, extension=_extension(request, name))
    dry_run = bool(read_yes_no(request.GET.get("dry_run", "")))
    sheet = _sheet(request)
    key = _idempotency_key(request)
    data = _read_body(request)
    if dry_run and len(data) > settings.CHECK_IN_WORKER_BYTES:
        # A big dry run is checked by a worker, not in this web thread.
        later = api_check_later(
            token, data, original_name, kind=kind, dry_run=True, sheet=sheet
        )
        return _json(words.checking_answer(later.upload))
    if dry_run:
        checked = api_check(
            token, data, content_type=content_type_for(original_name), sheet=sheet
        )
        return _json(words.check_answer(checked, kind=kind))
    if not key:
        submitted = api_submit(token, data, original_name, kind=kind, sheet=sheet)
        return _json(words.submit_answer(submitted))
    try:
        answer, replayed = api_submit_once(
            token,
            key,
            data,
            original_name,
            kind=kind,
            fingerprint=request_hash(
                request.method or "", request.path, data, sheet=sheet
            ),
            sheet=sheet,
        )
    except KeyReused:
        raise ApiError(words.key_reused()) from None
    except KeyInFlight:
        raise ApiError(words.key_in_flight()) from None
    return _json(answer, **({"Idempotent-Replayed": "true"} if replayed else {}))


@api_view("GET", "HEAD")
def status(
    request: HttpRequest,
    job_id: str,
    *,
    token: ApiToken,
    kind: str = csvformat.PROGRESS,
) -> JsonResponse:
    """Where a job of the token's team is; a job of the other `kind` is asked for
    under its own call, as AchieveIt keeps the two apart."""
    try:
        public_id = uuid.UUID(job_id)
    except ValueError:
        raise ApiError(words.no_such_job()) from None
    upload = Upload.objects.filter(team=token.team, public_id=public_id).first()
    if upload is None:
        raise ApiError(words.no_such_job())
    # A big file's call is kept (api_kind): it is answered there, even when the
    # worker found the file to be of the other kind.
    if (upload.api_kind or upload.kind) != kind:
        raise ApiError(words.job_of_the_other_kind(upload))
    last_answer = (
        upload.attempts.exclude(status_code=None).order_by("-started_at", "-pk").first()
    )
    return _json(words.status_answer(upload, last_answer, sheets_to_choose(upload)))


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/: a JSON 404, not the HTML page."""
    return _json(words.no_such_call())
