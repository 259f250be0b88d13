"""The script API's description: /api/openapi.json is a valid OpenAPI document
(anyone may read it) whose every path and method the portal really answers, with
the portal's own address as its server; /api/docs/ explains it in words to anyone
signed in, with the article's curl commands carrying the portal's address."""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve
from openapi_spec_validator import validate

from tests.helpers import login_url

BASE = "https://updates.example.org"
# The workbook bodies the API reads (uploads/views/api.py's _WORKBOOK_TYPES).
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroEnabled.12",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument.spreadsheet",
}


@pytest.fixture
def document(client, settings, db):
    settings.PORTAL_BASE_URL = BASE
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def concrete(path: str, operation: dict) -> str:
    """The path with each parameter replaced by its example (or a sample)."""
    examples = {
        parameter["name"]: parameter.get("example", "sample-123")
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    return re.sub(r"\{(\w+)\}", lambda match: str(examples[match[1]]), path)


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_it_is_a_valid_openapi_document_anyone_may_read(document):
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    assert document["openapi"].startswith("3.1")


def test_its_server_is_the_portal_own_address(document):
    assert document["servers"] == [{"url": BASE}]


def test_it_describes_both_calls_with_their_headers_body_and_answers(document):
    submit = document["paths"]["/api/progressupdates/{fileName}.csv"]["post"]
    status = document["paths"]["/api/progressupdates/status/{jobId}"]["get"]
    parameters = {(p["in"], p["name"]) for p in submit["parameters"]}
    assert {
        ("query", "dry_run"),
        ("query", "sheet"),
        ("header", "Idempotency-Key"),
    } <= parameters
    assert set(submit["requestBody"]["content"]) == {
        "text/csv",
        "application/json",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        *WORKBOOK_TYPES,
    }
    assert {"200", "400", "401", "413", "429"} <= set(submit["responses"])
    assert {"200", "202", "400", "401", "404", "429"} <= set(status["responses"])
    assert "Retry-After" in submit["responses"]["429"]["headers"]
    scheme = document["components"]["securitySchemes"]["apiToken"]
    assert (scheme["in"], scheme["name"]) == ("header", "Authorization")


def test_every_documented_path_is_one_the_portal_routes(document):
    for path, _method, operation in operations(document):
        url = concrete(path, operation)
        try:
            match = resolve(url)
        except Resolver404:
            pytest.fail(f"{path} is documented but {url} is not routed")
        # A named route of its own, not the API's catch-all "no such call".
        assert match.url_name, url
        assert match.url_name not in ("api_openapi", "api_docs"), url


def test_every_documented_call_answers_a_stranger_with_a_documented_401(
    document, client
):
    for path, method, operation in operations(document):
        response = client.generic(
            method.upper(),
            concrete(path, operation),
            b"SALES-Q4-01,On Track,,2026-10-31",
            content_type="text/csv",
            HTTP_AUTHORIZATION="API-KEY not-a-token",
        )
        assert response.status_code == 401, (method, path)
        assert "401" in operation["responses"]
        assert response.json()["error"]


# --- The page in words ---------------------------------------------------------


def test_the_page_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == login_url("/api/docs/")


@pytest.mark.parametrize("who", ["bob", "alice", "charlie", "operator"])
def test_anyone_signed_in_reads_the_curl_commands_with_the_portal_address(
    client, settings, request, who
):
    settings.PORTAL_BASE_URL = BASE
    client.force_login(request.getfixturevalue(who))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        'curl -L -X POST -H "Authorization: API-KEY &lt;token&gt;" --data-binary '
        f"@updates.csv {BASE}/api/progressupdates/weekly.csv" in page
    )
    assert (
        'curl -LI -XGET -H "Authorization: &lt;token&gt;" '
        f"{BASE}/api/progressupdates/status/&lt;job id&gt;" in page
    )
    assert "Idempotency-Key" in page
    assert "dry_run=true" in page
    assert 'href="/api/openapi.json"' in page


def test_the_page_lists_every_documented_answer(client, alice, document):
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    rows = re.findall(
        r'data-testid="answer"><td[^>]*>(\w+)</td><td><strong>(\d+)</strong>', page
    )
    documented = {
        ("POST" if method == "post" else "status", code)
        for _path, method, operation in operations(document)
        for code in operation["responses"]
    }
    assert set(rows) == documented


def test_the_user_menu_links_to_the_page(client, bob):
    client.force_login(bob)
    assert b'href="/api/docs/"' in client.get("/").content


def test_a_team_tokens_page_links_to_the_page(client, bob):
    client.force_login(bob)
    assert b'href="/api/docs/"' in client.get("/teams/sales/tokens/").content


def test_the_page_links_each_team_tokens_page_only_for_the_person_teams(
    client, alice, other_team
):
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    assert 'href="/teams/sales/tokens/"' in page
    assert f'href="/teams/{other_team.slug}/tokens/"' not in page


def test_it_describes_json_bodies_comments_and_the_metric_calls(document):
    paths = document["paths"]
    progress = paths["/api/progressupdates/{fileName}.csv"]["post"]
    metric = paths["/api/metricupdates/{fileName}.csv"]["post"]
    metric_status = paths["/api/metricupdates/status/{jobId}"]["get"]
    record = document["components"]["schemas"]["ProgressRecord"]["properties"]

    assert set(record) == {"externalId", "status", "metricValue", "asOfDate", "comment"}
    assert "Comment" in progress["requestBody"]["content"]["text/csv"]["example"]
    assert progress["requestBody"]["content"]["application/json"]["example"][0][
        "comment"
    ]
    assert metric["requestBody"]["content"]["text/csv"]["example"].startswith(
        "External ID,Current Metric Value,As Of Date"
    )
    assert set(metric["responses"]) == set(progress["responses"])
    assert {"200", "202", "400", "404"} <= set(metric_status["responses"])
    assert "ACHIEVEIT_METRIC_STATUS_PATH" in metric_status["description"]


def test_the_page_shows_the_json_body_and_the_metric_calls(client, alice, settings):
    settings.PORTAL_BASE_URL = BASE
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    assert '-H "Content-Type: application/json" --data-binary @updates.json' in page
    assert f"{BASE}/api/metricupdates/values.csv" in page
    assert f"{BASE}/api/metricupdates/status/&lt;job id&gt;" in page
