"""Sign in with the organization's identity provider (OpenID Connect).

Built on mozilla-django-oidc (authorization code flow, PKCE, state and nonce kept
in the session, RS256 keys from the provider's JWKS), with what the portal adds:

- endpoints read from the provider's discovery document (cached), unless set;
- the ID token's issuer, audience, expiry and signature all checked (the library
  leaves the audience unchecked and lets some token errors through as 500s);
- a person found by the provider's `sub` once they signed in (SignInIdentity),
  and the first time matched to an existing account by a *verified* email only,
  never to an account another `sub` already signed in to; someone
  with no account and no team is told to ask a manager, and no user is created;
- teams and roles from the groups claim (settings.OIDC_TEAM_GROUPS), applied at
  each sign-in, every change audited;
- sign-out that ends the provider's session too, where it has an end-session
  endpoint.

Every failure is a plain page (400 or 403), never a 500. The sign-in does not go
through django.contrib.auth.authenticate(): django-axes would count a refused
sign-in as a wrong password at the person's address (the provider throttles its
own logins).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from uploads.models import AuditEvent, Membership, SignInIdentity, Team
from uploads.services.audit import audit
from uploads.services.teams import _free_username

logger = logging.getLogger(__name__)

BACKEND = "uploads.auth_oidc.OIDCBackend"
# How far the portal's clock and the provider's may disagree (exp, iat, nbf).
CLOCK_SKEW_SECONDS = 60
DISCOVERY_CACHE_SECONDS = 3600
RANKS = {
    Membership.Role.VIEWER: 1,
    Membership.Role.UPLOADER: 2,
    Membership.Role.MANAGER: 3,
}
# The library's setting names, each with its key in the discovery document.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


class SignInRefused(Exception):
    """The provider vouched for the person, but the portal does not let them in."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoTeam(SignInRefused):
    """Known to the provider, but not to the portal: no account and no team."""


def enabled() -> bool:
    """Whether sign-in with the organization's provider is configured."""
    return bool(getattr(settings, "OIDC_ENABLED", False))


_discovery_lock = threading.Lock()
_discovery_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def discovery() -> dict[str, Any]:
    """The provider's discovery document, fetched at first use and kept for an
    hour. Raises ProviderUnavailable when it cannot be read."""
    url = settings.OIDC_DISCOVERY_URL
    if not url:
        return {}
    with _discovery_lock:
        cached = _discovery_cache.get(url)
        if cached and time.monotonic() - cached[0] < DISCOVERY_CACHE_SECONDS:
            return cached[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{url}: {error}") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url}: not a discovery document")
    with _discovery_lock:
        _discovery_cache[url] = (time.monotonic(), document)
    return document


def forget_discovery() -> None:
    """Drop the cached discovery documents (tests, a provider that moved)."""
    with _discovery_lock:
        _discovery_cache.clear()


