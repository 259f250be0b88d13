"""Access, proven on every URL: every pattern of the URL configuration (the portal's
pages, its API, django.contrib.auth's pages and the admin) x the people of the
matrix x GET and POST, each answered as the rules say (DESIGN.md, "People and what
they may do"):

- another team's object is a 404, never a 403 that confirms it exists;
- a staff page or action is a 404 for everyone else;
- an anonymous visitor is sent to log in (the script API answers 401);
- a signed-in person is never sent to a login page;
- a viewer is offered no way to send: a 404, or the page's clear refusal;
- a POST-only view answers GET with 405.

The patterns are read from the URL configuration, so a new page has no expectation
until one is written here, and the matrix fails naming it. Each pattern is one test
that makes one request per case (person x method, at each team's object), undoes it
in a savepoint of the world's transaction, and lists every case answered against
the rules, each named by pattern, team, person and method. A second part signs in
as an uploader of sales and reads every list, export, download and chart: none holds
anything of finance (whose every name carries MARKER_B).
"""

from __future__ import annotations

import enum
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from tests.security.conftest import MARKER_A, MARKER_B, ROLES, SCRIPTS, World
from uploads.models import Upload

METHODS = ("GET", "POST")


# --- the URL configuration ------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern, with its prefixes and namespaces."""

    key: str  # "namespace:name", or the route when the pattern has no name
    route: str
    name: str | None
    kwargs: tuple[str, ...]
    is_regex: bool
    view: str

    def __str__(self) -> str:
        return self.key


def _walk(
    patterns: list, prefix: str = "", namespace: str = "", regex: bool = False
) -> Iterator[Endpoint]:
    for pattern in patterns:
        is_regex = regex or isinstance(pattern.pattern, RegexPattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}".strip(":")
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), inner, is_regex
            )
            continue
        assert isinstance(pattern, URLPattern)
        route = prefix + str(pattern.pattern)
        name = None
        if pattern.name:
            name = f"{namespace}:{pattern.name}".strip(":")
        yield Endpoint(
            key=name or route,
            route=route,
            name=name,
            kwargs=tuple(pattern.pattern.regex.groupindex),
            is_regex=is_regex,
            view=pattern.lookup_str,
        )


def all_endpoints() -> list[Endpoint]:
    """Every pattern, once per key: a pattern a former one shadows (the portal's
    throttled password pages before django.contrib.auth's) is the same URL."""
    found: dict[str, Endpoint] = {}
    for endpoint in _walk(get_resolver().url_patterns):
        found.setdefault(endpoint.key, endpoint)
    return list(found.values())


# --- what each may do -------------------------------------------------------------


class Access(enum.Enum):
    PUBLIC = "anyone, signed in or not"
    SIGNED_IN = "anyone signed in"
    TEAM_VIEW = "the object's team (any role) and staff"
    TEAM_UPLOAD = "the object's team's uploaders and managers, and staff"
    TEAM_MANAGE = "the object's team's managers, and staff"
    MANAGES_A_TEAM = "managers of some team, and staff"
    STAFF = "staff"
    SCRIPT = "a script with an API token (of the object's team)"
    NOWHERE = "nobody: a 404 for all"
    METHOD = "nobody: the method is not allowed (405)"


@dataclass(frozen=True)
class Expect:
    statuses: frozenset[int]
    # Where a redirect must lead: "login", "dashboard", "admin_index" (or anywhere).
    to: str | None = None

    def __str__(self) -> str:
        codes = "/".join(str(code) for code in sorted(self.statuses))
        return codes + (f" to {self.to}" if self.to else "")


def answer(*statuses: int, to: str | None = None) -> Expect:
    return Expect(frozenset(statuses), to)


LOGIN = answer(302, to="login")


