"""The account pages and the error pages in a real Chromium: reset a forgotten
password from the email's link, change a password, and the 403, CSRF, 404 and 500
pages, each passing the accessibility and width checks."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.template.loader import render_to_string

from tests.browser.checks import log_in, look_at

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-brand-new-passphrase-42"


def test_a_person_resets_a_forgotten_password(page, alice, live_server):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_selector("[data-testid=password-reset]")
    look_at(page, "password-reset")

    page.fill("input[name=email]", "alice@example.com")
    page.click("[data-testid=password-reset] button[type=submit]")
    page.wait_for_selector("[data-testid=done]")
    look_at(page, "password-reset-done")

    [link] = re.findall(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body)
    page.goto(link)
    page.wait_for_selector("[data-testid=set-password]")
    look_at(page, "password-reset-confirm")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("[data-testid=set-password] button[type=submit]")
    page.wait_for_selector("[data-testid=done]")
    look_at(page, "password-reset-complete")

    page.goto(link)
    page.wait_for_selector("[data-testid=invalid-link]")
    look_at(page, "password-reset-invalid-link")

    log_in(page, "alice", NEW_PASSWORD)
    assert page.inner_text("[data-testid=current-user]") == "alice"


def test_a_person_changes_their_password(page, bob):
    log_in(page, "bob", "bob-pass-1")
    page.click("[data-testid=current-user]")
    page.get_by_role("link", name="Change password").click()
    page.wait_for_selector("[data-testid=password-change]")
    look_at(page, "password-change")

    page.fill("input[name=old_password]", "bob-pass-1")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("[data-testid=password-change] button[type=submit]")
    page.wait_for_selector("[data-testid=done]")
    look_at(page, "password-change-done")


def test_the_error_pages_look_like_the_portal(page, alice):
    log_in(page, "alice", "alice-pass-1")
    response = page.goto("/uploads/999999/")
    assert response.status == 404
    assert "There is nothing here" in page.inner_text("main")
    look_at(page, "error-404")

    response = page.goto("/items/NO-SUCH-ITEM/")
    assert response.status == 404

    # The 403 and 500 pages have no URL of their own: show them as Django would.
    page.set_content(render_to_string("403.html"))
    assert "You may not do that" in page.inner_text("main")
    look_at(page, "error-403")
    page.set_content(render_to_string("500.html"))
    assert "Something went wrong on our side" in page.inner_text("main")
    look_at(page, "error-500")


def test_a_form_sent_with_an_expired_token_says_what_to_do(page, db):
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "alice-pass-1")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=csrf-failure]")
    assert "allow cookies for this site" in page.inner_text("main")
    look_at(page, "error-csrf")
