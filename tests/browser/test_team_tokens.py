"""The team's API tokens page in a real Chromium: empty, a token made and shown
once with the curl lines, the list after it was used, revoking it after a
confirmation; a viewer's read-only list. Each passes the accessibility and width
checks."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from uploads.models import ApiToken
from uploads.services.tokens import token_authenticate, token_create

pytestmark = pytest.mark.browser


def test_an_uploader_makes_uses_and_revokes_a_token(page, alice, live_server):
    log_in(page, "alice", then="/teams/sales/tokens/")
    page.wait_for_selector("[data-testid=tokens-empty]")
    look_at(page, "tokens-empty")

    page.fill("input[name=name]", "weekly finance export with a rather long name")
    page.get_by_role("button", name="Create a token").click()
    page.wait_for_selector("[data-testid=new-token]")
    look_at(page, "tokens-created")
    plaintext = page.input_value("#new-token-value")
    assert token_authenticate(f"API-KEY {plaintext}") is not None
    assert plaintext in page.inner_text("[data-testid=curl-lines]")

    page.goto("/teams/sales/tokens/")
    assert plaintext not in page.content()
    page.get_by_role("link", name="Revoke weekly finance export").click()
    page.wait_for_selector("text=cannot be undone")
    look_at(page, "tokens-revoke-confirm")
    page.get_by_role("button", name="Revoke the token").click()
    page.wait_for_selector("text=Revoked the token")
    look_at(page, "tokens-revoked")
    assert token_authenticate(plaintext) is None


def test_a_viewer_sees_the_list_only(page, bob, alice, team, live_server):
    for name in ("weekly export", "nightly push"):
        token_create(team=team, name=name, actor=alice)
    token_authenticate(f"API-KEY {token_create(team=team, name='ci', actor=None)[1]}")
    ApiToken.objects.filter(name="nightly push").update(revoked_at="2026-11-01T10:00Z")
    log_in(page, "bob", then="/teams/sales/tokens/")
    page.wait_for_selector("[data-testid=tokens]")
    look_at(page, "tokens-viewer")

    assert page.locator("[data-testid=token-row]").count() == 3
    assert page.get_by_role("button", name="Create a token").count() == 0
    assert page.get_by_role("link", name="Revoke weekly export").count() == 0
