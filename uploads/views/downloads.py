"""The one way a file is handed to a person: every download (a team's template,
an upload's original, its file as sent and its problems, the history export) is
built by ``download``, so each says its name and is kept by no cache alike."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CSV = "text/csv; charset=utf-8"
ANY_FILE = "application/octet-stream"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(
    content: bytes | str | Iterator[str],
    *,
    filename: str,
    content_type: str = CSV,
) -> HttpResponse | StreamingHttpResponse:
    """An attachment named ``filename``, kept by no shared or disk cache (a file of
    a team is private like its pages); ``content`` an iterator of lines is
    streamed rather than held whole."""
    response: HttpResponse | StreamingHttpResponse
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response