@dataclass(frozen=True)
class Rule:
    access: Access
    ok: Expect = field(default_factory=lambda: answer(200))
    # What an anonymous visitor (or a script at a page) gets, when not the usual
    # redirect to log in.
    anonymous: Expect | None = None
    # What a team's viewer gets at a sending action (TEAM_UPLOAD).
    viewer: Expect = field(default_factory=lambda: answer(404))
    # Which upload of the team an upload URL names.
    upload: str = "messy"
    # kwargs given as they are (not the world's objects).
    fixed: tuple[tuple[str, str], ...] = ()
    # The sample path of an unnamed regex pattern.
    path: str | None = None
    # Logging out sends you to the login page: that redirect is the point.
    logs_out: bool = False


def rule(access: Access, *ok: int, ok_to: str | None = None, **options) -> Rule:
    return Rule(access, answer(*ok or (200,), to=ok_to), **options)


def get_only(access: Access, *ok: int, login: bool = True, **options) -> dict:
    """A GET (require_GET/require_safe) view: POST is a 405."""
    return {
        "GET": rule(access, *ok, **options),
        "POST": rule(Access.METHOD, anonymous=None if login else answer(405)),
    }


def post_only(access: Access, *ok: int, **options) -> dict:
    """A POST view (require_POST): GET is a 405 (after the login check)."""
    return {"GET": rule(Access.METHOD), "POST": rule(access, *ok, **options)}


def both(access: Access, *ok: int, **options) -> dict:
    return {"GET": rule(access, *ok, **options), "POST": rule(access, *ok, **options)}


PUBLIC, SIGNED_IN = Access.PUBLIC, Access.SIGNED_IN
TEAM_VIEW, TEAM_UPLOAD, TEAM_MANAGE = (
    Access.TEAM_VIEW,
    Access.TEAM_UPLOAD,
    Access.TEAM_MANAGE,
)
STAFF = Access.STAFF
REFUSED = answer(302, to="dashboard")
# A staff member at the admin: its pages, redirects, and its own refusals of what
# no one may do there (adding or deleting read-only records).
ADMIN_STAFF = answer(200, 302, 403)
NOT_ALLOWED = answer(405)

