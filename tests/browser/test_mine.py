"""The uploads page in a real browser: empty, a full list with drafts ready and
with errors, two drafts ticked and discarded at once, a filter that finds
nothing, a bad filter; the API token shown once and copied with its button."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory
from tests.helpers import state_of
from uploads.models import Upload

pytestmark = pytest.mark.browser
State = Upload.State


def test_an_empty_list_says_what_to_do(page, alice):
    log_in(page, "alice", then="/uploads/")
    assert "Enter this week's updates" in page.inner_text("[data-testid=empty]")
    look_at(page, "my-uploads-empty")


def test_drafts_are_listed_and_several_discarded_at_once(page, alice, bob, team):
    ready = UploadFactory(
        team=team, created_by=alice, original_name="week 48 sales updates final.csv"
    )
    broken = UploadFactory(
        team=team,
        created_by=alice,
        original_name="week 47.csv",
        normalized_csv="",
        row_count=0,
        findings=[
            {"severity": "error", "line": 2, "column": "Status", "message": "a"},
            {"severity": "error", "line": 3, "column": "Status", "message": "b"},
        ],
    )
    kept = UploadFactory(team=team, created_by=alice, original_name="keep me.csv")
    for state in (State.SUCCEEDED, State.FAILED, State.NEEDS_REVIEW):
        UploadFactory(team=team, created_by=alice, state=state)
    UploadFactory(team=team, created_by=bob, state=State.SUCCEEDED)
    UploadFactory(team=team, state=State.SUCCEEDED, source=Upload.Source.API)
    log_in(page, "alice", then="/uploads/")
    rows = page.locator("[data-testid=upload-row]")
    assert rows.count() == 8
    assert "Ready to send" in page.inner_text(f"tr:has(a:text('#{ready.number}'))")
    assert "2 errors to fix" in page.inner_text(f"tr:has(a:text('#{broken.number}'))")
    look_at(page, "my-uploads-full")

    page.check(f"[data-testid=tick-{ready.public_id}]")
    page.check(f"[data-testid=tick-{broken.public_id}]")
    page.click("[data-testid=discard-selected]")
    page.wait_for_selector("text=Discarded 2 drafts")
    assert state_of(ready) == State.REJECTED
    assert state_of(broken) == State.REJECTED
    assert state_of(kept) == State.DRAFT
    look_at(page, "my-uploads-discarded")


def test_filters_that_find_nothing_and_a_bad_filter(page, alice, team):
    UploadFactory(team=team, created_by=alice)
    log_in(page, "alice", then="/uploads/?state=failed")
    assert "No upload matches these filters" in page.inner_text("[data-testid=empty]")
    look_at(page, "my-uploads-none-found")
    page.goto("/uploads/?number=abc")
    assert "such as 123 or #123" in page.inner_text("main")
    look_at(page, "my-uploads-bad-filter")


def test_a_new_token_is_copied_with_its_button(page, alice, live_server):
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    log_in(page, "alice", then="/teams/sales/tokens/")
    page.fill("input[name=name]", "weekly export")
    page.get_by_role("button", name="Create a token").click()
    page.wait_for_selector("[data-testid=copy-token]")
    plaintext = page.input_value("#new-token-value")
    page.click("[data-testid=copy-token]")
    page.wait_for_selector("[data-testid=copy-token]:has-text('Copied')")
    assert page.evaluate("() => navigator.clipboard.readText()") == plaintext
    assert page.inner_text("#new-token-copied") == "Copied"
    look_at(page, "tokens-copied")
