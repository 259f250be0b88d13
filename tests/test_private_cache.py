"""Nothing a signed-in person sees stays in a cache (portal.middleware): pages,
downloads and htmx fragments answer `Cache-Control: private, no-store`, and so do
the account pages, whoever asks. A view that chose its own header keeps it."""

from __future__ import annotations

import pytest

from tests.factories import UploadFactory
from uploads.models import Upload

PRIVATE = "private, no-store"


def test_a_page_for_a_signed_in_person_is_private(client, alice):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


@pytest.mark.parametrize("url", ["/history/export.csv", "/teams/sales/template.csv"])
def test_a_csv_download_is_private(client, alice, plan_items, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == PRIVATE


def test_an_htmx_fragment_is_private(client, alice, team):
    upload = UploadFactory(team=team, created_by=alice, state=Upload.State.PROCESSING)
    client.force_login(alice)
    response = client.get(
        f"{upload.get_absolute_url()}state/?shown=processing",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_a_page_that_is_not_found_for_a_signed_in_person_is_private(client, alice):
    client.force_login(alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Cache-Control"] == PRIVATE


@pytest.mark.parametrize(
    "url", ["/accounts/password_reset/", "/accounts/password_reset/done/"]
)
def test_the_account_pages_are_private_for_anyone(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_the_login_page_keeps_djangos_never_cache_header(client, db):
    directives = client.get("/accounts/login/")["Cache-Control"].split(", ")
    assert "no-store" in directives
    assert "private" in directives
    # Django's own never_cache set, not the middleware's "private, no-store".
    assert "max-age=0" in directives
    assert "must-revalidate" in directives


def test_a_views_own_header_is_kept(client, alice):
    client.force_login(alice)
    response = client.get("/teams/sales/tokens/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_public_answer_to_an_anonymous_visitor_is_left_alone(client, db):
    response = client.get("/")  # the redirect to the login page
    assert response.status_code == 302
    assert not response.has_header("Cache-Control")
