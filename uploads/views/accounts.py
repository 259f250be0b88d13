"""Django's password reset and change pages, throttled.

A reset sends a link that opens an account, so the links one address (as typed) and
one account may be sent are counted; so are wrong current passwords on the
change-password form, which would otherwise let a borrowed session guess the
password. Counters live in the shared cache (settings.CACHES), keyed by a hash,
through django-ratelimit.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

HOUR = 3600


def _count(
    group: str, value: str, per_hour: int, *, increment: bool
) -> tuple[bool, str]:
    """(whether `value` has used up `per_hour` in `group`, how long until it may
    go on, in words). With `increment` this call counts as one. A cache that
    cannot count answers "used up" (django-ratelimit fails closed). Counted by
    value alone, so no request is needed."""
    usage = get_usage(
        None,
        group=group,
        key=lambda _group, _request: value,
        rate=(per_hour, HOUR),
        increment=increment,
    )
    if usage is None:  # RATELIMIT_ENABLE is off
        return False, ""
    # Counted: the call that makes it `per_hour` still goes. Only looked at: the
    # count already reached `per_hour`.
    used_up = usage["should_limit"] or (
        not increment and usage["count"] >= usage["limit"]
    )
    minutes = max(1, math.ceil(usage["time_left"] / 60))
    return used_up, f"{minutes} minute{'' if minutes == 1 else 's'}"


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, sending no link to an account that had its hour's worth."""

    def get_users(self, email: str) -> Iterator[AbstractBaseUser]:
        for user in super().get_users(email):
            used_up, _ = _count(
                "password-reset:account",
                str(user.pk),
                settings.PASSWORD_RESET_PER_HOUR,
                increment=True,
            )
            if used_up:
                # Said nowhere but the log: a different answer would tell the
                # person asking that the address has an account.
                logger.warning("Password reset link for user %s held back", user.pk)
                continue
            yield user


class PasswordResetView(auth_views.PasswordResetView):
    """Reset by email; past the limit for the address typed, the form again with
    a 429 and how long to wait (the same for any address, account or not)."""

    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        used_up, wait = _count(
            "password-reset:address",
            form.cleaned_data["email"].casefold(),
            settings.PASSWORD_RESET_PER_HOUR,
            increment=True,
        )
        if used_up:
            return _throttled(
                self,
                form,
                f"Too many reset links were asked for this address. Try again in "
                f"{wait}; a link already sent still works until it is used.",
            )
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change a password; after too many wrong current passwords the form is
    closed for the rest of the hour, before any password is checked."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = str(request.user.pk)
        per_hour = settings.PASSWORD_CHANGE_FAILURES_PER_HOUR
        used_up, wait = _count(
            "password-change:account", account, per_hour, increment=False
        )
        if used_up:
            return _throttled(
                self,
                self.get_form_class()(user=request.user),
                f"Too many wrong current passwords. For your account's safety this "
                f"form is closed for {wait}. If you have forgotten your "
                f"password, log out and use “Forgot your password?”.",
            )
        form = self.get_form()
        if form.is_valid():
            return self.form_valid(form)
        if form.has_error("old_password"):
            _count("password-change:account", account, per_hour, increment=True)
        return self.form_invalid(form)


def _throttled(
    view: auth_views.PasswordContextMixin, form: Any, message: str
) -> HttpResponse:
    """The view's own page with its form and `message`, answered 429."""
    response = view.render_to_response(
        view.get_context_data(form=form, throttled=message)
    )
    response.status_code = 429
    return response
