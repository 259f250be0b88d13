"""Sign-in with the organization's provider (uploads/auth_oidc.py), the provider
faked at the HTTP level (`responses`): its discovery document, its keys and its
token endpoint, with ID tokens forged with its key (or another one).

Each refusal is a plain page, never a 500, and signs no one in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.test import Client

from uploads import auth_oidc
from uploads.models import AuditEvent, Membership, Team
from uploads.wording.history import sentence

ISSUER = "https://idp.example.test"
CLIENT_ID = "portal"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(autouse=True)
def oidc_settings(settings: Any) -> Iterator[None]:
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_DISCOVERY_URL = f"{ISSUER}/.well-known/openid-configuration"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "a-client-secret-long-enough-for-hs256"
    settings.OIDC_ORGANIZATION_NAME = "Example Corp"
    settings.OIDC_TEAM_GROUPS = {
        "finance-planners": [("finance", "uploader")],
        "finance-leads": [("finance", "manager")],
    }
    auth_oidc.forget_discovery()
    yield
    auth_oidc.forget_discovery()


@pytest.fixture
def provider() -> Iterator[responses.RequestsMock]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    jwk.update(kid="key-1", alg="RS256", use="sig")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            f"{ISSUER}/.well-known/openid-configuration",
            json={
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/jwks",
                "end_session_endpoint": f"{ISSUER}/logout",
            },
        )
        mock.get(f"{ISSUER}/jwks", json={"keys": [jwk]})
        mock.post(f"{ISSUER}/token", json={})  # each test says what it answers
        yield mock


@pytest.fixture
def finance(db: None) -> Team:
    return Team.objects.create(slug="finance", name="Finance")


def claims_for(email: str, nonce: str, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": f"sub-{email}",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "email": email,
        "email_verified": True,
        "preferred_username": email.split("@")[0],
        **extra,
    }


def forge(claims: dict[str, Any], key: Any = KEY) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})


def start(client: Client) -> tuple[str, str]:
    """Begin a sign-in: the (state, nonce) the portal sent to the provider."""
    response = client.get("/accounts/oidc/start/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{ISSUER}/authorize"
    )
    query = parse_qs(location.query)
    assert query["code_challenge_method"] == ["S256"]
    return query["state"][0], query["nonce"][0]


def come_back(
    client: Client, provider: responses.RequestsMock, state: str, id_token: str
) -> Any:
    provider.replace(
        responses.POST,
        f"{ISSUER}/token",
        json={"id_token": id_token, "access_token": "at", "token_type": "Bearer"},
    )
    return client.get("/accounts/oidc/callback/", {"code": "the-code", "state": state})


def sign_in(client: Client, provider: responses.RequestsMock, email: str, **extra):
    state, nonce = start(client)
    return come_back(client, provider, state, forge(claims_for(email, nonce, **extra)))


def signed_in_as(client: Client) -> str | None:
    response = client.get("/")
    if response.status_code != 200:
        return None
    return response.context["user"].get_username()


def test_a_new_person_in_a_mapped_group_gets_an_account_in_that_team(provider, finance):
    client = Client()
    response = sign_in(
        client, provider, "dana@example.org", groups=["finance-planners"]
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    dana = User.objects.get(email="dana@example.org")
    assert dana.username == "dana"
    assert not dana.has_usable_password()
    assert Membership.objects.get(user=dana, team=finance).role == "uploader"
    assert signed_in_as(client) == "dana"
    events = AuditEvent.objects.filter(actor=dana)
    assert [event.action for event in events] == [
        AuditEvent.Action.USER_CREATED_AT_SIGN_IN,
        AuditEvent.Action.MEMBERSHIP_SET_AT_SIGN_IN,
    ]
    assert sentence(events[1]) == (
        "dana was made an uploader at sign-in (group finance-planners)"
    )
    # The token exchange sent the PKCE verifier.
    token_call = next(c for c in provider.calls if c.request.url.endswith("/token"))
    assert "code_verifier=" in token_call.request.body


def test_an_existing_user_is_matched_by_a_verified_email(provider, alice):
    client = Client()
    response = sign_in(client, provider, alice.email.upper())

    assert response.status_code == 302
    assert signed_in_as(client) == "alice"
    assert User.objects.count() == 1


def test_an_unverified_email_never_matches_an_existing_account(provider, alice):
    client = Client()
    response = sign_in(client, provider, alice.email, email_verified=False)

    assert response.status_code == 403
    assert "did not confirm that your email address is verified" in (
        response.content.decode()
    )
    assert signed_in_as(client) is None


def test_someone_with_no_account_and_no_team_is_told_to_ask_a_manager(
    provider, finance
):
    client = Client()
    response = sign_in(client, provider, "erin@example.org", groups=["other"])

    assert response.status_code == 403
    assert "Ask a manager of your team to add you" in response.content.decode()
    assert not User.objects.filter(email="erin@example.org").exists()
    assert signed_in_as(client) is None


def test_a_group_removed_between_two_sign_ins_takes_the_role_away(provider, finance):
    client = Client()
    sign_in(client, provider, "dana@example.org", groups=["finance-leads"])
    dana = User.objects.get(email="dana@example.org")
    assert dana.memberships.get().role == "manager"
    client.post("/accounts/logout/")

    # Out of finance-leads, still a planner: manager becomes uploader.
    sign_in(client, provider, "dana@example.org", groups=["finance-planners"])
    assert dana.memberships.get().role == "uploader"
    client.post("/accounts/logout/")

    # Out of every group: no team left, so no way in either.
    response = sign_in(client, provider, "dana@example.org", groups=[])
    assert response.status_code == 403
    assert not dana.memberships.exists()
    assert signed_in_as(client) is None
    removed = AuditEvent.objects.filter(
        action=AuditEvent.Action.MEMBERSHIP_REMOVED_AT_SIGN_IN
    ).get()
    assert removed.team == finance
    assert "left the team at sign-in" in sentence(removed)


def test_teams_the_setting_does_not_name_are_left_alone(provider, finance, alice):
    client = Client()
    sign_in(client, provider, alice.email, groups=["finance-planners"])

    roles = dict(alice.memberships.values_list("team__slug", "role"))
    assert roles == {"sales": "uploader", "finance": "uploader"}


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda c, n: forge(claims_for(c, n))[:-6] + "AAAAAA", id="sig"),
        pytest.param(
            lambda c, n: forge(claims_for(c, n), key=OTHER_KEY), id="other-key"
        ),
        pytest.param(
            lambda c, n: forge(claims_for(c, n, aud="someone-else")), id="audience"
        ),
        pytest.param(
            lambda c, n: forge(claims_for(c, n, iss="https://evil.test")), id="issuer"
        ),
        pytest.param(
            lambda c, n: forge(claims_for(c, n, exp=int(time.time()) - 3600)),
            id="expired",
        ),
        pytest.param(lambda c, n: forge(claims_for(c, "not-the-nonce")), id="nonce"),
        pytest.param(
            lambda c, n: jwt.encode(
                claims_for(c, n),
                "a-client-secret-long-enough-for-hs256",
                algorithm="HS256",
            ),
            id="hs256",
        ),
        pytest.param(lambda c, n: "not.a.token", id="garbage"),
    ],
)
def test_an_id_token_that_fails_a_check_signs_no_one_in(provider, alice, tamper):
    client = Client()
    state, nonce = start(client)
    response = come_back(client, provider, state, tamper(alice.email, nonce))

    assert response.status_code == 400
    assert "could not be trusted" in response.content.decode()
    assert signed_in_as(client) is None


def test_a_replayed_state_is_refused(provider, alice):
    client = Client()
    state, nonce = start(client)
    token = forge(claims_for(alice.email, nonce))
    assert come_back(client, provider, state, token).status_code == 302
    client.post("/accounts/logout/")

    response = come_back(client, provider, state, token)
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert signed_in_as(client) is None


def test_a_state_from_another_browser_is_refused(provider, alice):
    state, nonce = start(Client())
    thief = Client()
    response = come_back(thief, provider, state, forge(claims_for(alice.email, nonce)))
    assert response.status_code == 400
    assert signed_in_as(thief) is None


def test_the_provider_refusing_the_code_is_a_plain_page(provider, alice):
    client = Client()
    state, _ = start(client)
    provider.replace(responses.POST, f"{ISSUER}/token", status=400, json={})
    response = client.get("/accounts/oidc/callback/", {"code": "x", "state": state})
    assert response.status_code == 502
    assert signed_in_as(client) is None


def test_the_provider_sending_an_error_back_is_a_plain_page(provider, alice):
    client = Client()
    state, _ = start(client)
    response = client.get(
        "/accounts/oidc/callback/", {"error": "access_denied", "state": state}
    )
    assert response.status_code == 403
    assert "did not sign you in" in response.content.decode()


def test_an_unreachable_provider_is_a_plain_page(db):
    with responses.RequestsMock() as mock:
        mock.get(f"{ISSUER}/.well-known/openid-configuration", status=503)
        response = Client().get("/accounts/oidc/start/")
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_signing_out_ends_the_providers_session_too(provider, alice):
    client = Client()
    sign_in(client, provider, alice.email)
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.netloc == "idp.example.test"
    assert location.path == "/logout"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"]
    assert signed_in_as(client) is None


def test_a_password_sign_out_stays_in_the_portal(provider, alice, client):
    client.force_login(alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_the_login_page_leads_with_the_organization(db, client):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Example Corp" in page
    assert page.index("Sign in with Example Corp") < page.index('name="password"')


def test_without_oidc_the_pages_are_not_there(settings, db, client):
    settings.OIDC_ENABLED = False
    assert client.get("/accounts/oidc/start/").status_code == 404
    assert client.get("/accounts/oidc/callback/").status_code == 404
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()


def test_local_passwords_for_staff_only(settings, db, alice, operator, client):
    backends = list(settings.AUTHENTICATION_BACKENDS)
    backends[backends.index("django.contrib.auth.backends.ModelBackend")] = (
        "uploads.auth_oidc.StaffOnlyModelBackend"
    )
    settings.AUTHENTICATION_BACKENDS = backends
    settings.LOCAL_LOGIN_STAFF_ONLY = True

    refused = client.post(
        "/accounts/login/", {"username": "alice", "password": "alice-pass-1"}
    )
    assert refused.status_code == 200
    assert signed_in_as(client) is None
    allowed = client.post(
        "/accounts/login/", {"username": "operator", "password": "operator-pass-1"}
    )
    assert allowed.status_code == 302
    assert signed_in_as(client) == "operator"
    assert "Operators only" in Client().get("/accounts/login/").content.decode()


def test_the_providers_sub_finds_the_account_after_the_address_changes(provider, alice):
    sign_in(Client(), provider, alice.email, sub="alice-at-idp")
    identity = alice.identities.get()
    assert (identity.issuer, identity.subject) == (ISSUER, "alice-at-idp")

    client = Client()
    response = sign_in(client, provider, "alice.new@example.org", sub="alice-at-idp")
    assert response.status_code == 302
    assert signed_in_as(client) == "alice"
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.org"  # followed, no second account
    assert User.objects.count() == 1


def test_an_address_given_to_someone_else_does_not_open_the_old_account(
    provider, alice
):
    sign_in(Client(), provider, alice.email, sub="alice-at-idp")
    # Alice left; the provider gave her address to a new person.
    client = Client()
    response = sign_in(client, provider, alice.email, sub="someone-new")
    assert response.status_code == 403
    assert "used by another person at Example Corp" in " ".join(
        response.content.decode().split()
    )
    assert signed_in_as(client) is None
    assert alice.identities.get().subject == "alice-at-idp"


def test_an_operator_removing_the_identity_lets_the_email_match_again(provider, alice):
    sign_in(Client(), provider, alice.email, sub="old-sub")
    alice.identities.all().delete()  # what the user admin's inline does
    client = Client()
    assert sign_in(client, provider, alice.email, sub="new-sub").status_code == 302
    assert signed_in_as(client) == "alice"
    assert alice.identities.get().subject == "new-sub"
