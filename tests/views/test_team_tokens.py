"""A team's API tokens page (/teams/<slug>/tokens/) and revoking one. Everyone in
the team sees the list (names, prefixes, last use, never a token); uploaders,
managers and staff create and revoke; a token is shown once, on the page that made
it. Another team's member gets a 404."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from tests.helpers import login_url, make_user
from uploads.models import ApiToken, Membership
from uploads.services.tokens import token_authenticate, token_create

PAGE = "/teams/sales/tokens/"


@pytest.fixture
def weekly(team, alice):
    return token_create(team=team, name="weekly export", actor=alice)


def revoke_url(token: ApiToken) -> str:
    return f"/teams/sales/tokens/{token.pk}/revoke/"


def test_it_sends_anonymous_visitors_to_log_in(client, team):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == login_url(PAGE)


def test_an_empty_list_says_what_to_do(client, alice):
    client.force_login(alice)

    page = client.get(PAGE).content.decode()

    assert "No API tokens yet" in page
    assert "Create a token" in page


def test_a_viewer_sees_the_list_but_no_controls(client, bob, weekly):
    token, plaintext = weekly
    client.force_login(bob)

    page = client.get(PAGE).content.decode()

    assert "weekly export" in page
    assert f"{token.prefix}…" in page
    assert plaintext not in page
    assert "Create a token" not in page
    assert "Revoke" not in page


def test_a_viewer_may_not_create_or_revoke(client, bob, weekly):
    token, plaintext = weekly
    client.force_login(bob)

    assert client.post(PAGE, {"name": "mine"}).status_code == 404
    assert client.get(revoke_url(token)).status_code == 404
    assert client.post(revoke_url(token)).status_code == 404
    assert ApiToken.objects.count() == 1
    assert token_authenticate(plaintext) == token


@pytest.mark.parametrize("who", ["alice", "maria", "operator"])
def test_uploaders_managers_and_staff_create_a_token_shown_once(
    client, team, alice, operator, who
):
    make_user("maria", team, Membership.Role.MANAGER)
    client.force_login({"alice": alice, "operator": operator}.get(who) or _user(who))

    response = client.post(PAGE, {"name": "weekly finance export"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    token = ApiToken.objects.get()
    plaintext = _shown_token(page)
    assert token_authenticate(plaintext) == token
    assert token.name == "weekly finance export"
    assert token.created_by.username == who
    assert f"{token_base()}/api/progressupdates/updates.csv" in page
    assert f'"Authorization: API-KEY {plaintext}"' in page
    # Shown once: the list afterwards names it, never shows it.
    assert plaintext not in client.get(PAGE).content.decode()


def test_a_token_needs_a_name(client, alice):
    client.force_login(alice)

    response = client.post(PAGE, {"name": "  "})

    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_refuses_the_token(client, alice, weekly):
    token, plaintext = weekly
    client.force_login(alice)

    confirm = client.get(revoke_url(token)).content.decode()
    assert "Revoke the token" in confirm
    assert token_authenticate(plaintext) == token

    response = client.post(revoke_url(token), follow=True)

    page = response.content.decode()
    assert "Revoked the token" in page
    assert "Revoked" in page
    assert token_authenticate(plaintext) is None


def test_another_teams_member_gets_a_404(client, charlie, weekly):
    token, plaintext = weekly
    client.force_login(charlie)

    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"name": "sneaky"}).status_code == 404
    assert client.post(revoke_url(token)).status_code == 404
    assert token_authenticate(plaintext) == token


def test_a_token_of_another_team_cannot_be_revoked_through_this_one(
    client, alice, other_team, charlie
):
    token, plaintext = token_create(team=other_team, name="finance", actor=charlie)
    client.force_login(alice)

    assert client.post(revoke_url(token)).status_code == 404
    assert token_authenticate(plaintext) == token


def test_wrong_methods_are_refused(client, alice, weekly):
    client.force_login(alice)

    assert client.put(PAGE).status_code == 405
    assert client.delete(revoke_url(weekly[0])).status_code == 405


def test_the_dashboard_links_to_the_tokens(client, bob):
    client.force_login(bob)

    assert f'href="{PAGE}"' in client.get("/").content.decode()


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _shown_token(page: str) -> str:
    match = re.search(r'id="new-token-value"[^>]* value="([^"]+)"', page)
    assert match, "the new token is shown"
    return match.group(1)


def token_base() -> str:
    return settings.PORTAL_BASE_URL