EXPECTED: dict[str, dict[str, Rule]] = {
    # django.contrib.auth's pages.
    "login": both(PUBLIC),
    "logout": {
        "GET": rule(Access.METHOD, anonymous=NOT_ALLOWED),
        "POST": rule(PUBLIC, 302, logs_out=True),
    },
    # Sign-in with the organization's provider: off in the tests' settings.
    "oidc_authentication_init": both(Access.NOWHERE, 404),
    "oidc_authentication_callback": both(Access.NOWHERE, 404),
    "password_change": both(SIGNED_IN),
    "password_change_done": get_only(SIGNED_IN),
    "password_reset": both(PUBLIC),
    "password_reset_done": get_only(PUBLIC, login=False),
    "password_reset_confirm": both(
        PUBLIC, fixed=(("uidb64", "MQ"), ("token", "not-a-reset-token"))
    ),
    "password_reset_complete": get_only(PUBLIC, login=False),
    # The admin's own login and logout; every other admin page is staff only
    # (admin_rule below). Its login is for visitors not signed in (and sends staff
    # on to the admin); a signed-in person who is not staff gets a 404 there too.
    "admin:login": {
        "GET": rule(STAFF, 302, anonymous=answer(200)),
        "POST": rule(STAFF, 200, anonymous=answer(200)),
    },
    "admin:logout": {
        "GET": rule(STAFF, 405, anonymous=answer(302, to="admin_index")),
        "POST": rule(
            STAFF, 302, anonymous=answer(302, to="admin_index"), logs_out=True
        ),
    },
    # The admin's change-password form is the portal's (throttled) one, for all.
    **{
        key: both(PUBLIC, 302, ok_to="password_change")
        for key in ("admin_password_change", "admin:password_change")
    },
    "admin/(?P<url>.*)$": {
        method: Rule(STAFF, answer(404), path="/admin/no-such-page/")
        for method in METHODS
    },
    # Admin pages that only read.
    **{
        key: {"GET": Rule(STAFF, ADMIN_STAFF), "POST": rule(STAFF, 405)}
        for key in ("admin:password_change_done", "admin:jsi18n", "admin:autocomplete")
    },
    # The portal.
    "dashboard": both(SIGNED_IN),
    "api_openapi": get_only(PUBLIC, login=False),
    "api_docs": get_only(SIGNED_IN),
    # Straight to the one team's page, or a choice (none for a viewer).
    "upload_start": both(SIGNED_IN, 200, 302),
    "entry_start": get_only(SIGNED_IN, 200, 302),
    "upload_new": both(TEAM_UPLOAD, viewer=REFUSED),
    "entry": both(TEAM_UPLOAD, viewer=REFUSED),
    "team_template": both(TEAM_VIEW),
    "team_template_xlsx": both(TEAM_VIEW),
    "upload_detail": both(TEAM_VIEW),
    "upload_state": both(TEAM_VIEW),
    "upload_problems": get_only(TEAM_VIEW),
    "upload_original": get_only(TEAM_VIEW),
    "upload_sent_file": get_only(TEAM_VIEW, upload="clean"),
    "upload_revise": post_only(TEAM_UPLOAD, 302),
    "upload_choose_sheet": post_only(TEAM_UPLOAD, 302),
    # The mapping step (issue 17): the page, and a POST of no choices (a 400 that
    # says which fields the mapping needs).
    "upload_mapping": {
        "GET": rule(TEAM_UPLOAD),
        "POST": rule(TEAM_UPLOAD, 400),
    },
    "upload_confirm": post_only(TEAM_UPLOAD, 302, upload="clean"),
    "upload_exclude_invalid": post_only(TEAM_UPLOAD, 302),
    "upload_discard": post_only(TEAM_UPLOAD, 302),
    "review_queue": get_only(STAFF),
    "review_bulk": post_only(STAFF, 400),
    "review_upload": get_only(STAFF, upload="needs_review"),
    "review_send_again": {
        "GET": rule(STAFF, upload="needs_review"),
        # A bare POST for an outcome unknown sends nothing: the confirmation again.
        "POST": rule(STAFF, 400, upload="needs_review"),
    },
    "review_resolve": post_only(STAFF, 400, upload="needs_review"),
    "review_cancel": post_only(STAFF, 400, upload="needs_review"),
    "history": get_only(SIGNED_IN),
    "history_export": get_only(SIGNED_IN),
    # A person's uploads and their teams'; discarding ticks only their own drafts
    # (an empty POST: nothing ticked, a 400 that says so).
    "my_uploads": get_only(SIGNED_IN),
    "my_uploads_discard": post_only(SIGNED_IN, 400),
    "teams": {
        "GET": rule(Access.MANAGES_A_TEAM),
        # Making a team is for staff (an empty POST is an unbound form: the page).
        "POST": rule(STAFF),
    },
    "team_manage": get_only(TEAM_MANAGE),
    "team_member_add": post_only(TEAM_MANAGE, 400),
    "team_member_role": post_only(TEAM_MANAGE, 302),
    "team_member_remove": post_only(TEAM_MANAGE, 302),
    "team_item_active": post_only(TEAM_MANAGE, 302),
    # Linked AchieveIt plans (issue 18): every answer goes back to the team page;
    # the sync's preview reads AchieveIt, which the matrix never reaches.
    "team_plan_link": post_only(TEAM_MANAGE, 302),
    "team_plan_unlink": post_only(TEAM_MANAGE, 302),
    "team_plan_sync": both(TEAM_MANAGE, 302),
    "team_reminders": post_only(TEAM_MANAGE, 302),
    # A person's own switch for the reminder emails.
    "my_reminders": {"GET": rule(SIGNED_IN), "POST": rule(SIGNED_IN, 302)},
    "team_import": both(TEAM_MANAGE),
    # A saved column mapping deleted (none by that id: said so, back to the page).
    "team_mapping_delete": post_only(TEAM_MANAGE, 302),
    "team_import_preview": {
        "GET": rule(TEAM_MANAGE),
        "POST": rule(TEAM_MANAGE, 302),
    },
    "plan_items": get_only(SIGNED_IN),
    "plan_item_detail": get_only(TEAM_VIEW),
    "team_tokens": {"GET": rule(TEAM_VIEW), "POST": rule(TEAM_UPLOAD)},
    "team_token_revoke": both(TEAM_UPLOAD, 200, 302),
    # The script API: JSON answers, a token instead of a session.
    "api_status": {
        "GET": rule(Access.SCRIPT, 200, upload="succeeded"),
        "POST": rule(Access.METHOD, anonymous=NOT_ALLOWED),
    },
    "api_submit": {
        "GET": rule(Access.METHOD, anonymous=NOT_ALLOWED),
        # An empty file: 400 with its finding, nothing queued.
        "POST": rule(Access.SCRIPT, 400),
    },
    "api_metric_status": {
        "GET": rule(Access.SCRIPT, 200, upload="metric"),
        "POST": rule(Access.METHOD, anonymous=NOT_ALLOWED),
    },
    "api_metric_submit": {
        "GET": rule(Access.METHOD, anonymous=NOT_ALLOWED),
        # An empty file: 400 with its finding, nothing queued.
        "POST": rule(Access.SCRIPT, 400),
    },
    "^api/(?P<rest>.*)$": both(Access.NOWHERE, 404, path="/api/no/such/call"),
}


