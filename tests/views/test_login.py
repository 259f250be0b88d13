"""The login page (/accounts/login/): open to anyone, lands on the dashboard, and
throttles repeated failures: per username and address (the address from the proxy's
X-Forwarded-For only when the connection comes from a trusted proxy), per address
for any usernames, and per account with a cap that slows without locking the owner
out of the addresses they sign in from."""

from __future__ import annotations

import pytest
from django.test import Client

PROXY = "10.0.0.2"  # nginx, as FORWARDED_ALLOW_IPS names it
MALLORY = "203.0.113.66"
ALICE_HOME = "198.51.100.7"


def test_the_login_page_answers(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_alice_logs_in_and_lands_on_her_teams(client, alice):
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "alice-pass-1"},
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert 'data-testid="team-sales"' in page
    assert ">Uploader</span>" in page


def test_a_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Please enter a correct username and password" in response.content


def test_login_is_throttled_after_repeated_failures(client, alice, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "alice-pass-1"}
    )
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def attempt(username: str, password: str, address: str, **headers: str) -> int:
    """One login from a fresh browser at `address`, reaching the portal through the
    trusted proxy: 302 signed in, 200 refused, 429 locked."""
    response = Client().post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
        **headers,
    )
    return response.status_code


@pytest.fixture
def behind_proxy(settings):
    settings.FORWARDED_ALLOW_IPS = [PROXY]
    return settings


def test_failures_from_one_visitor_do_not_lock_the_account_for_others(
    alice, behind_proxy
):
    for _ in range(behind_proxy.LOGIN_FAILURE_LIMIT - 1):
        assert attempt("alice", "wrong", MALLORY) == 200
    assert attempt("alice", "wrong", MALLORY) == 429

    assert attempt("alice", "alice-pass-1", MALLORY) == 429
    assert attempt("alice", "alice-pass-1", ALICE_HOME) == 302


def test_a_visitor_cannot_choose_the_address_counted_without_a_proxy(alice, settings):
    settings.FORWARDED_ALLOW_IPS = [PROXY]
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR=MALLORY,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )

    response = Client().post(
        "/accounts/login/",
        {"username": "alice", "password": "alice-pass-1"},
        REMOTE_ADDR=MALLORY,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_an_address_a_visitor_prepends_to_the_proxys_header_is_not_believed(
    alice, behind_proxy
):
    # nginx replaces the header; a proxy that appends leaves the visitor's own
    # entries on the left, and only the right-most untrusted one counts.
    for number in range(behind_proxy.LOGIN_FAILURE_LIMIT):
        attempt("alice", "wrong", f"192.0.2.{number}, {MALLORY}")

    assert attempt("alice", "alice-pass-1", f"192.0.2.99, {MALLORY}") == 429


def test_one_address_trying_many_usernames_is_locked_for_all(alice, bob, behind_proxy):
    behind_proxy.LOGIN_FAILURES_PER_ADDRESS = 8
    for number in range(7):
        assert attempt(f"someone{number}", "Summer2025!", MALLORY) == 200
    assert attempt("someone7", "Summer2025!", MALLORY) == 429

    assert attempt("bob", "bob-pass-1", MALLORY) == 429
    assert attempt("bob", "bob-pass-1", ALICE_HOME) == 302


def test_an_account_under_attack_slows_new_addresses_but_not_its_own(
    alice, behind_proxy
):
    behind_proxy.LOGIN_FAILURES_PER_ACCOUNT = 6
    assert attempt("alice", "alice-pass-1", ALICE_HOME) == 302
    for number in range(5):
        assert attempt("alice", "wrong", f"192.0.2.{number}") == 200
    assert attempt("alice", "wrong", "192.0.2.5") == 429

    # From now on a new address gets one try: a wrong one locks it there.
    assert attempt("alice", "wrong", "192.0.2.50") == 429
    assert attempt("alice", "alice-pass-1", "192.0.2.50") == 429
    # The address alice signs in from keeps the usual allowance.
    for _ in range(behind_proxy.LOGIN_FAILURE_LIMIT - 1):
        assert attempt("alice", "wrong", ALICE_HOME) == 200
    assert attempt("alice", "alice-pass-1", ALICE_HOME) == 302
    # ... and a new address that gets the password right on its one try is let in.
    assert attempt("alice", "alice-pass-1", "192.0.2.51") == 302