def setting(name: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting: an endpoint set explicitly wins over the
    discovery document's; anything else is read from the settings."""
    if name in DISCOVERED:
        explicit = getattr(settings, name, "")
        return explicit or discovery().get(DISCOVERED[name], "")
    if default:
        return getattr(settings, name, default[0])
    return getattr(settings, name)


def issuer() -> str:
    """The issuer the ID token's `iss` must name."""
    return settings.OIDC_ISSUER or discovery().get("issuer", "")


def _is_true(value: Any) -> bool:
    # Some providers send the boolean claims as strings.
    return value is True or (isinstance(value, str) and value.lower() == "true")


# --- the backend ----------------------------------------------------------------


class OIDCBackend(OIDCAuthenticationBackend):
    """Checks the provider's answer and finds (or makes) the portal's user.

    It authenticates nothing through django.contrib.auth.authenticate() (see the
    module's text): CallbackView calls sign_in(). It restores sessions like
    Django's ModelBackend (an inactive user's session ends).
    """

    get_settings = staticmethod(setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads the endpoints here; this backend reads them when it
        # needs them, so restoring a session never waits on the provider.
        self.UserModel = get_user_model()
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.id_token = ""

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: setting("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> None:
        """Nothing: a password form must never start a token exchange."""
        return None

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        return ModelBackend.get_user(self, user_id)

    def sign_in(
        self, request: HttpRequest, *, nonce: str | None, code_verifier: str | None
    ) -> AbstractBaseUser:
        """Exchange the callback's code, check the ID token, return the user.

        Raises SuspiciousOperation for a token that fails a check,
        requests.RequestException when the provider cannot be reached or
        refuses the code, SignInRefused (NoTeam) for a person not let in.
        """
        self.request = request
        token_info = self.get_token(
            {
                "client_id": self.OIDC_RP_CLIENT_ID,
                "client_secret": self.OIDC_RP_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "code": request.GET["code"],
                "redirect_uri": request.build_absolute_uri(
                    reverse("oidc_authentication_callback")
                ),
                **({"code_verifier": code_verifier} if code_verifier else {}),
            }
        )
        id_token = token_info.get("id_token")
        access_token = token_info.get("access_token")
        if not isinstance(id_token, str) or not id_token:
            raise SuspiciousOperation("The provider's answer holds no ID token")
        payload = self.verify_token(id_token, nonce=nonce)
        self.id_token = id_token
        return self.get_or_create_user(access_token, id_token, payload)

    def _verify_jws(self, payload: bytes | str, key: Any) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience and times
        are checked; raises SuspiciousOperation for any failure."""
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
            if algorithm != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation(
                    f"ID token signed with {algorithm!r}, not "
                    f"{self.OIDC_RP_SIGN_ALGO!r}"
                )
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer(),
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from None
        audience = claims["aud"]
        # With several audiences the token must have been issued to the portal.
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token issued to another party (azp)")
        return claims

    def retrieve_matching_jwk(self, token: str) -> Any:
        try:
            return super().retrieve_matching_jwk(token)
        except (KeyError, TypeError, ValueError, jwt.PyJWTError) as error:
            raise SuspiciousOperation(f"No usable signing key: {error}") from None

    def store_tokens(self, access_token: str, id_token: str) -> None:
        # Kept by CallbackView after login(), which may start a new session.
        self.id_token = id_token

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint's when the
        provider has one (its `sub` must be the token's)."""
        claims = dict(payload)
        if access_token and self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about someone else")
            claims.update(info)
        return claims

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> AbstractBaseUser:
        """The portal's user for these claims, their teams applied from the
        groups claim. Raises SignInRefused or NoTeam."""
        claims = self.get_userinfo(access_token, id_token, payload)
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise SignInRefused("no_email")
        verified = settings.OIDC_ASSUME_EMAIL_VERIFIED or _is_true(
            claims.get("email_verified")
        )
        if not verified:
            # Never matched to an account: anyone could claim its address.
            raise SignInRefused("unverified_email")
        with transaction.atomic():
            user, identity = self._find_user(claims, email)
            if user is not None and not user.is_active:
                raise SignInRefused("inactive")
            groups = _groups(claims)
            if user is None:
                if not _wanted_roles(groups):
                    raise NoTeam("no_team")
                user = self._create_user(claims, email)
            _remember_identity(user, identity, str(claims["sub"]), email)
            apply_team_groups(user, groups)
        # After the block: a role taken away stays taken away, even when it was
        # the last one and the person is therefore not let in.
        if not user.is_staff and not user.memberships.exists():
            raise NoTeam("no_team")
        return user

    def _find_user(
        self, claims: dict[str, Any], email: str
    ) -> tuple[AbstractBaseUser | None, SignInIdentity | None]:
        """The account for these claims: by the provider's `sub` first (it never
        changes), else by the verified email, unless that account already signed
        in as another `sub` of this provider (the address was given to someone
        else). (None, None) for someone the portal does not know yet."""
        identity = (
            SignInIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer(), subject=str(claims["sub"]))
            .first()
        )
        if identity is not None:
            return identity.user, identity
        users = list(self.UserModel.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            raise SignInRefused("ambiguous_email")
        user = users[0] if users else None
        if user is not None and user.identities.filter(issuer=issuer()).exists():
            raise SignInRefused("email_of_another_person")
        return user, None

    def _create_user(self, claims: dict[str, Any], email: str) -> AbstractBaseUser:
        wanted = claims.get("preferred_username")
        taken = self.UserModel.objects.filter(username=wanted).exists()
        username = (
            wanted
            if isinstance(wanted, str)
            and wanted.isascii()
            and 0 < len(wanted) <= 150
            and wanted.replace(".", "").replace("-", "").replace("_", "").isalnum()
            and not taken
            else _free_username(email)
        )
        # No usable password: this person signs in through the provider only.
        user = self.UserModel.objects.create_user(username, email=email)
        audit(
            action=AuditEvent.Action.USER_CREATED_AT_SIGN_IN,
            actor=user,
            username=username,
        )
        return user


def _remember_identity(
    user: AbstractBaseUser, identity: SignInIdentity | None, subject: str, email: str
) -> None:
    """Keep (or refresh) who the person is at the provider; an address the
    provider changed is followed, unless another account here holds it."""
    now = timezone.now()
    if identity is None:
        SignInIdentity.objects.create(
            user=user, issuer=issuer(), subject=subject, last_sign_in_at=now
        )
        return
    identity.last_sign_in_at = now
    identity.save(update_fields=["last_sign_in_at"])
    if user.email.lower() != email.lower():
        taken = get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk)
        if not taken.exists():
            user.email = email
            user.save(update_fields=["email"])


class StaffOnlyModelBackend(ModelBackend):
    """Local passwords for staff only (LOCAL_LOGIN_STAFF_ONLY): the break-glass
    way in when the provider is down; everyone else signs in through it."""

    def user_can_authenticate(self, user: AbstractBaseUser) -> bool:
        return super().user_can_authenticate(user) and bool(user.is_staff)


# --- teams from groups ----------------------------------------------------------


def _groups(claims: dict[str, Any]) -> set[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {group for group in value if isinstance(group, str)}
    # No claim at all counts as no groups (some providers leave it out then).
    return set()


def _wanted_roles(groups: set[str]) -> dict[str, tuple[str, str]]:
    """{team slug: (role, group giving it)}: the highest role the groups give,
    for teams that exist."""
    mapping: dict[str, list[tuple[str, str]]] = settings.OIDC_TEAM_GROUPS
    slugs = {slug for pairs in mapping.values() for slug, _ in pairs}
    existing = set(Team.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    wanted: dict[str, tuple[str, str]] = {}
    for group in sorted(groups & mapping.keys()):
        for slug, role in mapping[group]:
            if slug not in existing:
                logger.warning(
                    "OIDC_TEAM_GROUPS names team %r, which does not exist", slug
                )
                continue
            if slug not in wanted or RANKS[role] > RANKS[wanted[slug][0]]:
                wanted[slug] = (role, group)
    return wanted


def apply_team_groups(user: AbstractBaseUser, groups: set[str]) -> None:
    """Make the user's memberships in the teams OIDC_TEAM_GROUPS names what their
    groups say: a role given, changed or taken away, each audited. Teams the
    setting does not name are left as their managers keep them."""
    mapping: dict[str, list[tuple[str, str]]] = settings.OIDC_TEAM_GROUPS
    if not mapping:
        return
    managed = {slug for pairs in mapping.values() for slug, _ in pairs}
    wanted = _wanted_roles(groups)
    current = {
        membership.team.slug: membership
        for membership in Membership.objects.select_for_update()
        .select_related("team")
        .filter(user=user, team__slug__in=managed)
    }
    teams = {team.slug: team for team in Team.objects.filter(slug__in=wanted)}
    for slug, (role, group) in wanted.items():
        membership = current.get(slug)
        if membership is not None and membership.role == role:
            continue
        if membership is None:
            Membership.objects.create(user=user, team=teams[slug], role=role)
        else:
            membership.role = role
            membership.save(update_fields=["role"])
        audit(
            action=AuditEvent.Action.MEMBERSHIP_SET_AT_SIGN_IN,
            team=teams[slug],
            actor=user,
            username=user.get_username(),
            role=role,
            group=group,
        )
    for slug, membership in current.items():
        if slug in wanted:
            continue
        membership.delete()
        audit(
            action=AuditEvent.Action.MEMBERSHIP_REMOVED_AT_SIGN_IN,
            team=membership.team,
            actor=user,
            username=user.get_username(),
            role=membership.role,
        )


# --- views ------------------------------------------------------------------------


def _refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    template = (
        "registration/oidc_no_team.html"
        if reason == "no_team"
        else "registration/oidc_failed.html"
    )
    return render(
        request,
        template,
        {"reason": reason, "organization": settings.OIDC_ORGANIZATION_NAME},
        status=status,
    )


class StartView(OIDCAuthenticationRequestView):
    """GET: off to the provider's sign-in, with state, nonce and PKCE."""

    http_method_names = ["get"]
    get_settings = staticmethod(setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads the endpoint here, before any error can be shown.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as error:
            logger.warning("OIDC sign-in not started: %s", error)
            return _refused(request, "unavailable", 503)
        return super().get(request)


class CallbackView(StartView):
    """GET: the provider sends the person back here with a code (or an error)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        states = request.session.get("oidc_states")
        state = request.GET.get("state")
        if not isinstance(states, dict) or not state or state not in states:
            # Unknown, already used (a replay) or from another browser.
            return _refused(request, "state", 400)
        entry = states.pop(state)
        request.session["oidc_states"] = states  # used once, even on failure
        if request.GET.get("error") or not request.GET.get("code"):
            return _refused(request, "provider_refused", 403)
        backend = OIDCBackend()
        try:
            user = backend.sign_in(
                request,
                nonce=entry.get("nonce"),
                code_verifier=entry.get("code_verifier"),
            )
        except NoTeam:
            return _refused(request, "no_team", 403)
        except SignInRefused as error:
            logger.info("OIDC sign-in refused: %s", error.reason)
            return _refused(request, error.reason, 403)
        except (SuspiciousOperation, ProviderUnavailable) as error:
            logger.warning("OIDC sign-in refused: %s", error)
            return _refused(request, "token", 400)
        except (requests.RequestException, ValueError) as error:
            logger.warning("OIDC token exchange failed: %s", error)
            return _refused(request, "unavailable", 502)
        next_url = request.session.get("oidc_login_next")
        auth.login(request, user, backend=BACKEND)
        request.session["oidc_id_token"] = backend.id_token
        if not next_url or not url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
        return HttpResponseRedirect(next_url)


class LoginView(auth_views.LoginView):
    """Django's login page, leading with the organization's sign-in when set."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = enabled()
        context["oidc_organization"] = getattr(settings, "OIDC_ORGANIZATION_NAME", "")
        context["local_login_staff_only"] = getattr(
            settings, "LOCAL_LOGIN_STAFF_ONLY", False
        )
        return context


def provider_logout_url(request: HttpRequest) -> str:
    """Where to end the provider's session too ("" when it has no end-session
    endpoint or the person did not sign in through it). Read before logout()."""
    id_token = request.session.get("oidc_id_token")
    if not enabled() or not id_token:
        return ""
    try:
        endpoint = setting("OIDC_OP_LOGOUT_ENDPOINT")
    except ProviderUnavailable:
        return ""
    if not endpoint or urlsplit(endpoint).scheme not in ("http", "https"):
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST); then on to the provider's end-session endpoint
    for a person who signed in through it."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider_url = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        if provider_url:
            return HttpResponseRedirect(provider_url)
        return response
