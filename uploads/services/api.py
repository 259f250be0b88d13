"""The script API's writes: check a file for a token's team, queue it, and keep
the first answer to an Idempotency-Key. The API's contract is its status code and
JSON, so these return both; uploads/views/api.py only reads and answers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from uploads import csvformat
from uploads.models import ApiIdempotencyKey, ApiToken, Upload
from uploads.selectors import plan_item_rules
from uploads.services.drafts import upload_confirm, upload_create, upload_reject
from uploads.services.errors import ServiceError

IDEMPOTENCY_WINDOW = timedelta(hours=24)


class KeyInFlight(ServiceError):
    """Another call with the same Idempotency-Key has not been answered yet."""


def finding_json(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "row": finding.get("line"),
        "column": finding.get("column"),
        "severity": finding.get("severity"),
        "code": finding.get("code"),
        "message": finding.get("message"),
        "suggestion": finding.get("suggestion"),
    }


def portal_url(upload: Upload) -> str:
    return f"{settings.PORTAL_BASE_URL}{upload.get_absolute_url()}"


def _error_count(findings: list[dict[str, Any]]) -> int:
    return sum(1 for finding in findings if finding.get("severity") == csvformat.ERROR)


def _errors_answer(findings: list[dict[str, Any]], portal_url: str | None) -> tuple:
    errors = _error_count(findings)
    return 400, {
        "error": (
            f"The file has {errors} error{'s' if errors != 1 else ''}: nothing was "
            "queued. Correct the rows named in the findings and send it again."
            if errors
            else "The file holds no update: nothing was queued."
        ),
        "findings": [finding_json(finding) for finding in findings],
        "portalUrl": portal_url,
    }


def api_check(token: ApiToken, data: bytes) -> tuple[int, dict[str, Any]]:
    result = csvformat.parse(
        data,
        plan_items=plan_item_rules(token.team),
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=settings.UPLOAD_MAX_ROWS,
    )
    findings = [asdict(finding) for finding in result.findings[:1000]]
    if not result.is_valid or not result.updates:
        return _errors_answer(findings, None)
    return 200, {
        "jobId": None,
        "dryRun": True,
        "rows": len(result.updates),
        "findings": [finding_json(finding) for finding in findings],
    }


def api_submit(
    token: ApiToken, data: bytes, original_name: str
) -> tuple[int, dict[str, Any], Upload]:
    """Check the file as an upload of the token's team and queue it if clean;
    a file that cannot be sent is closed at once, so it sits in nobody's drafts."""
    upload = upload_create(
        team=token.team,
        user=None,
        data=data,
        original_name=original_name,
        source=Upload.Source.API,
        api_token=token,
    )
    if not upload.is_sendable:
        upload_reject(upload=upload, user=None)
        status, body = _errors_answer(upload.findings, portal_url(upload))
        return status, body, upload
    try:
        upload = upload_confirm(upload=upload, user=None)
    except ServiceError as error:
        upload_reject(upload=upload, user=None)
        return 400, {"error": str(error), "findings": []}, upload
    return (
        200,
        {
            "jobId": str(upload.public_id),
            "portalUrl": portal_url(upload),
            "rows": upload.row_count,
            "findings": [finding_json(finding) for finding in upload.findings],
        },
        upload,
    )


def api_submit_once(
    token: ApiToken, key: str, data: bytes, original_name: str
) -> tuple[int, dict[str, Any], bool]:
    """The answer to a key: the first one given within 24 h, else a new one.

    The key's row is written first, in the transaction that makes the upload: the
    unique constraint decides which of two concurrent calls does the work, and the
    other (on PostgreSQL, blocked on that row until the first commits) replays it.
    """
    ApiIdempotencyKey.objects.filter(
        team=token.team, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW
    ).delete()
    try:
        with transaction.atomic():
            record = ApiIdempotencyKey.objects.create(team=token.team, key=key)
            status, body, upload = api_submit(token, data, original_name)
            record.status_code = status
            record.body = body
            record.upload = upload
            record.save(update_fields=["status_code", "body", "upload"])
        return status, body, False
    except IntegrityError:
        pass
    record = ApiIdempotencyKey.objects.filter(team=token.team, key=key).first()
    if record is None or record.status_code is None:
        raise KeyInFlight(
            "A call with this Idempotency-Key is still being answered. Ask again "
            "in a moment with the same key."
        )
    return record.status_code, record.body, True
