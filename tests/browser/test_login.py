"""Log in through a real Chromium and see the dashboard."""

from __future__ import annotations

import pytest

from tests.browser.checks import look_at

pytestmark = pytest.mark.browser


def test_a_person_logs_in_and_sees_their_teams(page, alice, other_team):
    page.goto("/")
    assert "/accounts/login/" in page.url

    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "alice-pass-1")
    page.click("button[type=submit]")

    page.wait_for_selector("[data-testid=teams]")
    assert page.inner_text("[data-testid=current-user]") == "alice"
    teams = page.inner_text("[data-testid=teams]")
    assert "Sales" in teams
    assert "Finance" not in teams


def test_a_wrong_password_keeps_the_person_on_the_login_page(page, alice):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "not-her-password")
    page.click("button[type=submit]")

    page.wait_for_selector(".alert, .invalid-feedback, .errorlist")
    assert "/accounts/login/" in page.url
    assert page.input_value("input[name=username]") == "alice"


def test_the_login_page_and_the_dashboard_pass_the_browser_checks(page, alice):
    page.goto("/accounts/login/")
    look_at(page, "login")

    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "alice-pass-1")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=teams]")
    look_at(page, "dashboard")
