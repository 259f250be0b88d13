"""What django-axes records of a login attempt."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest

# The longest a username may be: a longer one is no account's.
USERNAME_MAX = get_user_model()._meta.get_field("username").max_length


def axes_username(
    request: HttpRequest | None, credentials: dict[str, Any] | None
) -> str | None:
    """The username a login attempt gave, cut to the longest a username may be.

    Django's login form passes any length on to authenticate(), and axes keeps
    the name of a failed attempt in a 255-character column: a longer name made
    the failed login a 500 on PostgreSQL.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = getattr(request, "POST", {}).get("username")
    if username is None:
        return None
    return str(username)[:USERNAME_MAX]
