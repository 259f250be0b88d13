"""The script API described: an OpenAPI 3.1 document at /api/openapi.json (for
tools; anyone may read it, it holds no secret) and a page in words at /api/docs/
(for people signed in), both from the one description built here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from uploads.models import Upload
from uploads.permissions import team_accesses

SUBMIT_PATH = "/api/progressupdates/{fileName}.csv"
STATUS_PATH = "/api/progressupdates/status/{jobId}"

_ERROR = {"$ref": "#/components/schemas/Error"}
_STATUS = {"$ref": "#/components/schemas/JobStatus"}
_FINDINGS = {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}}
_NULLABLE_STRING = {"type": ["string", "null"]}
# Teams whose token pages the docs page links to (an operator sees every team).
TEAMS_LISTED = 12
_JOB_ID = "3f1c9a52-8d4e-4b7a-9a51-0c2f6e1d7b90"

# The answers as they come back (the page shows them too).
EXAMPLE_QUEUED = {
    "jobId": _JOB_ID,
    "portalUrl": "{base}/uploads/" + _JOB_ID + "/",
    "rows": 2,
    "findings": [],
}
EXAMPLE_FINDINGS = {
    "error": "The file has 1 error: nothing was queued. Correct the rows named in "
    "the findings and send it again.",
    "findings": [
        {
            "row": 2,
            "column": "Status",
            "severity": "error",
            "code": "status.unknown",
            "message": "Row 2, Status: 'Acheived' is not an AchieveIt status. "
            "Did you mean 'Achieved'?",
            "suggestion": "Achieved",
        }
    ],
    "portalUrl": "{base}/uploads/9b2e4f3a-1c7d-4e8b-b6a0-5d3f2c1e0a47/",
}
EXAMPLE_STATUS = {
    "jobId": _JOB_ID,
    "state": "processing",
    "stateLabel": "Processing at AchieveIt",
    "message": "AchieveIt accepted the file and is processing it.",
    "rows": 2,
    "achieveitJobId": "job-8812",
    "achieveitAnswer": {
        "call": "submit",
        "statusCode": 200,
        "at": "2026-11-27T09:30:02+00:00",
        "body": '{"jobId": "job-8812"}',
    },
    "findings": [],
    "portalUrl": "{base}/uploads/" + _JOB_ID + "/",
}


def _with_base(example: Any, base: str) -> Any:
    if isinstance(example, dict):
        return {key: _with_base(value, base) for key, value in example.items()}
    if isinstance(example, list):
        return [_with_base(value, base) for value in example]
    if isinstance(example, str):
        return example.replace("{base}", base)
    return example


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if "example" in extra:
        media["example"] = extra.pop("example")
    return {"description": description, "content": {"application/json": media}, **extra}


def _retry_after(description: str) -> dict[str, Any]:
    return {
        "Retry-After": {
            "description": description,
            "schema": {"type": "integer", "minimum": 1},
        }
    }


def _common_errors() -> dict[str, Any]:
    return {
        "401": _json(
            "The Authorization header is missing, malformed, or carries a token "
            "that is unknown or revoked.",
            _ERROR,
            headers={
                "WWW-Authenticate": {
                    "description": "Always API-KEY.",
                    "schema": {"type": "string"},
                }
            },
        ),
        "429": _json(
            "More calls this minute than a token may make. Wait the number of "
            "seconds in Retry-After, then send the same call again.",
            _ERROR,
            headers=_retry_after("Seconds to wait before the next call."),
        ),
        "500": _json(
            "The portal could not answer (nothing to correct in the call): try "
            "again later.",
            _ERROR,
        ),
    }


def _schemas() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "string",
                    "description": "What went wrong and what to do, in words.",
                }
            },
        },
        "Finding": {
            "type": "object",
            "description": "One thing about the file, with where it is and the fix.",
            "required": ["row", "column", "severity", "code", "message"],
            "properties": {
                "row": {
                    "type": ["integer", "null"],
                    "description": "Line of the file (1 is the first line), or "
                    "null for something about the whole file.",
                },
                "column": {
                    **_NULLABLE_STRING,
                    "description": "External ID, Status, Current Value or As Of "
                    "Date; null for a whole row or the file.",
                },
                "severity": {"type": "string", "enum": ["error", "warning"]},
                "code": {
                    "type": "string",
                    "description": "The rule, e.g. status.unknown.",
                },
                "message": {"type": "string"},
                "suggestion": {
                    **_NULLABLE_STRING,
                    "description": "What the cell should say, when there is one "
                    "likely fix.",
                },
            },
        },
        "Rejected": {
            "type": "object",
            "description": "A call that cannot be queued. For a file with errors, "
            "the findings name each one (nothing was queued).",
            "required": ["error"],
            "properties": {
                "error": {"type": "string"},
                "findings": _FINDINGS,
                "portalUrl": {
                    **_NULLABLE_STRING,
                    "description": "The rejected upload's page in the portal.",
                },
            },
        },
        "Queued": {
            "type": "object",
            "required": ["jobId", "portalUrl"],
            "properties": {
                "jobId": {
                    "type": "string",
                    "format": "uuid",
                    "description": "The portal's job ID: ask for the outcome with it."
                    " An opaque identifier (a random UUID, not a count of uploads);"
                    " the upload's page in the portal has the same one.",
                },
                "portalUrl": {
                    "type": "string",
                    "description": "The upload's page in the portal.",
                },
                "rows": {"type": "integer", "description": "Updates queued."},
                "findings": {
                    **_FINDINGS,
                    "description": "Warnings only (an error stops the file).",
                },
            },
        },
        "DryRun": {
            "type": "object",
            "required": ["dryRun", "rows"],
            "properties": {
                "jobId": {"type": "null"},
                "dryRun": {"const": True},
                "rows": {"type": "integer", "description": "Updates that would go."},
                "findings": _FINDINGS,
            },
        },
        "AchieveItAnswer": {
            "type": ["object", "null"],
            "description": "AchieveIt's last answer to the portal about this file.",
            "properties": {
                "call": {"type": "string", "description": "submit or status."},
                "statusCode": {"type": "integer"},
                "at": {**_NULLABLE_STRING, "format": "date-time"},
                "body": {
                    "type": "string",
                    "description": "The body as it came back (cut at 2,000 "
                    "characters).",
                },
            },
        },
        "JobStatus": {
            "type": "object",
            "required": ["jobId", "state", "stateLabel", "message"],
            "properties": {
                "jobId": {"type": "string", "format": "uuid"},
                "state": {
                    "type": "string",
                    "description": "The upload's state in the portal.",
                    "enum": list(Upload.State.values),
                },
                "stateLabel": {"type": "string"},
                "message": {"type": "string", "description": "The state in words."},
                "rows": {"type": "integer"},
                "achieveitJobId": {
                    **_NULLABLE_STRING,
                    "description": "AchieveIt's own job ID, once it queued the file.",
                },
                "achieveitAnswer": {"$ref": "#/components/schemas/AchieveItAnswer"},
                "findings": _FINDINGS,
                "portalUrl": {"type": "string"},
                "errorText": {
                    "type": "string",
                    "description": "Why it failed, when it did.",
                },
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """The API as OpenAPI 3.1, its server the portal's own address."""
    base = settings.PORTAL_BASE_URL
    replayed = {
        "Idempotent-Replayed": {
            "description": "true when this is the first answer to the same "
            "Idempotency-Key, given again (nothing new was sent).",
            "schema": {"type": "string", "enum": ["true"]},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AchieveIt update portal: progress updates",
            "version": "1",
            "summary": "AchieveIt's two progress-update calls, answered by the "
            "portal, which checks each file before it sends it on.",
            "description": "A script written for AchieveIt's data integration "
            "works against the portal by changing two strings: the base URL and "
            "the key (a team's API token from the portal). The portal checks every "
            "file at once against the team's External IDs, sends it to AchieveIt, "
            "retries, and keeps it in the team's history. Every answer is JSON.",
        },
        "servers": [{"url": base}],
        "security": [{"apiToken": []}],
        "paths": {
            SUBMIT_PATH: {
                "post": {
                    "operationId": "submitProgressUpdates",
                    "summary": "Send a CSV file of progress updates",
                    "description": "The body is the file itself (curl "
                    "--data-binary), not a multipart form. Four columns in this "
                    "order: External ID, Status, Current Value, As Of Date; a "
                    "header row is optional. The file is checked at once: with "
                    "errors nothing is queued and the answer lists them.",
                    "parameters": [
                        {
                            "name": "fileName",
                            "in": "path",
                            "required": True,
                            "description": "Any name for the file; kept as a label. "
                            "The portal names what it sends to AchieveIt itself.",
                            "schema": {"type": "string"},
                            "example": "weekly",
                        },
                        {
                            "name": "dry_run",
                            "in": "query",
                            "required": False,
                            "description": "true: check the file and answer as "
                            "usual, but store and send nothing.",
                            "schema": {"type": "boolean", "default": False},
                        },
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "Any unique printable string. The same "
                            "key from the same team within 24 hours gets the first "
                            "answer again and sends nothing new.",
                            "schema": {"type": "string", "maxLength": 255},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "description": "The CSV file's bytes, under any of these "
                        "content types (curl --data-binary sends the last).",
                        "content": {
                            "text/csv": {
                                "schema": {"type": "string"},
                                "example": "External ID,Status,Current Value,"
                                "As Of Date\nSALES-Q4-01,On Track,0.45,2026-10-31\n",
                            },
                            "application/octet-stream": {
                                "schema": {
                                    "type": "string",
                                    "contentMediaType": "text/csv",
                                }
                            },
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "string",
                                    "description": "The raw file, under curl's "
                                    "default content type; not read as a form.",
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The file passed the checks and is "
                            "queued for AchieveIt (with dry_run=true: would be).",
                            "headers": replayed,
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/Queued"},
                                            {"$ref": "#/components/schemas/DryRun"},
                                        ]
                                    },
                                    "example": _with_base(EXAMPLE_QUEUED, base),
                                }
                            },
                        },
                        "400": _json(
                            "The file has errors (each finding names the row, the "
                            "column and the fix) or holds no update, or the "
                            "Idempotency-Key is unusable: nothing was queued.",
                            {"$ref": "#/components/schemas/Rejected"},
                            headers=replayed,
                            example=_with_base(EXAMPLE_FINDINGS, base),
                        ),
                        "409": _json(
                            "A call with the same Idempotency-Key is still being "
                            "answered: send it again in a moment, same key.",
                            _ERROR,
                            headers=_retry_after("Seconds to wait."),
                        ),
                        "413": _json(
                            "The body is larger than the portal accepts: split the "
                            "file.",
                            _ERROR,
                        ),
                        **_common_errors(),
                    },
                }
            },
            STATUS_PATH: {
                "get": {
                    "operationId": "getProgressUpdateStatus",
                    "summary": "Ask for the outcome of a file",
                    "description": "curl -I (HEAD) gets the same status code "
                    "without the body.",
                    "parameters": [
                        {
                            "name": "jobId",
                            "in": "path",
                            "required": True,
                            "description": "The jobId the POST answered (opaque:"
                            " a random UUID).",
                            "schema": {"type": "string"},
                            "example": _JOB_ID,
                        }
                    ],
                    "responses": {
                        "202": _json(
                            "On its way: queued, being sent, being processed by "
                            "AchieveIt, or held for a person's review. Ask again "
                            "later.",
                            _STATUS,
                            example=_with_base(EXAMPLE_STATUS, base),
                        ),
                        "200": _json(
                            "AchieveIt processed the file successfully (or an "
                            "operator resolved it as applied in AchieveIt).",
                            _STATUS,
                        ),
                        "400": _json(
                            "Finally not applied: failed, rejected, canceled, or "
                            "resolved without being applied. The body says why.",
                            _STATUS,
                        ),
                        "404": _json(
                            "No job with this ID for the token's team.", _ERROR
                        ),
                        **_common_errors(),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "apiToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`API-KEY <token>`, or the bare token (as in "
                    "AchieveIt's article). A token belongs to one team.",
                }
            },
            "schemas": _schemas(),
        },
    }


