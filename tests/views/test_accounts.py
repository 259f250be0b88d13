"""The account pages under /accounts/ (Django's own views in the portal's look):
password reset by email with a link that works once, password change for a
signed-in person, and the page a form with an expired CSRF token lands on."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from tests.helpers import login_url

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
