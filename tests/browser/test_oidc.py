"""Sign in through a real OpenID Connect provider (tests/oidc_provider/, its own
process) in Chromium, and land in the team the provider's groups give."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers import ProcessGroup, free_port, wait_until
from uploads import auth_oidc
from uploads.models import Membership, Team

pytestmark = pytest.mark.browser

CLIENT_ID = "portal-client"
CLIENT_SECRET = "portal-client-secret-for-tests-only"
PEOPLE = [
    {
        "username": "dana",
        "password": "dana-provider-pass",
        "email": "dana@example.org",
        "email_verified": True,
        "groups": ["finance-planners"],
    },
    {
        "username": "erin",
        "password": "erin-provider-pass",
        "email": "erin@example.org",
        "email_verified": True,
        "groups": [],
    },
]


def _discovered(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def provider(live_server: Any, tmp_path: Path, settings: Any) -> Iterator[str]:
    """The provider on a free port, the portal configured for it; its issuer."""
    port = free_port()
    people = tmp_path / "people.json"
    people.write_text(json.dumps(PEOPLE))
    processes = ProcessGroup(tmp_path)
    process = processes.start(
        "oidc-provider",
        [
            sys.executable,
            "-m",
            "tests.oidc_provider",
            "--port",
            str(port),
            "--people",
            str(people),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--redirect-uri",
            f"{live_server.url}/accounts/oidc/callback/",
            "--logout-uri",
            f"{live_server.url}/accounts/login/",
            "--db",
            str(tmp_path / "provider.sqlite3"),
        ],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())},
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        discovery = f"{issuer}/.well-known/openid-configuration"
        try:
            wait_until(lambda: _discovered(discovery), timeout=30, interval=0.2)
        except pytest.fail.Exception:
            pytest.fail(f"the test provider did not start:\n{process.log()}")
        settings.OIDC_ENABLED = True
        settings.OIDC_ISSUER = issuer
        settings.OIDC_DISCOVERY_URL = discovery
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_ORGANIZATION_NAME = "Example Corp"
        settings.OIDC_TEAM_GROUPS = {"finance-planners": [("finance", "uploader")]}
        # As settings.py does for OIDC_ISSUER: sign-out goes on to the provider.
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"].append(f"http://127.0.0.1:{port}")
        settings.CONTENT_SECURITY_POLICY = policy
        auth_oidc.forget_discovery()
        yield issuer
    finally:
        auth_oidc.forget_discovery()
        processes.stop_all()


def sign_in_at_provider(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.click("[data-testid=oidc-sign-in]")
    page.wait_for_selector("#provider-sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#provider-sign-in")


def test_a_person_signs_in_through_the_provider_and_lands_in_their_team(
    provider, page, other_team: Team
):
    sign_in_at_provider(page, "dana", "dana-provider-pass")

    page.wait_for_selector("[data-testid=teams]")
    assert page.inner_text("[data-testid=current-user]") == "dana"
    assert "Finance" in page.inner_text("[data-testid=teams]")
    membership = Membership.objects.get(user__email="dana@example.org")
    assert membership.team == other_team
    assert membership.role == "uploader"


def test_someone_in_no_team_is_told_to_ask_a_manager(provider, page, other_team):
    sign_in_at_provider(page, "erin", "erin-provider-pass")

    page.wait_for_selector("[data-testid=oidc-no-team]")
    assert "Ask a manager of your team" in page.inner_text("[data-testid=oidc-no-team]")


def test_signing_out_ends_the_providers_session_too(provider, page, other_team):
    sign_in_at_provider(page, "dana", "dana-provider-pass")
    page.wait_for_selector("[data-testid=teams]")

    page.click("[data-testid=current-user]")
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/")

    # The provider forgot dana too: signing in asks for her password again.
    page.click("[data-testid=oidc-sign-in]")
    page.wait_for_selector("#provider-sign-in")