@dataclass(frozen=True)
class Answer:
    call: str
    code: str
    meaning: str


def answers(document: dict[str, Any]) -> list[Answer]:
    """Every documented answer of both calls, for the page's table."""
    rows = []
    for path, label in ((SUBMIT_PATH, "POST"), (STATUS_PATH, "status")):
        for operation in document["paths"][path].values():
            for code, response in sorted(operation["responses"].items()):
                rows.append(Answer(label, code, response["description"]))
    return rows


def limits() -> dict[str, Any]:
    return {
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "max_rows": settings.UPLOAD_MAX_ROWS,
        "per_minute": settings.API_RATE_LIMIT_PER_MINUTE,
    }


@require_GET
def api_openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(), json_dumps_params={"indent": 2})


@login_required
@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    base = settings.PORTAL_BASE_URL
    document = openapi_document()
    examples = {
        name: json.dumps(_with_base(example, base), indent=2)
        for name, example in (
            ("queued", EXAMPLE_QUEUED),
            ("findings", EXAMPLE_FINDINGS),
            ("status", EXAMPLE_STATUS),
        )
    }
    return render(
        request,
        "api/docs.html",
        {
            "base_url": base,
            "answers": answers(document),
            "examples": examples,
            "limits": limits(),
            "accesses": team_accesses(request.user)[:TEAMS_LISTED],
        },
    )
