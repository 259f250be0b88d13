"""The script API's answers (uploads/views/api.py): for each outcome its status
code, its JSON body and its headers. Both calls, and every refusal on the way.

The JSON keys are the API's contract (ACHIEVEIT_API.md, the OpenAPI document);
the words in "error" and "message" are for the person reading a script's log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings

from uploads import csvformat
from uploads.models import Attempt, Upload
from uploads.wording.common import count, portal_url, too_large_message

if TYPE_CHECKING:
    from uploads.services.api import Checked, Submitted

State = Upload.State
# The most of an error text or of AchieveIt's last answer a status gives back.
ANSWER_BODY_CHARS = 2000
# A status while the upload is on its way, or with a person (202).
ON_ITS_WAY = frozenset(
    {
        State.CHECKING,
        State.DRAFT,
        State.QUEUED,
        State.SUBMITTING,
        State.PROCESSING,
        State.NEEDS_REVIEW,
    }
)
STATE_WORDS = {
    State.CHECKING: (
        "Being checked by a worker (a big file): ask again shortly for the "
        "findings and, when it is clean, its way to AchieveIt."
    ),
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


@dataclass(frozen=True)
class Answer:
    """One answer of the API: its status code, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def finding_json(finding: dict[str, Any]) -> dict[str, Any]:
    """A stored finding as the API shows it: its row is `row`."""
    return {
        "row": finding.get("line"),
        "column": finding.get("column"),
        "severity": finding.get("severity"),
        "code": finding.get("code"),
        "message": finding.get("message"),
        "suggestion": finding.get("suggestion"),
    }


def _errors_answer(
    findings: list[dict[str, Any]],
    url: str | None,
    sheets: Sequence[str] = (),
    asked: str = "",
) -> Answer:
    """400 with the findings; for a workbook whose sheet must be named, the
    error says how (`?sheet=`) and `sheets` lists the sheets to name (`asked`:
    the sheet the call named, when it named one)."""
    codes = {finding.get("code") for finding in findings}
    body: dict[str, Any] = {}
    if "sheet.choose" in codes or "sheet.unknown" in codes:
        error = _sheet_error("sheet.unknown" in codes, asked, sheets)
        body["sheets"] = list(sheets)
    else:
        errors = sum(
            1 for finding in findings if finding.get("severity") == csvformat.ERROR
        )
        error = (
            f"The file has {count(errors, 'error')}: nothing was queued. "
            "Correct the rows named in the findings and send it again."
            if errors
            else "The file holds no update: nothing was queued."
        )
    return Answer(
        400,
        {
            "error": error,
            **body,
            "findings": [finding_json(finding) for finding in findings],
            "portalUrl": url,
        },
    )


def _sheet_error(unknown: bool, asked: str, sheets: Sequence[str]) -> str:
    """Which sheet to name and how: ?sheet=NAME, URL-encoded, on the same call."""
    if unknown:
        start = (
            f"The workbook has no sheet {asked!r}: nothing was queued."
            if asked
            else "The workbook has no sheet of the name sent: nothing was queued."
        )
    else:
        start = (
            "The workbook has several sheets that could hold the updates, so the "
            "portal cannot tell which to read: nothing was queued."
        )
    if not sheets:
        return f"{start} Send it again with ?sheet=NAME naming the sheet to read."
    listed = ", ".join(repr(name) for name in sheets)
    return (
        f"{start} Its sheets are {listed}. Send it again with ?sheet=NAME naming "
        f"the one to read, URL-encoded (for example ?sheet={quote(sheets[0], safe='')}"
        "), and a new Idempotency-Key if you send one."
    )


# --- POST /api/progressupdates/<name>.csv ---------------------------------------------


def check_answer(checked: Checked, *, kind: str = csvformat.PROGRESS) -> Answer:
    """A dry run's answer: 200 with the rows it would send, or 400 with findings
    (or with the call to use, for a file of the other `kind`)."""
    if checked.kind != kind:
        return wrong_kind(checked.kind)
    if not checked.sendable:
        return _errors_answer(checked.findings, None, checked.sheets, checked.sheet)
    return Answer(
        200,
        {
            "jobId": None,
            "dryRun": True,
            "rows": checked.rows,
            "findings": [finding_json(finding) for finding in checked.findings],
        },
    )


