"""The admin site, for staff only: anyone else signed in gets a 404 there, as at
every staff page of the portal (DESIGN.md), instead of the admin's login form,
which would confirm the page and invite them to sign in as someone else.
Visitors who are not signed in are still sent to log in."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse


class PortalAdminSite(admin.AdminSite):
    def _staff_or_not_found(self, request: HttpRequest) -> None:
        if request.user.is_authenticated and not self.has_permission(request):
            raise Http404

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        guarded = super().admin_view(view, cacheable)

        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            self._staff_or_not_found(request)
            return guarded(request, *args, **kwargs)

        return update_wrapper(inner, guarded)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._staff_or_not_found(request)
        return super().login(request, extra_context)
