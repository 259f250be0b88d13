"""Team management in a real Chromium: a manager adds a member by email and
imports a mapping (a file with errors first, then the fixed one, previewed then
applied); the invited person sets a password from the emailed link and logs in;
staff create a team and see it empty. Each page passes the accessibility and width
checks."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.browser.checks import log_in, look_at
from tests.helpers import make_user
from uploads.models import Membership, PlanItem

pytestmark = pytest.mark.browser

BAD_MAPPING = (
    "External ID,Name,Has Metric\n"
    "SALES-Q4-03,Q4 renewals,maybe\n"
    "FIN-CLOSE,Not ours,yes\n"
    "SALES-Q4-04\n"
)
GOOD_MAPPING = (
    "External ID,Name,Has Metric\n"
    "SALES-Q4-03,Q4 renewals,yes\n"
    "SALES-Q4-01,Q4 pipeline cover,yes\n"
    "SALES-Q4-02,Q4 bookings,no\n"
)


def choose_mapping(page, text: str) -> None:
    page.set_input_files(
        "input[type=file]",
        {"name": "mapping.csv", "mimeType": "text/csv", "buffer": text.encode()},
    )
    page.get_by_role("button", name="Preview the changes").click()


def test_a_manager_adds_a_member_and_imports_a_mapping(
    page, team, alice, bob, plan_items, settings
):
    make_user("maria", team, Membership.Role.MANAGER)
    log_in(page, "maria")
    page.get_by_role("link", name="Teams").first.click()
    page.wait_for_selector("[data-testid=teams]")
    look_at(page, "teams-list")

    page.get_by_role("link", name="Sales", exact=True).click()
    page.wait_for_selector("[data-testid=members]")
    page.fill("input[name=who]", "dana@example.com")
    page.select_option("[data-testid=member-add] select[name=role]", "uploader")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_selector("text=Invited dana@example.com as an uploader")
    members = page.inner_text("[data-testid=members]")
    assert "dana@example.com" in members
    assert "Invited, no password yet" in members
    look_at(page, "team-manage-full")

    page.get_by_role("link", name="Import a mapping CSV").first.click()
    look_at(page, "team-import")
    choose_mapping(page, BAD_MAPPING)
    errors = page.inner_text("[data-testid=import-errors]")
    assert "'maybe' is not yes/no" in errors
    assert "'FIN-CLOSE' cannot be added to this team" not in errors  # row 2 bad
    assert "expected 3 columns" in errors
    assert page.locator("[data-testid=apply]").count() == 0
    look_at(page, "team-import-preview-errors")

    choose_mapping(page, GOOD_MAPPING)  # the corrected file, from the same page
    page.wait_for_selector("[data-testid=apply]")
    assert page.inner_text("[data-testid=count-new]") == "1"
    assert page.inner_text("[data-testid=count-edited]") == "2"
    assert not PlanItem.objects.filter(external_id="SALES-Q4-03").exists()
    look_at(page, "team-import-preview")
    page.locator("[data-testid=apply]").click()
    page.wait_for_selector("text=Imported the mapping: 1 new, 2 changed, 0 unchanged.")
    assert "Q4 renewals" in page.inner_text("[data-testid=items]")
    assert PlanItem.objects.get(external_id="SALES-Q4-02").has_metric is False

    # The invited person follows the emailed link, sets a password, logs in.
    (email,) = mail.outbox
    link = re.search(r"^http\S+/accounts/reset/\S+$", email.body, re.M).group(0)
    page.context.clear_cookies()
    page.goto(link.removeprefix(settings.PORTAL_BASE_URL))
    page.fill("input[name=new_password1]", "a-long-pass-9x")
    page.fill("input[name=new_password2]", "a-long-pass-9x")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    log_in(page, "dana", "a-long-pass-9x")
    assert page.inner_text("[data-testid=current-user]").strip() == "dana"


def test_staff_create_a_team_and_see_it_empty(page, db):
    make_user("operator", staff=True)
    log_in(page, "operator")
    page.goto("/teams/")
    look_at(page, "teams-list-empty")
    page.fill("input[name=slug]", "field-ops")
    page.fill("input[name=name]", "Field Operations")
    page.get_by_role("button", name="Create the team").click()
    page.wait_for_selector("[data-testid=members-empty]")
    assert "No plan items yet" in page.inner_text("[data-testid=items-card]")
    look_at(page, "team-manage-empty")


def test_a_manager_is_told_which_external_ids_no_file_can_carry(page, team, plan_items):
    # Stored before imports checked IDs: left out of the template, pointed out here.
    PlanItem.objects.create(team=team, external_id="SALES,Q4", name="Comma")
    PlanItem.objects.create(team=team, external_id="=HYPERLINK(1)", name="Formula")
    make_user("maria", team, Membership.Role.MANAGER)
    log_in(page, "maria")
    page.goto(f"/teams/{team.slug}/manage/")
    warning = page.inner_text("[data-testid=unwritable-ids]")
    assert "2 active plan items cannot be sent" in warning
    assert "SALES,Q4" in warning
    assert "=HYPERLINK(1)" in warning
    look_at(page, "team-manage-unwritable-ids")

    page.get_by_role("link", name="Import a mapping CSV").first.click()
    choose_mapping(page, "External ID,Name,Has Metric\n@cmd,Command,no\n")
    errors = page.inner_text("[data-testid=import-errors]")
    assert "'@cmd' starts with '@'" in errors
    assert "Correct the ID, or delete the row." in errors
    look_at(page, "team-import-preview-bad-ids")