def submit_answer(submitted: Submitted) -> Answer:
    """A POST's answer: 200 with the job ID when queued, else 400 and why."""
    upload = submitted.upload
    if submitted.checking:
        return checking_answer(upload)
    if submitted.wrong_kind:
        return wrong_kind(upload.kind, portal_url(upload))
    if submitted.refusal:
        return Answer(400, {"error": submitted.refusal, "findings": []})
    if not submitted.queued:
        return _errors_answer(
            upload.findings, portal_url(upload), submitted.sheets, upload.sheet
        )
    return Answer(
        200,
        {
            "jobId": str(upload.public_id),
            "portalUrl": portal_url(upload),
            "rows": upload.row_count,
            "findings": [finding_json(finding) for finding in upload.findings],
        },
    )


# --- GET /api/progressupdates/status/<job id> -----------------------------------------


def checking_answer(upload: Upload) -> Answer:
    """A big file taken for a worker to check: 202 with the job to ask about."""
    status_path = f"{_SUBMIT_PATHS[upload.api_kind or upload.kind]}status/"
    return Answer(
        202,
        {
            "jobId": str(upload.public_id),
            "dryRun": upload.dry_run,
            "state": upload.state,
            "message": (
                "The file is big, so a worker checks it"
                + (" (a dry run: nothing will be queued)" if upload.dry_run else "")
                + f". Ask GET {status_path}{upload.public_id} for the findings"
                + ("." if upload.dry_run else " and the verdict.")
            ),
            "statusUrl": f"{status_path}{upload.public_id}",
            "portalUrl": portal_url(upload),
        },
    )


def status_answer(
    upload: Upload, last_answer: Attempt | None, sheets: Sequence[str] = ()
) -> Answer:
    """Where the upload is: 202 on its way (or with a person), 200 only when
    applied in AchieveIt, 400 when finally not applied. `last_answer` is the
    latest call AchieveIt answered. A big file checked by a worker answers as its
    POST would have once checked: a dry run 200 or 400 with its findings, a file
    of the other kind than its call 400 (`sheets`: its workbook's sheets, when
    the findings ask for one by name)."""
    if upload.api_kind and upload.state == State.REJECTED:
        if upload.api_kind != upload.kind:
            return wrong_kind(upload.kind, portal_url(upload))
        if upload.dry_run and upload.is_sendable:
            return Answer(
                200,
                {
                    "jobId": str(upload.public_id),
                    "dryRun": True,
                    "rows": upload.row_count,
                    "findings": [finding_json(finding) for finding in upload.findings],
                },
            )
        if upload.dry_run or not upload.error_text:
            answer = _errors_answer(
                upload.findings, portal_url(upload), sheets, upload.sheet
            )
            return Answer(
                answer.status, {"jobId": str(upload.public_id), **answer.body}
            )
    status, words = _verdict(upload)
    body = {
        "jobId": str(upload.public_id),
        "state": upload.state,
        "stateLabel": upload.get_state_display(),
        "message": words,
        "rows": upload.row_count,
        "achieveitJobId": upload.job_id or None,
        "achieveitAnswer": _achieveit_answer(last_answer),
        "findings": [finding_json(finding) for finding in upload.findings],
        "portalUrl": portal_url(upload),
    }
    if upload.error_text:
        body["errorText"] = upload.error_text[:ANSWER_BODY_CHARS]
    return Answer(status, body)


def _verdict(upload: Upload) -> tuple[int, str]:
    # A resolution without an outcome says nothing about AchieveIt, so it is not
    # a 200: it is a 400 (final, not known to be applied).
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


def _achieveit_answer(attempt: Attempt | None) -> dict[str, Any] | None:
    if attempt is None:
        return None
    return {
        "call": attempt.kind,
        "statusCode": attempt.status_code,
        "at": attempt.finished_at.isoformat() if attempt.finished_at else None,
        "body": attempt.response_body[:ANSWER_BODY_CHARS],
    }


# --- Refusals ---------------------------------------------------------------------


def wrong_method(methods: tuple[str, ...]) -> Answer:
    return Answer(
        405,
        {"error": f"Use {' or '.join(methods)} here."},
        {"Allow": ", ".join(methods)},
    )


def no_token() -> Answer:
    return Answer(
        401,
        {
            "error": "Send a valid API token: Authorization: API-KEY <token>. "
            "A team's uploaders create one on the team's API tokens page."
        },
        {"WWW-Authenticate": "API-KEY"},
    )


def too_many_calls(retry_after: int) -> Answer:
    return Answer(
        429,
        {
            "error": f"Too many calls: this token may make "
            f"{settings.API_RATE_LIMIT_PER_MINUTE} a minute. "
            f"Try again in {retry_after} s."
        },
        {"Retry-After": str(retry_after)},
    )


