"""A plan item's page (/items/<External ID>/): its facts, every update sent for it
newest first with its upload and verdict, a chart of value and status over time
with the same in words; an empty state that says how to send one; another team's
External ID is a 404 exactly like an unknown one."""

from __future__ import annotations

import datetime
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanItemFactory, UploadFactory, UploadRowFactory
from tests.helpers import login_url
from uploads.models import Team, Upload

State = Upload.State
URL = "/items/SALES-Q4-01/"


def sent(
    team: Team,
    external_id: str,
    *,
    days_ago: int,
    status: str,
    value: str,
    as_of: datetime.date,
    state: str = State.SUCCEEDED,
) -> Upload:
    upload = UploadFactory(
        team=team, state=state, confirmed_at=timezone.now() - timedelta(days=days_ago)
    )
    UploadRowFactory(
        upload=upload,
        external_id=external_id,
        status=status,
        value=value,
        as_of_date=as_of,
    )
    return upload


def without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


@pytest.fixture
def history(team, plan_items) -> list[Upload]:
    """Three updates of SALES-Q4-01 a week apart, the last one under review."""
    return [
        sent(
            team,
            "SALES-Q4-01",
            days_ago=14,
            status="At Risk",
            value="0.2",
            as_of=datetime.date(2026, 10, 17),
        ),
        sent(
            team,
            "SALES-Q4-01",
            days_ago=7,
            status="On Track",
            value="0.35",
            as_of=datetime.date(2026, 10, 24),
        ),
        sent(
            team,
            "SALES-Q4-01",
            days_ago=0,
            status="On Track",
            value="0.45",
            as_of=datetime.date(2026, 10, 31),
            state=State.NEEDS_REVIEW,
        ),
    ]


def test_it_sends_anonymous_visitors_to_log_in(client, plan_items):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == login_url(URL)


def test_a_viewer_sees_every_update_newest_first(client, bob, history):
    client.force_login(bob)
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Q4 pipeline coverage" in page
    table = page.split('data-testid="updates"')[1]
    links = [
        f'href="/uploads/{upload.public_id}/">#{upload.number}</a>'
        for upload in history
    ]
    positions = [table.index(link) for link in links]
    assert positions == sorted(positions, reverse=True)
    assert "Needs review" in table
    assert table.count("Succeeded") == 2
    assert '<td data-label="Value">0.45</td>' in table
    assert "2026-10-17" in table
    assert "Upload updates" not in page  # a viewer sends nothing


def test_an_uploader_gets_the_upload_button(client, alice, history):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert 'href="/teams/sales/upload/"' in page


def test_another_teams_id_is_a_404_like_an_unknown_one(
    client, charlie, history, settings
):
    settings.DEBUG = False
    client.force_login(charlie)
    theirs = client.get(URL)
    unknown = client.get("/items/NO-SUCH-ITEM/")
    assert theirs.status_code == unknown.status_code == 404
    assert without_csrf_token(theirs.content) == without_csrf_token(unknown.content)
    assert b"SALES-Q4-01" not in theirs.content
    assert client.get("/items/FIN-CLOSE/").status_code == 200


def test_the_chart_gets_its_data_as_json_and_a_summary_in_words(client, bob, history):
    client.force_login(bob)
    page = client.get(URL).content.decode()
    data = page.split('<script id="plan-item-trend" type="application/json">')[1]
    points = json.loads(data.split("</script>")[0])
    assert points == [
        {"date": "2026-10-17", "status": "At Risk", "value": 0.2},
        {"date": "2026-10-24", "status": "On Track", "value": 0.35},
        {"date": "2026-10-31", "status": "On Track", "value": 0.45},
    ]
    summary = page.split('data-testid="trend-summary">')[1].split("</figcaption>")[0]
    assert "3 updates from 2026-10-17 to 2026-10-31" in summary
    assert "Value rose from 0.2 to 0.45" in summary
    assert "Status went from At Risk to On Track" in summary
    assert "vendor/chartjs/chart.umd.min.js" in page


def test_drafts_and_refused_uploads_are_not_listed(client, bob, team, plan_items):
    for state in (State.DRAFT, State.FAILED, State.CANCELED, State.REJECTED):
        sent(
            team,
            "SALES-Q4-01",
            days_ago=1,
            status="Achieved",
            value="1",
            as_of=datetime.date(2026, 10, 31),
            state=state,
        )
    client.force_login(bob)
    page = client.get(URL).content.decode()
    assert "No update has been sent for this item yet" in page
    assert 'data-testid="updates"' not in page


def test_an_item_with_no_updates_says_how_to_send_one(client, alice, bob, plan_items):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert "No update has been sent for this item yet" in page
    assert 'href="/teams/sales/upload/"' in page
    assert "chart.umd.min.js" not in page  # no chart, no script
    client.force_login(bob)
    page = client.get(URL).content.decode()
    assert "No update has been sent for this item yet" in page
    assert 'href="/teams/sales/upload/"' not in page
    assert "An uploader of Sales sends its updates" in page


def test_an_id_with_a_space_a_slash_and_a_hash_works(client, alice, team):
    item = PlanItemFactory(team=team, external_id="Q4 goal/2026 #3", name="Odd one")
    sent(
        team,
        item.external_id,
        days_ago=1,
        status="On Track",
        value="7",
        as_of=datetime.date(2026, 10, 31),
    )
    client.force_login(alice)
    response = client.get("/items/Q4%20goal/2026%20%233/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>Q4 goal/2026 #3</code>" in page
    assert '<td data-label="Value">7</td>' in page
    assert client.get("/items/Q4%20goal/").status_code == 404


def test_the_updates_are_paginated(client, bob, team, plan_items):
    for number in range(30):
        sent(
            team,
            "SALES-Q4-01",
            days_ago=number,
            status="On Track",
            value=str(number),
            as_of=datetime.date(2026, 1, 1) + timedelta(number),
        )
    client.force_login(bob)
    first = client.get(URL).content.decode()
    assert "Updates sent (30)" in first
    assert "Page 1 of 2" in first
    second = client.get(URL + "?page=2").content.decode()
    assert second.split('data-testid="updates"')[1].count("<tr>") == 5 + 1


# --- comments and metric updates (issue 16) --------------------------------------


def test_each_update_shows_its_comment_and_a_metric_update_says_so(
    client, bob, team, plan_items
):
    progress = UploadFactory(team=team, state=State.SUCCEEDED)
    UploadRowFactory(
        upload=progress,
        external_id="SALES-Q4-01",
        status="At Risk",
        comment="Two deals slipped\nto January",
    )
    metric = UploadFactory(team=team, state=State.SUCCEEDED, kind=Upload.Kind.METRIC)
    UploadRowFactory(upload=metric, external_id="SALES-Q4-01", status="", value="9")
    client.force_login(bob)

    page = client.get(URL).content.decode()

    assert "Two deals slipped<br>to January" in page
    assert page.count('data-testid="metric-update">metric update</span>') == 1
    assert "Status At Risk." in page  # the metric update has no status to tell