def admin_rule(endpoint: Endpoint) -> dict[str, Rule] | None:
    """Every admin page is for staff only."""
    if endpoint.route.startswith("admin/"):
        return {method: Rule(STAFF, ADMIN_STAFF) for method in METHODS}
    return None


def rules_for(endpoint: Endpoint) -> dict[str, Rule] | None:
    return EXPECTED.get(endpoint.key) or admin_rule(endpoint)


# Keywords naming one team's objects: the matrix asks for them of each team.
TEAM_KWARGS = {
    "slug",
    "upload_id",
    "public_id",
    "membership_id",
    "item_id",
    "token_id",
    "token",
    "external_id",
    "job_id",
}
# Who is who in each team (staff is in none and may do everything).
TEAM_ROLES = {
    "A": {"viewer_a": "viewer", "uploader_a": "uploader", "manager_a": "manager"},
    "B": {"uploader_b": "uploader"},
}
SCRIPT_TEAM = {"script_a": "A", "script_b": "B"}


def variants(endpoint: Endpoint, rules: dict[str, Rule] | None) -> list[str]:
    fixed = {name for rule in (rules or {}).values() for name, _ in rule.fixed}
    if rules and (set(endpoint.kwargs) - fixed) & TEAM_KWARGS:
        return ["A", "B"]
    return ["-"]


def expect(rule: Rule, role: str, variant: str) -> Expect:
    """The answer the rules give `role` at a URL of `variant`'s object."""
    access = rule.access
    if access is Access.METHOD:
        signed_in = role in ROLES and role != "anonymous"
        return NOT_ALLOWED if signed_in else (rule.anonymous or LOGIN)
    if access is Access.NOWHERE or access is Access.PUBLIC:
        return rule.ok
    if access is Access.SCRIPT:
        if role not in SCRIPTS:
            return answer(401)
        if variant != "-" and SCRIPT_TEAM[role] != variant:
            return answer(404)
        return rule.ok
    if role == "anonymous" or role in SCRIPTS:
        return rule.anonymous or LOGIN
    if role == "staff" or access is Access.SIGNED_IN:
        return rule.ok
    if access is Access.STAFF:
        return answer(404)
    if access is Access.MANAGES_A_TEAM:
        return rule.ok if role == "manager_a" else answer(404)
    assert variant in TEAM_ROLES, f"{access} needs a team's object in the URL"
    team_role = TEAM_ROLES[variant].get(role)
    if team_role is None:
        return answer(404)
    if access is Access.TEAM_VIEW:
        return rule.ok
    if access is Access.TEAM_UPLOAD:
        return rule.viewer if team_role == "viewer" else rule.ok
    if access is Access.TEAM_MANAGE:
        return rule.ok if team_role == "manager" else answer(404)
    raise AssertionError(f"no answer for {access}")