def too_many_bad_tokens(retry_after: int) -> Answer:
    """Too many invalid tokens from one address this minute."""
    return Answer(
        429,
        {
            "error": f"Too many calls with an invalid API token from this address: "
            f"at most {settings.API_BAD_TOKENS_PER_MINUTE} a minute. Check the "
            f"token your script sends, then try again in {retry_after} s."
        },
        {"Retry-After": str(retry_after)},
    )


def too_many_checks(whose: str, limit: int) -> Answer:
    """Over the checks at once a token (`whose` "person") or a team may have."""
    holder = "this token" if whose == "person" else "this token's team"
    return Answer(
        429,
        {
            "error": f"{count(limit, 'file')} sent by {holder} "
            f"{'is' if limit == 1 else 'are'} being checked already: wait for one "
            "to finish (ask its status), then send this one again."
        },
        {"Retry-After": "5"},
    )


def too_large() -> Answer:
    return Answer(413, {"error": too_large_message()})


def length_not_a_number() -> Answer:
    return Answer(400, {"error": "The Content-Length header is not a number."})


def bad_idempotency_key() -> Answer:
    return Answer(
        400,
        {"error": "The Idempotency-Key must be at most 255 printable characters."},
    )


def key_in_flight() -> Answer:
    return Answer(
        409,
        {
            "error": "A call with this Idempotency-Key is still being answered. "
            "Ask again in a moment with the same key."
        },
        {"Retry-After": "1"},
    )


def key_reused() -> Answer:
    """An Idempotency-Key sent again with another method, path or body."""
    return Answer(
        422,
        {
            "error": "This Idempotency-Key was already used for a different request "
            "(another file, another call or another ?sheet=): nothing was queued. "
            "Send a new key with each new file; reuse a key only to retry the very "
            "same request."
        },
    )


def bad_sheet_name(limit: int) -> Answer:
    """A ?sheet= that can name no sheet."""
    return Answer(
        400,
        {
            "error": f"?sheet= must name one of the workbook's sheets: at most "
            f"{limit} printable characters, URL-encoded (a space as %20)."
        },
    )


def bad_file_name(kind: str = csvformat.PROGRESS) -> Answer:
    return Answer(
        404,
        {
            "error": f"Send the file to {_SUBMIT_PATHS[kind]}<file name>.csv (one "
            "name; .json for a JSON array, .xlsx, .xlsm, .xls or .ods for a "
            "workbook)."
        },
    )


_SUBMIT_PATHS = {
    csvformat.PROGRESS: "/api/progressupdates/",
    csvformat.METRIC: "/api/metricupdates/",
}


def wrong_kind(found: str, url: str | None = None) -> Answer:
    """A file of kind `found` sent to the call of the other kind: which to use."""
    if found == csvformat.METRIC:
        error = (
            "This is a metric update (its header has no Status column): nothing was "
            "queued. Send it to /api/metricupdates/<file name>.csv, or add a Status "
            "column to send progress updates."
        )
    else:
        error = (
            "This is a progress update (it has a Status column): nothing was "
            "queued. Send it to /api/progressupdates/<file name>.csv, or leave the "
            "Status column out to send metric values only."
        )
    body: dict[str, Any] = {"error": error, "findings": []}
    if url:
        body["portalUrl"] = url
    return Answer(400, body)


def job_of_the_other_kind(upload: Upload) -> Answer:
    """A status asked under the other kind's call (AchieveIt keeps them apart)."""
    job_id = upload.public_id
    return Answer(
        404,
        {
            "error": f"Job {job_id} is a {upload.get_kind_display()}: ask "
            f"GET {_SUBMIT_PATHS[upload.kind]}status/{job_id}."
        },
    )


def no_such_job() -> Answer:
    return Answer(
        404,
        {
            "error": "No job with this ID for this token's team: use the jobId a "
            "POST gave."
        },
    )


def no_such_call() -> Answer:
    return Answer(
        404,
        {
            "error": "No such call. POST /api/progressupdates/<file name>.csv or "
            "GET /api/progressupdates/status/<job id>; for metric updates POST "
            "/api/metricupdates/<file name>.csv or GET "
            "/api/metricupdates/status/<job id>."
        },
    )


def could_not_answer() -> Answer:
    return Answer(500, {"error": "The portal could not answer this call. Try again."})
