"""Request bodies are limited by size before they are read or stored.

- `RequestBodyLimitMiddleware`, first in MIDDLEWARE: a body whose Content-Length
  is over REQUEST_BODY_MAX_BYTES gets a 413 before anything reads a byte of it.
  Django never reads past Content-Length, and reads nothing without one (a chunked
  body; the script API reads those itself, with the same limit: uploads/views/api.py),
  so this bounds every body Django reads.
- `UploadLimitHandler`, first in FILE_UPLOAD_HANDLERS: a file that grows past
  UPLOAD_MAX_BYTES is not kept (neither in memory nor spooled to disk) beyond that
  byte. The form receives an empty stand-in that knows the file's real size, so
  the upload and mapping forms say "The file is 10.6 MB; the most ... is 10 MB".
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from uploads.wording.common import too_large_message

# The script API answers JSON, whatever went wrong.
_API_PREFIX = "/api/"


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413 with the message: JSON for the script API, else a short page or text."""
    message = too_large_message()
    if request.path.startswith(_API_PREFIX):
        response = JsonResponse({"error": message}, status=413)
    elif "text/html" in request.headers.get("Accept", ""):
        # A page like the other error pages (templates/500.html), on its own: it is
        # answered before sessions and users are loaded.
        page = render_to_string("413.html", {"message": message, "back": request.path})
        response = HttpResponse(page, status=413)
    else:
        response = HttpResponse(
            message + "\n", status=413, content_type="text/plain; charset=utf-8"
        )
    response["Cache-Control"] = "no-store"
    return response


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        # Missing or not a number: Django then reads no body at all.
        return None


class RequestBodyLimitMiddleware:
    """First in MIDDLEWARE: a body over REQUEST_BODY_MAX_BYTES, by its
    Content-Length, is answered 413 unread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = _declared_length(request)
        if declared is not None and declared > settings.REQUEST_BODY_MAX_BYTES:
            return too_large_response(request)
        return self.get_response(request)


class TooLargeUploadedFile(UploadedFile):
    """Stands in for a file that passed UPLOAD_MAX_BYTES: no content, its size."""

    def __init__(self, *, name: str, content_type: str, size: int, charset: Any):
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)


class UploadLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: passes a file's bytes on to Django's
    handlers up to UPLOAD_MAX_BYTES, then only counts them."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.UPLOAD_MAX_BYTES:
            # None: the handlers after this one never see the chunk.
            return None
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size <= settings.UPLOAD_MAX_BYTES:
            return None  # the next handler returns the file it kept
        return TooLargeUploadedFile(
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
        )