# --- the URLs ------------------------------------------------------------------


def kwarg_value(
    name: str, endpoint: Endpoint, rule: Rule, world: World, variant: str
) -> str:
    fixed = dict(rule.fixed)
    if name in fixed:
        return fixed[name]
    if name in TEAM_KWARGS:
        team = world.team(variant)
        upload = team.uploads[rule.upload]
        return str(
            {
                "slug": team.team.slug,
                "upload_id": upload.pk,
                "public_id": upload.public_id,
                "job_id": upload.public_id,
                "membership_id": team.membership.pk,
                "item_id": team.plan_item.pk,
                "token_id": team.token.pk,
                "token": team.import_token,
                "external_id": team.plan_item.external_id,
            }[name]
        )
    if endpoint.route.startswith("admin/r/"):
        upload = world.a.uploads["messy"]
        return str(
            {
                "content_type_id": ContentType.objects.get_for_model(Upload).pk,
                "object_id": upload.pk,
            }[name]
        )
    admin_object = re.match(r"admin/(\w+)/(\w+)/<path:object_id>/", endpoint.route)
    if name == "object_id" and admin_object:
        model = apps.get_model(*admin_object.groups())
        first = model.objects.order_by("pk").first()
        return str(first.pk if first else 0)
    others = {
        "name": "updates.csv",
        "rest": "no/such/call",
        "id": world.users["viewer_a"].pk,
        "app_label": "uploads",
        # No team has a saved column mapping in the world: the team decides.
        "mapping_id": 0,
    }
    if name not in others:
        pytest.fail(
            f"{endpoint.key}: no value for the URL keyword {name!r}; say in "
            "kwarg_value which object it names"
        )
    return str(others[name])


def url_of(endpoint: Endpoint, rule: Rule, world: World, variant: str) -> str:
    if rule.path:
        return rule.path
    kwargs = {
        name: kwarg_value(name, endpoint, rule, world, variant)
        for name in endpoint.kwargs
    }
    if endpoint.name:
        return reverse(endpoint.name, kwargs=kwargs)
    assert not endpoint.is_regex, f"{endpoint.key}: give the rule a sample path"
    return "/" + re.sub(
        r"<(?:\w+:)?(\w+)>",
        lambda match: quote(kwargs[match.group(1)]),
        endpoint.route,
    )


@pytest.fixture(scope="module")
def client() -> Client:
    """One client for the module: each new one loads the middleware again (and
    WhiteNoise reads every static file's headers), a quarter of a second each.

    A view that raises answers 500 (its traceback in the captured log) rather than
    raising here, so the matrix still lists every other case of its pattern."""
    return Client(raise_request_exception=False)


def sign_in(client: Client, role: str, world: World) -> dict[str, str]:
    """Sign the client in as `role`; the headers its requests carry."""
    client.cookies.clear()
    if role in SCRIPTS:
        return {"Authorization": f"API-KEY {world.tokens[role]}"}
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return {}


def login_pages() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


def redirect_path(response: HttpResponse) -> str | None:
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    return urlsplit(response["Location"]).path


def check(
    response: HttpResponse,
    expected: Expect,
    *,
    role: str,
    rule: Rule,
    staff_admin: bool,
) -> list[str]:
    """What is wrong with the answer (nothing when it is as the rules say)."""
    problems = []
    status = response.status_code
    if status not in expected.statuses:
        problems.append(f"answered {status}, expected {expected}")
    target = redirect_path(response)
    destinations = {
        "login": login_pages(),
        "dashboard": {reverse("dashboard")},
        "admin_index": {reverse("admin:index")},
        "password_change": {reverse("password_change")},
    }
    if expected.to and target not in destinations[expected.to]:
        problems.append(f"went to {target}, expected {expected.to}")
    signed_in = role in ROLES and role != "anonymous"
    if signed_in and target in login_pages() and not rule.logs_out:
        problems.append(f"a signed-in person was sent to a login page ({target})")
    if status == 403 and not staff_admin:
        problems.append("a 403 confirms the page exists: a 404 is the answer")
    if status >= 500:
        problems.append(f"a server error ({status})")
    return problems


