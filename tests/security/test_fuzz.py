"""Random input never breaks a page: Hypothesis posts random fields, values, files
and raw bodies to every view that accepts POST (found from the URL configuration,
as the access matrix finds them), signed in as someone who may use it, and random
names, bodies and headers to the script API. Every answer is below 500 and a clean
page: no traceback, no server error page. An exception in a view fails the test
(the test client raises it).

The admin's own forms are Django's and staff-only (a 404 for everyone else, proven
by the matrix); only its login form, open to anyone, is fuzzed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.security.conftest import World
from tests.security.test_access_matrix import (
    Access,
    Endpoint,
    all_endpoints,
    body_of,
    readable_urls,
    rules_for,
    sign_in,
    url_of,
    variants,
)

FUZZ = hypothesis_settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Who posts to a view: someone the rules let through.
POSTER = {
    Access.PUBLIC: "anonymous",
    Access.SIGNED_IN: "uploader_a",
    Access.TEAM_VIEW: "uploader_a",
    Access.TEAM_UPLOAD: "uploader_a",
    Access.TEAM_MANAGE: "manager_a",
    Access.MANAGES_A_TEAM: "manager_a",
    Access.STAFF: "staff",
    Access.SCRIPT: "script_a",
}

# The names the portal's forms read, so values reach their validation.
FIELD_NAMES = [
    "file",
    "name",
    "note",
    "reason",
    "outcome",
    "confirm",
    "checked",
    "upload_number",
    "uploads",
    "action",
    "text",
    "who",
    "role",
    "active",
    "slug",
    "q",
    "page",
    "state",
    "team",
    "form_token",
    "form-TOTAL_FORMS",
    "form-INITIAL_FORMS",
    "form-MAX_NUM_FORMS",
    "form-0-external_id",
    "form-0-status",
    "form-0-value",
    "form-0-as_of_date",
    "row-0-status",
    "username",
    "password",
    "email",
    "old_password",
    "new_password1",
    "new_password2",
    "next",
]
NASTY_VALUES = [
    "",
    "\x00",
    "a\x00b",
    '=HYPERLINK("http://evil")',
    "@cmd",
    "../../../../etc/passwd",
    "-1",
    "0",
    "1e309",
    "99999999999999999999999",
    "NaN",
    "yes",
    "on",
    "true",
    "applied",
    "not_applied",
    "manager",
    "2026-02-30",
    "00000000-0000-0000-0000-000000000000",
    "<script>alert(1)</script>",
    "\ud7ff\ufffe",
    "\u202e",
    "https://evil.example/",
    "//evil.example",
]
values = st.one_of(
    st.sampled_from(NASTY_VALUES),
    st.just(100_000).map(lambda size: "x" * size),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def uploaded(name: str, content: bytes) -> SimpleUploadedFile:
    """A file as a browser sends it (a name Django cannot use becomes x.csv)."""
    try:
        return SimpleUploadedFile(name, content)
    except SuspiciousFileOperation:
        return SimpleUploadedFile("x.csv", content)


files = st.builds(
    uploaded,
    name=st.one_of(
        st.sampled_from(["updates.csv", "", ".csv", "a/../../b.csv", "x\x00.csv"]),
        st.text(min_size=1, max_size=60),
    ),
    content=st.one_of(
        st.binary(min_size=1, max_size=2000),
        st.sampled_from(
            [
                b"",
                b"\xef\xbb\xbf",
                b"External ID,Status,Current Value,As Of Date\n",
                b"External ID,Status,Current Value,As Of Date\n" + b"\xff\xfe,\x00\n",
                b"External ID,Name,Has Metric\n=cmd,x,maybe\n",
                b"\x89PNG\r\n\x1a\n" + bytes(100),
            ]
        ),
    ),
)
extra_fields = st.dictionaries(
    st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=20)),
    st.one_of(values, files, st.lists(values, max_size=3)),
    max_size=3,
)


@dataclass
class PageForm:
    """What the portal's own forms post to one address: each field's kind and
    the values the pages offer (hidden values, choices, the box's "on")."""

    fields: dict[str, str] = field(default_factory=dict)
    offered: dict[str, set[str]] = field(default_factory=dict)


class FormReader(HTMLParser):
    """Collects the fields of every POST form of a page, by its action's path."""

    def __init__(self, page: str, found: dict[str, PageForm]) -> None:
        super().__init__()
        self.page = page
        self.found = found
        self.form: PageForm | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form = None
            if attrs.get("method", "get").lower() == "post":
                action = urlsplit(urljoin(self.page, attrs.get("action", ""))).path
                self.form = self.found.setdefault(action, PageForm())
            return
        if self.form is None:
            return
        name = attrs.get("name", "")
        if tag == "select":
            self.select = name
        if tag == "option" and self.select:
            self.form.offered.setdefault(self.select, set()).add(attrs.get("value", ""))
        if tag in ("input", "select", "textarea", "button") and name:
            self.form.fields[name] = attrs.get("type", tag)
            if "value" in attrs:
                self.form.offered.setdefault(name, set()).add(attrs["value"])
            elif attrs.get("type") == "checkbox":
                self.form.offered.setdefault(name, set()).add("on")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        if tag == "select":
            self.select = None


@pytest.fixture(scope="module")
def page_forms(world: World) -> dict[str, PageForm]:
    """The forms of every page staff, a manager and an uploader of sales can
    open, by the address they post to."""
    found: dict[str, PageForm] = {}
    reader_client = Client()
    for role in ("staff", "manager_a", "uploader_a"):
        sign_in(reader_client, role, world)
        for url in readable_urls(world):
            response = reader_client.get(url)
            if "html" in response.get("Content-Type", ""):
                FormReader(url, found).feed(body_of(response))
    return found


def form_strategy(form: PageForm) -> st.SearchStrategy[dict]:
    """The form's own fields, each with a value it offers or a random one (a file
    for a file field), plus a few random fields."""
    fields = {}
    for name, kind in form.fields.items():
        offered = st.sampled_from(sorted(form.offered.get(name, set())) or [""])
        choice = st.one_of(offered, values, st.lists(values, max_size=3))
        # A file field mostly gets a file (anything else is "choose a file").
        fields[name] = (
            st.one_of(files, files, files, choice) if kind == "file" else choice
        )
    return st.tuples(st.fixed_dictionaries(fields), extra_fields).map(
        lambda parts: {**parts[1], **parts[0]}
    )


# A body as sent, with whatever type it claims (invalid UTF-8, broken multipart).
raw_bodies = st.tuples(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/csv",
            "application/octet-stream",
        ]
    ),
    st.one_of(
        st.binary(max_size=1000),
        st.sampled_from(
            [
                b"\xff\xfe\xfd=\xc3\x28",
                b"name=%ff%fe&file=%00",
                b'--xyz\r\nContent-Disposition: form-data; name="file"; '
                b'filename="a.csv"\r\n\r\n\xff\x00\r\n',
                b"--xyz--",
            ]
        ),
        st.just(50_000).map(lambda size: b"a=" + b"b" * size),
    ),
)


