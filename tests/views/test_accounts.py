"""The account pages under /accounts/ (Django's own views in the portal's look):
password reset by email with a link that works once, password change for a
signed-in person, and the page a form with an expired CSRF token lands on. Reset
links are limited per address and per account, wrong current passwords per account,
and new passwords must pass Django's four validators."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from tests.helpers import login_url
from uploads.management.commands.seed_demo import DEMO_USERS

NEW_PASSWORD = "a-brand-new-passphrase-42"


def logs_in(username: str, password: str) -> bool:
    """True when the login page accepts the pair (a fresh browser each time)."""
    browser = Client()
    browser.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in browser.session


def reset_link(message: mail.EmailMessage) -> str:
    [link] = re.findall(r"http://testserver(/accounts/reset/\S+/)", message.body)
    return link


def test_the_reset_page_is_open_to_anyone(client, db):
    response = client.get("/accounts/password_reset/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Reset your password" in page
    assert 'name="email"' in page
    assert "form-control" in page  # rendered through crispy


def test_a_reset_email_carries_a_link_that_sets_a_new_password(client, alice):
    response = client.post(
        "/accounts/password_reset/", {"email": "alice@example.com"}, follow=True
    )
    assert response.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert b"a link is on its way" in response.content
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your password for the AchieveIt update portal"
    assert "Hello alice," in message.body
    assert "<" not in message.body  # plain text, nothing escaped or tagged

    form = client.get(reset_link(message), follow=True)
    assert b"Choose a new password" in form.content
    set_password_url = form.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain == [("/accounts/reset/done/", 302)]
    assert b"Your new password is set" in done.content
    assert logs_in("alice", NEW_PASSWORD)
    assert not logs_in("alice", "alice-pass-1")

    again = Client().get(reset_link(message), follow=True)
    assert b"The link was used already or has expired" in again.content


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, alice):
    response = client.post(
        "/accounts/password_reset/", {"email": "nobody@example.com"}, follow=True
    )
    assert response.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert mail.outbox == []


def test_mismatched_new_passwords_are_refused_with_a_message(client, alice):
    client.post("/accounts/password_reset/", {"email": "alice@example.com"})
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": "something-else-42"},
    )
    assert response.status_code == 200
    assert b"The two password fields didn" in response.content
    assert logs_in("alice", "alice-pass-1")


def test_a_signed_in_person_changes_their_password(client, bob):
    client.force_login(bob)
    page = client.get("/accounts/password_change/").content.decode()
    assert "<title>Change your password" in page
    assert 'name="old_password"' in page
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "bob-pass-1",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain == [("/accounts/password_change/done/", 302)]
    assert b"Your password has been changed" in response.content
    assert "_auth_user_id" in client.session  # still signed in here
    assert logs_in("bob", NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(client, bob):
    client.force_login(bob)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "not-it",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert b"Your old password was entered incorrectly" in response.content
    assert User.objects.get(username="bob").check_password("bob-pass-1")


def test_changing_a_password_needs_a_signed_in_person(client, db):
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response["Location"] == login_url("/accounts/password_change/")


def test_a_form_without_its_csrf_token_gets_a_page_that_says_what_to_do(db):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    response = browser.post(
        "/accounts/login/", {"username": "alice", "password": "alice-pass-1"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "<title>The form had expired" in page
    assert "Go back, reload the page and send the form again" in page
    assert "tabler.min.css" in page


# --- throttling (issue 11) ----------------------------------------------------------


@pytest.fixture
def counting_cache(settings):
    """A cache that keeps counts (the test settings' DummyCache keeps nothing)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    cache.clear()
    yield
    cache.clear()


def ask_reset(client: Client, email: str):
    return client.post("/accounts/password_reset/", {"email": email})


def test_reset_links_for_one_address_are_limited_with_a_clear_429(
    client, alice, counting_cache, settings
):
    settings.PASSWORD_RESET_PER_HOUR = 2
    assert ask_reset(client, "alice@example.com").status_code == 302
    # The address as typed, whatever its case, counts as the same address.
    assert ask_reset(client, "ALICE@example.com").status_code == 302

    refused = ask_reset(client, "alice@example.com")

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "<title>Reset your password" in page
    assert "Too many reset links were asked for this address" in page
    assert re.search(r"Try again in \d+ minutes?;", page)
    assert len(mail.outbox) == 2


def test_the_limit_answers_alike_whether_or_not_the_address_has_an_account(
    client, alice, counting_cache, settings
):
    settings.PASSWORD_RESET_PER_HOUR = 1
    answers = {}
    for email in ("alice@example.com", "nobody@example.com"):
        first = ask_reset(client, email)
        second = ask_reset(client, email)
        message = re.search(
            r'data-testid="throttled">([^<]*)<', second.content.decode()
        )
        answers[email] = (first.status_code, first["Location"], second.status_code)
        answers[email] += (re.sub(r"\d+ minutes?", "N", message[1]),)
    assert answers["alice@example.com"] == answers["nobody@example.com"]
    assert answers["nobody@example.com"][2] == 429


def test_reset_links_for_one_account_are_limited_whatever_the_address(
    client, alice, counting_cache, settings, caplog
):
    settings.PASSWORD_RESET_PER_HOUR = 2
    ask_reset(client, "alice@example.com")
    ask_reset(client, "alice@example.com")
    alice.email = "alice@sales.example"
    alice.save()

    with caplog.at_level(logging.WARNING):
        response = ask_reset(client, "alice@sales.example")

    # The answer any address gets: the page does not tell the account is held back.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 2
    assert f"Password reset link for user {alice.pk} held back" in caplog.text


def change_password(client: Client, old: str, new: str = NEW_PASSWORD):
    return client.post(
        "/accounts/password_change/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_wrong_current_passwords_close_the_change_form_for_a_while(
    client, bob, counting_cache, settings
):
    settings.PASSWORD_CHANGE_FAILURES_PER_HOUR = 2
    client.force_login(bob)
    assert change_password(client, "guess-1").status_code == 200
    assert change_password(client, "guess-2").status_code == 200

    # Even the right password is not looked at any more.
    refused = change_password(client, "bob-pass-1")

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "<title>Change your password" in page
    assert "Too many wrong current passwords" in page
    assert "Forgot your password?" in page
    assert "bob-pass-1" not in page
    assert User.objects.get(username="bob").check_password("bob-pass-1")


def test_the_change_form_counts_only_wrong_current_passwords_of_that_account(
    client, alice, bob, counting_cache, settings
):
    settings.PASSWORD_CHANGE_FAILURES_PER_HOUR = 1
    client.force_login(bob)
    change_password(client, "guess-1")
    mismatch = {
        "old_password": "alice-pass-1",
        "new_password1": NEW_PASSWORD,
        "new_password2": "something-else-42",
    }
    client.force_login(alice)
    for _ in range(3):  # a right current password with new ones that differ
        response = client.post("/accounts/password_change/", mismatch)
        assert response.status_code == 200
        assert b"The two password fields didn" in response.content

    changed = change_password(client, "alice-pass-1")

    assert changed.status_code == 302
    assert logs_in("alice", NEW_PASSWORD)


# --- password rules (issue 11: Django's four validators) -------------------------


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("bob@example.com", "The password is too similar to the email address."),
        ("short-1", "This password is too short."),
        ("password123", "This password is too common."),
        ("83920571639462", "This password is entirely numeric."),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason(
    client, bob, new_password, message
):
    client.force_login(bob)
    response = change_password(client, "bob-pass-1", new_password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(username="bob").check_password("bob-pass-1")


def test_the_readme_demo_passwords_pass_the_rules(db, settings):
    refused = {}
    for username, (password, _staff, _role) in DEMO_USERS.items():
        user = User(username=username, email=f"{username}@example.com")
        try:
            validate_password(password, user)
        except ValidationError as error:
            refused[username] = error.messages
    assert len(DEMO_USERS) == 3
    assert refused == {}


def test_the_admins_change_password_form_is_the_throttled_one(client, operator):
    """Django's admin has its own change-password form, unthrottled: it sends staff
    to the portal's, which counts wrong current passwords."""
    client.force_login(operator)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/"