# --- the matrix ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    endpoint: Endpoint
    variant: str
    role: str
    method: str

    def __str__(self) -> str:
        variant = "" if self.variant == "-" else f"[team {self.variant}]"
        return f"{self.endpoint.key}{variant} x {self.role} x {self.method}"


def cases_of(endpoint: Endpoint) -> list[Case]:
    """Each person (a script too, outside the admin) x each method, at each team's
    object when the URL names one."""
    rules = rules_for(endpoint)
    roles = ROLES if endpoint.route.startswith("admin/") else ROLES + SCRIPTS
    return [
        Case(endpoint, variant, role, method)
        for variant in variants(endpoint, rules)
        for role in roles
        for method in METHODS
    ]


def cases() -> list[Case]:
    return [case for endpoint in all_endpoints() for case in cases_of(endpoint)]


def private_files(folder: Path) -> set[tuple[str, int, int]]:
    """The private files as a request may change them: names, sizes and times
    (os.walk, as it is asked after every case: a few times quicker than rglob)."""
    found = set()
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            stat = os.stat(path)
            found.add((path, stat.st_size, stat.st_mtime_ns))
    return found


def ask(
    case: Case,
    rule: Rule,
    world: World,
    client: Client,
    *,
    files: set[tuple[str, int, int]],
) -> list[str]:
    """Make the case's one request, undo what it changed (its rows, and the private
    files when they are no longer `files`), and say what is wrong with the answer
    (nothing when it is as the rules say)."""
    url = url_of(case.endpoint, rule, world, case.variant)
    headers = sign_in(client, case.role, world)
    storage = Path(settings.PRIVATE_STORAGE_DIR)

    with transaction.atomic():
        response = client.generic(case.method, url, headers=headers)
        transaction.set_rollback(True)

    if private_files(storage) != files:
        # An applied import uses up its kept file: the next case needs it again.
        shutil.rmtree(storage)
        shutil.copytree(world.private_dir, storage)
    expected = expect(rule, case.role, case.variant)
    staff_admin = case.role == "staff" and case.endpoint.route.startswith("admin/")
    problems = check(
        response, expected, role=case.role, rule=rule, staff_admin=staff_admin
    )
    return [f"{case.method} {url}: {problem}" for problem in problems]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", all_endpoints(), ids=str)
def test_access(endpoint: Endpoint, world: World, client: Client) -> None:
    """Every case of one URL pattern, one request each; the failure lists every
    case answered against the rules (pattern, team, person, method: what was
    wrong), not only the first."""
    rules = rules_for(endpoint) or {}
    failures = [
        f"{endpoint.key} x {method}: no expectation written ({endpoint.route}, "
        f"{endpoint.view}): add it to EXPECTED"
        for method in METHODS
        if method not in rules
    ]
    checked = [case for case in cases_of(endpoint) if case.method in rules]
    files = private_files(Path(settings.PRIVATE_STORAGE_DIR))
    for case in checked:
        failures += [
            f"{case}: {problem}"
            for problem in ask(case, rules[case.method], world, client, files=files)
        ]
    if failures:
        # The list is the report: the test's own traceback would only hide it.
        pytest.fail(
            f"{len(failures)} problems in {len(checked)} cases of {endpoint.key}:\n"
            + "\n".join(failures),
            pytrace=False,
        )


def test_every_url_has_an_expectation() -> None:
    missing = [
        f"{endpoint.key} ({endpoint.route}) {method}"
        for endpoint in all_endpoints()
        for method in METHODS
        if method not in (rules_for(endpoint) or {})
    ]
    assert not missing, "no expectation written for: " + ", ".join(missing)


def test_no_expectation_is_left_without_its_url() -> None:
    keys = {endpoint.key for endpoint in all_endpoints()}
    assert set(EXPECTED) - keys == set()