def post_endpoints() -> list[Endpoint]:
    found = []
    for endpoint in all_endpoints():
        rules = rules_for(endpoint)
        post = (rules or {}).get("POST")
        if post is None or post.access in (Access.METHOD, Access.NOWHERE):
            continue
        if endpoint.route.startswith("admin/") and endpoint.key != "admin:login":
            continue
        found.append(endpoint)
    return found


def assert_clean(response: HttpResponse, url: str) -> None:
    body = body_of(response)
    assert response.status_code < 500, f"{url}: {response.status_code}\n{body[:500]}"
    assert "Traceback" not in body, url
    assert "Server Error" not in body, url


def target(endpoint: Endpoint, world: World) -> tuple[str, str]:
    """The URL to post to (of sales' objects) and who posts."""
    rule = rules_for(endpoint)["POST"]
    variant = "A" if variants(endpoint, rules_for(endpoint)) == ["A", "B"] else "-"
    return url_of(endpoint, rule, world, variant), POSTER[rule.access]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", post_endpoints(), ids=str)
def test_random_forms_get_a_clean_answer(
    endpoint: Endpoint, world: World, client: Client, page_forms: dict
) -> None:
    url, role = target(endpoint, world)
    # The pages' form for this address (the login form for the auth pages that
    # have none on a page of the portal: random fields then).
    form = page_forms.get(url, PageForm())

    @FUZZ
    @given(data=form_strategy(form))
    def post_form(data: dict) -> None:
        headers = sign_in(client, role, world)
        for value in data.values():
            if isinstance(value, SimpleUploadedFile):
                value.seek(0)
        assert_clean(client.post(url, data, headers=headers), url)

    post_form()


