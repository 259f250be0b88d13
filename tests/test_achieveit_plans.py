"""Reading a plan's items from AchieveIt (AchieveItClient.plan_items): paging,
lenient reading, and one typed error for each way a read fails."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from uploads.achieveit import PLAN_PAGE_SIZE, AchieveItClient
from uploads.achieveit_plans import (
    PlanBadAnswer,
    PlanForbidden,
    PlanNotFound,
    PlanReadError,
    PlanTransientError,
    plan_item_from,
    read_plan_page,
)

API_KEY = "ak_live_plans_7Q2c9XvB4mN8"
BASE_URL = "https://api.achieveit.test"
PLAN_URL = f"{BASE_URL}/plans/plan-fy27/items"


@pytest.fixture
def client() -> AchieveItClient:
    return AchieveItClient(
        base_url=BASE_URL, api_key=API_KEY, connect_timeout=1.5, read_timeout=4
    )


def items(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"externalId": f"GEN-{n}", "name": f"Item {n}", "sequenceId": n}
        for n in range(start, start + count)
    ]


def paged(request: requests.PreparedRequest, total: int) -> tuple[int, dict, str]:
    query = parse_qs(urlsplit(request.url).query)
    skip, take = int(query["skip"][0]), int(query["take"][0])
    if take > PLAN_PAGE_SIZE:
        return 400, {}, json.dumps({"error": "take too big"})
    return 200, {}, json.dumps(items(skip, max(0, min(take, total - skip))))


@responses.activate
def test_it_reads_every_page_with_skip_and_take(client):
    responses.add_callback(
        responses.GET, PLAN_URL, callback=lambda request: paged(request, 3200)
    )
    read = client.plan_items("plan-fy27")
    assert len(read.items) == 3200
    assert read.pages == 3
    assert [item.external_id for item in read.items[:2]] == ["GEN-0", "GEN-1"]
    asked = [parse_qs(urlsplit(call.request.url).query) for call in responses.calls]
    assert [(q["skip"][0], q["take"][0]) for q in asked] == [
        ("0", "1500"),
        ("1500", "1500"),
        ("3000", "1500"),
    ]
    assert asked[0]["sortKey"] == ["sequenceId"]


@responses.activate
def test_a_plan_that_fills_its_last_page_exactly_costs_one_empty_page(client):
    responses.add_callback(
        responses.GET, PLAN_URL, callback=lambda request: paged(request, 3000)
    )
    assert len(client.plan_items("plan-fy27").items) == 3000
    assert len(responses.calls) == 3


@responses.activate
def test_the_key_goes_in_the_header_and_never_in_the_url_or_the_log(client, caplog):
    responses.add(responses.GET, PLAN_URL, json=items(0, 2))
    with caplog.at_level(logging.DEBUG, logger="uploads.achieveit"):
        client.plan_items("plan-fy27")
    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"API-KEY {API_KEY}"
    assert API_KEY not in request.url
    assert API_KEY not in caplog.text
    assert "plan-fy27" in caplog.text


@responses.activate
def test_a_plan_id_is_quoted_in_the_path(client):
    responses.add(responses.GET, f"{BASE_URL}/plans/FY%2027%2F1/items", json=[])
    assert client.plan_items("FY 27/1").items == []


@responses.activate
def test_it_stops_at_the_upper_bound_of_pages(client):
    # A server that never runs out: the read stops instead of looping.
    responses.add_callback(
        responses.GET, PLAN_URL, callback=lambda request: paged(request, 10**9)
    )
    with pytest.raises(PlanBadAnswer, match="more than 3 pages"):
        client.plan_items("plan-fy27", max_pages=3)
    assert len(responses.calls) == 3


@responses.activate
def test_a_server_that_ignores_skip_is_a_bad_answer(client):
    responses.add(responses.GET, PLAN_URL, json=items(0, 10))
    with pytest.raises(PlanBadAnswer, match="same page again"):
        client.plan_items("plan-fy27", take=10)


@pytest.mark.parametrize(
    "body",
    [
        {"items": items(0, 2), "total": 2},
        {"data": items(0, 2)},
        {"Results": items(0, 2)},
        {"page": 1, "planItems": items(0, 2)},
        {"whatever": items(0, 2), "meta": {"x": 1}},
    ],
)
def test_it_reads_a_list_held_by_an_object(body):
    found, _total = read_plan_page(json.dumps(body))
    assert [item["externalId"] for item in found] == ["GEN-0", "GEN-1"]


@pytest.mark.parametrize(
    "text",
    [
        "<html><body>Sign in</body></html>",
        json.dumps({"unexpected": "shape"}),
        json.dumps(["a", "b"]),
        json.dumps("items"),
        json.dumps({"a": [], "b": []}),
    ],
)
def test_anything_else_is_a_bad_answer(text):
    with pytest.raises(PlanBadAnswer):
        read_plan_page(text)


@pytest.mark.parametrize(
    "key", ["externalId", "externalID", "external_id", "ExternalId", "External ID"]
)
def test_the_external_id_is_found_under_any_likely_key(key):
    assert plan_item_from({key: " SALES-01 "}).external_id == "SALES-01"


def test_an_item_keeps_its_fields_and_every_unknown_key():
    raw = {
        "externalId": "SALES-01",
        "name": "Pipeline",
        "status": "At Risk",
        "currentValue": Decimal("0.45"),
        "lastUpdated": "2026-12-03T10:42:00.123+00:00",
        "assignedToFullName": "Alice Owner",
        "assignedToEmailAddress": "alice@example.org",
        "target": 1,
        "latestUpdate": {"comment": "Two deals slipped"},
        "due": "2027-03-31",
    }
    item = plan_item_from(raw)
    assert (item.name, item.status, item.current_value) == (
        "Pipeline",
        "At Risk",
        Decimal("0.45"),
    )
    assert item.last_updated.isoformat() == "2026-12-03T10:42:00.123000+00:00"
    assert (item.assignee_name, item.assignee_email) == (
        "Alice Owner",
        "alice@example.org",
    )
    assert item.target == Decimal(1)
    assert item.comment == "Two deals slipped"
    assert item.raw["due"] == "2027-03-31"


def test_an_item_without_an_external_id_or_with_odd_values_still_reads():
    item = plan_item_from(
        {"externalId": None, "name": "Loose", "currentValue": "n/a", "status": 3}
    )
    assert item.external_id is None
    assert item.current_value is None
    assert item.last_updated is None
    assert item.status == "3"


@responses.activate
def test_values_are_read_as_decimals_exactly(client):
    responses.add(
        responses.GET,
        PLAN_URL,
        body='[{"externalId": "A", "currentValue": 0.1}]',
        content_type="application/json",
    )
    assert client.plan_items("plan-fy27").items[0].current_value == Decimal("0.1")


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (403, PlanForbidden, "the key's user may not see it"),
        (401, PlanForbidden, "the key may not see it"),
        (404, PlanNotFound, "knows no plan"),
        (500, PlanTransientError, "HTTP 500"),
        (503, PlanTransientError, "reading again later is safe"),
        (418, PlanReadError, "HTTP 418"),
    ],
)
@responses.activate
def test_each_refusal_is_one_typed_error_with_one_sentence(
    client, status, error, words
):
    responses.add(
        responses.GET, PLAN_URL, json={"error": f"no ({API_KEY})"}, status=status
    )
    with pytest.raises(error, match=words) as raised:
        client.plan_items("plan-fy27")
    assert raised.value.status_code == status
    assert API_KEY not in str(raised.value)
    assert API_KEY not in raised.value.raw


@responses.activate
def test_a_5xx_on_a_later_page_fails_the_whole_read(client):
    responses.add(responses.GET, PLAN_URL, json=items(0, 1500))
    responses.add(responses.GET, PLAN_URL, status=502)
    with pytest.raises(PlanTransientError):
        client.plan_items("plan-fy27")


@responses.activate
def test_a_connection_failure_is_transient(client):
    responses.add(
        responses.GET, PLAN_URL, body=requests.ConnectionError("connection refused")
    )
    with pytest.raises(PlanTransientError, match="reading again later is safe"):
        client.plan_items("plan-fy27")


@responses.activate
def test_a_timeout_is_transient_and_the_timeouts_are_explicit(client):
    responses.add(responses.GET, PLAN_URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(PlanTransientError, match="no answer within 4 s"):
        client.plan_items("plan-fy27")
    assert responses.calls[0].request.req_kwargs["timeout"] == (1.5, 4)


@responses.activate
def test_a_bad_answer_keeps_the_raw_body_for_an_operator(client):
    responses.add(
        responses.GET, PLAN_URL, body="<html>Sign in</html>", content_type="text/html"
    )
    with pytest.raises(PlanBadAnswer) as raised:
        client.plan_items("plan-fy27")
    assert raised.value.raw == "<html>Sign in</html>"


def test_it_refuses_an_empty_plan_id_or_a_page_too_big(client):
    with pytest.raises(ValueError, match="plan_id"):
        client.plan_items(" ")
    with pytest.raises(ValueError, match="take"):
        client.plan_items("plan-fy27", take=PLAN_PAGE_SIZE + 1)