def test_the_matrix_covers_the_portal_the_api_the_accounts_and_the_admin() -> None:
    keys = {endpoint.key for endpoint in all_endpoints()}
    for key in (
        "login",
        "password_reset",
        "admin:index",
        "upload_detail",
        "api_submit",
    ):
        assert key in keys
    assert len(cases()) > 1000


# --- nothing of another team -----------------------------------------------------

# Filters that name the other team, or search for its things (without the marker
# itself, which a search box shows back).
FILTERED = (
    "/?team=finance",
    "/items/?team=finance",
    "/items/?q=FINANCE",
    "/items/?q=plan+item",
    "/history/?team=finance",
    "/history/?q=FINANCE",
    "/history/export.csv?team=finance",
    "/history/export.csv?q=FINANCE",
    "/uploads/?team=finance",
    "/uploads/?whose=others",
)


def readable_urls(world: World) -> list[str]:
    """Every page, list, export, download and chart a member of sales may GET,
    once for each of the team's uploads where the URL names one."""
    urls = []
    for endpoint in all_endpoints():
        rules = rules_for(endpoint)
        if endpoint.route.startswith("admin/") or not rules:
            continue
        get = rules["GET"]
        if get.access in (Access.METHOD, Access.NOWHERE, Access.SCRIPT):
            continue
        variant = variants(endpoint, rules)[0]
        names_upload = {"upload_id", "public_id"} & set(endpoint.kwargs)
        for kind in world.a.uploads if names_upload else [get.upload]:
            kind_rule = Rule(**{**get.__dict__, "upload": kind})
            urls.append(url_of(endpoint, kind_rule, world, variant))
    return sorted(set(urls)) + list(FILTERED)


def body_of(response: HttpResponse) -> str:
    if response.streaming:
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    return data.decode("utf-8", errors="replace")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["viewer_a", "uploader_a", "manager_a"])
def test_no_page_of_sales_holds_anything_of_finance(
    role: str, world: World, client: Client
) -> None:
    sign_in(client, role, world)
    seen: dict[str, str] = {}
    for url in readable_urls(world):
        response = client.get(url)
        assert response.status_code < 500, url
        seen[url] = body_of(response)

    leaks = [url for url, body in seen.items() if MARKER_B.lower() in body.lower()]
    assert not leaks, f"{role} sees finance's things at {leaks}"
    # The search can find a marker: sales' own is on its lists and files.
    for url in ("/items/", "/history/export.csv", "/teams/sales/template.csv"):
        assert MARKER_A in seen[url], url
    assert MARKER_A in seen[reverse("upload_original", args=[_upload_ref(world)])]


def _upload_ref(world: World) -> str:
    """The messy upload of sales as its URLs name it (number or public ID)."""
    (name,) = {"upload_id", "public_id"} & set(
        next(e for e in all_endpoints() if e.key == "upload_original").kwargs
    )
    upload = world.a.uploads["messy"]
    return str(upload.public_id if name == "public_id" else upload.pk)


@pytest.mark.django_db
def test_staff_see_both_teams_where_members_see_one(
    world: World, client: Client
) -> None:
    """The same search finds finance's things for staff: it is not blind."""
    sign_in(client, "staff", world)
    for url in ("/items/", "/history/export.csv", "/review/"):
        body = body_of(client.get(url))
        assert MARKER_B in body, url
        assert MARKER_A in body, url


@pytest.mark.django_db
def test_a_script_reads_only_its_own_teams_job(world: World, client: Client) -> None:
    headers = sign_in(client, "script_a", world)
    own = world.a.uploads["failed"].public_id
    other = world.b.uploads["failed"].public_id

    answer_own = client.get(f"/api/progressupdates/status/{own}", headers=headers)
    answer_other = client.get(f"/api/progressupdates/status/{other}", headers=headers)

    assert answer_own.status_code == 400
    assert MARKER_A in body_of(answer_own)
    assert MARKER_B not in body_of(answer_own)
    assert answer_other.status_code == 404
    assert MARKER_B not in body_of(answer_other)
