"""The script API described: an OpenAPI 3.1 document at /api/openapi.json (for
tools; anyone may read it, it holds no secret) and a page in words at /api/docs/
(for people signed in), both from the one description in openapi.yaml beside this
module."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from uploads.models import Upload
from uploads.permissions import team_accesses

DOCUMENT = Path(__file__).with_name("openapi.yaml")
SUBMIT_PATH = "/api/progressupdates/{fileName}.csv"
STATUS_PATH = "/api/progressupdates/status/{jobId}"
# Teams whose token pages the docs page links to (an operator sees every team).
TEAMS_LISTED = 12


@functools.cache
def _document_as_written() -> dict[str, Any]:
    """The document as the file says it, read once per process."""
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


def _with_base(value: Any, base: str) -> Any:
    """A copy of the value with "{base}" in each string made the portal's address."""
    if isinstance(value, dict):
        return {key: _with_base(item, base) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_base(item, base) for item in value]
    if isinstance(value, str):
        return value.replace("{base}", base)
    return value


def openapi_document() -> dict[str, Any]:
    """The API as OpenAPI 3.1, its server the portal's own address and its list of
    states the model's. A fresh copy each call: the caller may change it."""
    document = _with_base(_document_as_written(), settings.PORTAL_BASE_URL)
    state = document["components"]["schemas"]["JobStatus"]["properties"]["state"]
    state["enum"] = list(Upload.State.values)
    return document


def _example(document: dict[str, Any], path: str, method: str, code: str) -> str:
    """The documented example of one answer, as the page shows it."""
    response = document["paths"][path][method]["responses"][code]
    return json.dumps(response["content"]["application/json"]["example"], indent=2)


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
    document = openapi_document()
    examples = {
        "queued": _example(document, SUBMIT_PATH, "post", "200"),
        "findings": _example(document, SUBMIT_PATH, "post", "400"),
        "status": _example(document, STATUS_PATH, "get", "202"),
    }
    return render(
        request,
        "api/docs.html",
        {
            "base_url": settings.PORTAL_BASE_URL,
            "answers": answers(document),
            "examples": examples,
            "limits": limits(),
            "accesses": team_accesses(request.user)[:TEAMS_LISTED],
        },
    )