def test_the_pages_forms_are_found(page_forms: dict, world: World) -> None:
    """The fuzzing reaches past the forms' checks: it knows their fields."""
    upload_new = page_forms[reverse("upload_new", args=["sales"])]
    assert upload_new.fields["file"] == "file"
    assert len([url for url, form in page_forms.items() if form.fields]) >= 15


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", post_endpoints(), ids=str)
def test_random_bodies_get_a_clean_answer(
    endpoint: Endpoint, world: World, client: Client
) -> None:
    url, role = target(endpoint, world)

    @FUZZ
    @given(body=raw_bodies)
    def post_body(body: tuple[str, bytes]) -> None:
        content_type, data = body
        headers = sign_in(client, role, world)
        response = client.generic(
            "POST", url, data, content_type=content_type, headers=headers
        )
        assert_clean(response, url)

    post_body()


authorization = st.one_of(
    st.none(),
    st.just("valid"),
    st.just("revoked"),
    st.just("other team"),
    st.text(max_size=80),
    st.sampled_from(["API-KEY", "API-KEY ", "Bearer x", "API-KEY \x00", "x" * 300]),
)


def _authorization(choice: str | None, world: World) -> dict[str, str]:
    tokens = {
        "valid": f"API-KEY {world.a.token_plaintext}",
        "other team": world.b.token_plaintext,
        "revoked": "API-KEY not-the-revoked-token-kept-in-clear",
    }
    if choice is None:
        return {}
    return {"Authorization": tokens.get(choice, choice)}


@pytest.mark.django_db
def test_the_script_api_answers_random_calls_with_json_below_500(
    world: World, client: Client
) -> None:
    client.cookies.clear()

    @hypothesis_settings(FUZZ, max_examples=150)
    @given(
        name=st.one_of(st.text(max_size=60), st.sampled_from(["u.csv", "a/b.csv"])),
        suffix=st.sampled_from([".csv", ".CSV", "", ".txt"]),
        query=st.sampled_from(["", "?dry_run=true", "?dry_run=1&x=%ff"]),
        body=raw_bodies,
        auth=authorization,
        idempotency_key=st.one_of(
            st.none(), st.text(max_size=300), st.just("k" * 256), st.just("a\x00b")
        ),
    )
    def call(
        name: str,
        suffix: str,
        query: str,
        body: tuple[str, bytes],
        auth: str | None,
        idempotency_key: str | None,
    ) -> None:
        headers = _authorization(auth, world)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        url = f"/api/progressupdates/{quote(name + suffix, safe='')}{query}"
        content_type, data = body
        response = client.generic(
            "POST", url, data, content_type=content_type, headers=headers
        )
        assert response.status_code < 500, body_of(response)
        assert response["Content-Type"] == "application/json", url
        assert isinstance(response.json(), dict)

    call()


@pytest.mark.django_db
def test_the_status_call_answers_random_job_ids_with_json_below_500(
    world: World, client: Client
) -> None:
    client.cookies.clear()

    @hypothesis_settings(FUZZ, max_examples=60)
    @given(
        job_id=st.one_of(st.text(max_size=80), st.uuids().map(str)), auth=authorization
    )
    def call(job_id: str, auth: str | None) -> None:
        url = f"/api/progressupdates/status/{quote(job_id, safe='')}"
        response = client.get(url, headers=_authorization(auth, world))
        assert response.status_code < 500, body_of(response)
        assert response["Content-Type"] == "application/json", url

    call()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_huge_username_is_a_failed_login_not_a_500(url: str, client: Client) -> None:
    """Found by the fuzzing on PostgreSQL: Django's login form passes a name of any
    length to authenticate(), and django-axes kept it in a 255-character column."""
    response = client.post(url, {"username": "x" * 100_000, "password": "secret"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.username == "x" * 150
