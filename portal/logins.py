"""Who a login attempt comes from, and how many failures it may have (django-axes).

Three rules, all counted over axes' cool-off window (AXES_COOLOFF_TIME):

- a username at one address is locked after LOGIN_FAILURE_LIMIT failures, so
  failures elsewhere never lock a person out of their own address;
- an address is locked for every username after LOGIN_FAILURES_PER_ADDRESS
  failures, whatever usernames they named (one password tried on many accounts);
- an account that failed LOGIN_FAILURES_PER_ACCOUNT times from all addresses
  together (a guesser with many addresses) gives each address it never signed in
  from a single try per cool-off, while the addresses it did sign in from keep
  LOGIN_FAILURE_LIMIT. That slows the guesser without locking out the owner, and
  it holds no web worker (a delay would: sleeping threads are a way to stall the
  site).
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

# The longest a username may be: a longer one is no account's.
USERNAME_MAX = get_user_model()._meta.get_field("username").max_length
# An address the account signed in from within this long is one of its own.
KNOWN_ADDRESS_FOR = timedelta(days=90)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


@lru_cache(maxsize=8)
def _proxies(allowed: tuple[str, ...]) -> tuple[Network, ...] | None:
    """settings.FORWARDED_ALLOW_IPS as networks; None when it trusts any ("*")."""
    if "*" in allowed:
        return None
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allowed)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_proxy(address: Address, proxies: tuple[Network, ...] | None) -> bool:
    return proxies is None or any(address in network for network in proxies)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address: the connection's, unless it comes from a proxy
    listed in FORWARDED_ALLOW_IPS, then the nearest X-Forwarded-For entry that is
    not such a proxy.

    The header is read from the right, where the trusted proxies wrote, so a
    visitor's own X-Forwarded-For (on the left) never chooses the address. Without
    a trusted proxy in front the header is ignored altogether.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    proxies = _proxies(tuple(settings.FORWARDED_ALLOW_IPS))
    if not _is_proxy(remote, proxies):
        return str(remote)
    client = remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed([hop for hop in hops if hop.strip()]):
        address = _address(hop)
        if address is None:
            # Not an address: stop at the last one a trusted proxy vouched for.
            break
        client = address
        if not _is_proxy(address, proxies):
            break
    return str(client)


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """How many failures this (username, address) may have before it is locked
    (axes' AXES_FAILURE_LIMIT): 0 locks the address for everyone, 1 gives an
    unknown address one try at an account under attack (see the module's text)."""
    recent = AccessAttempt.objects.filter(
        attempt_time__gte=get_cool_off_threshold(request)
    )
    address = getattr(request, "axes_ip_address", None)
    if address is not None:
        from_address = _failures(recent.filter(ip_address=address))
        if from_address >= settings.LOGIN_FAILURES_PER_ADDRESS:
            return 0
    username = get_client_username(request, credentials)
    if username:
        on_account = _failures(recent.filter(username=username))
        if on_account >= settings.LOGIN_FAILURES_PER_ACCOUNT and not _signed_in_from(
            username, address
        ):
            return 1
    return settings.LOGIN_FAILURE_LIMIT


def _signed_in_from(username: str, address: str | None) -> bool:
    """Whether `username` signed in successfully from `address` lately (axes keeps
    a log of successful logins)."""
    if address is None:
        return False
    return AccessLog.objects.filter(
        username=username,
        ip_address=address,
        attempt_time__gte=timezone.now() - KNOWN_ADDRESS_FOR,
    ).exists()
