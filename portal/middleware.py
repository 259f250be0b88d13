"""Middleware of the portal's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

ACCOUNT_PAGES = "/accounts/"


class PrivateCacheMiddleware:
    """Mark every answer to a signed-in person, and every account page (log in,
    password reset and change), `Cache-Control: private, no-store`, so neither a
    shared proxy nor the browser's disk keeps a page, a download or a fragment
    after the person has gone. A view that set its own Cache-Control keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path_info.startswith(ACCOUNT_PAGES):
            response["Cache-Control"] = "private, no-store"
        return response
