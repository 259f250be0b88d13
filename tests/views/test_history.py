"""The history page (/history/): every audit event of the person's teams in words,
newest first, filtered by what the URL carries, paged by keyset; nothing of other
teams, everything for staff, the login page for anyone else, a 400 with the form's
message for a filter it cannot use."""

from __future__ import annotations

import datetime
import re
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from tests.factories import UploadFactory, UploadRowFactory
from tests.helpers import login_url, make_user
from uploads.models import AuditEvent, Membership, Team, Upload
from uploads.services.audit import audit

Action = AuditEvent.Action
State = Upload.State


@contextmanager
def clock(moment: datetime.datetime):
    """Events written inside happen at `moment` (AuditEvent.at is automatic)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def day(text: str, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(text).replace(hour=hour))


def sales_and_finance_history(team, other_team, alice, charlie, operator):
    """Alice's sales upload, from checking to an operator's resolution (carrying
    SALES-Q4-01), and charlie's finance upload (carrying FIN-CLOSE)."""
    sales = UploadFactory(
        team=team, created_by=alice, state=State.RESOLVED, row_count=4
    )
    UploadRowFactory(upload=sales, external_id="SALES-Q4-01")
    finance = UploadFactory(team=other_team, created_by=charlie, state=State.QUEUED)
    UploadRowFactory(upload=finance, external_id="FIN-CLOSE")
    with clock(day("2026-03-02", 9)):
        audit(action=Action.UPLOAD_CREATED, upload=sales, actor=alice, rows=4, errors=2)
    with clock(day("2026-03-02", 10)):
        audit(action=Action.UPLOAD_CONFIRMED, upload=sales, actor=alice)
        audit(action=Action.SUBMIT_QUEUED, upload=sales, job_id="73a0b6")
    with clock(day("2026-03-03")):
        audit(action=Action.UPLOAD_FAILED, upload=sales, reason="AchieveIt said 400")
    with clock(day("2026-03-05")):
        audit(
            action=Action.UPLOAD_RESOLVED,
            upload=sales,
            actor=operator,
            note="checked in AchieveIt",
        )
    with clock(day("2026-03-04")):
        audit(action=Action.UPLOAD_CREATED, upload=finance, actor=charlie)
        audit(action=Action.UPLOAD_CONFIRMED, upload=finance, actor=charlie)
    with clock(day("2026-03-06")):
        audit(action=Action.USER_CREATED, actor=operator, username="dave")
    return sales, finance


@pytest.fixture
def history(team, other_team, alice, charlie, operator):
    return sales_and_finance_history(team, other_team, alice, charlie, operator)


def sentences(response) -> list[str]:
    """What each row says happened, top to bottom."""
    page = response.content.decode()
    cells = re.findall(r'<span data-testid="sentence">(.*?)</span>', page)
    return [re.sub(r"\s+", " ", cell).strip().replace("&#x27;", "'") for cell in cells]


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/history/?team=sales")
    assert response.status_code == 302
    assert response["Location"] == login_url("/history/?team=sales")


def test_a_member_reads_their_teams_events_newest_first_in_words(
    client, history, alice, bob
):
    sales, finance = history
    for user in (alice, bob):
        client.force_login(user)
        response = client.get("/history/")
        assert response.status_code == 200
        assert sentences(response) == [
            "operator resolved: checked in AchieveIt",
            "Sending failed: AchieveIt said 400",
            "AchieveIt accepted job 73a0b6",
            "alice sent 4 updates",
            "alice checked a file (4 updates, 2 errors)",
        ]
        page = response.content.decode()
        assert f'href="/uploads/{sales.public_id}/"' in page
        assert f'href="/uploads/{finance.public_id}/"' not in page
        assert "charlie" not in page
        assert "dave" not in page  # a staff matter, no team's


def test_system_events_name_no_person(client, history, alice):
    client.force_login(alice)
    page = client.get("/history/?action=upload.failed").content.decode()
    assert '<span class="text-secondary">system</span>' in page


def test_staff_see_every_teams_events(client, history, operator):
    client.force_login(operator)
    said = sentences(client.get("/history/"))
    assert "charlie sent 1 update" in said
    assert "alice sent 4 updates" in said
    assert "operator created user dave" in said
    assert len(said) == 8


def test_the_navigation_leads_here(client, alice):
    client.force_login(alice)
    page = client.get("/history/").content.decode()
    assert '<a class="nav-link" href="/history/" aria-current="page">' in page


CHARLIES = ["charlie sent 1 update", "charlie checked a file (1 update)"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("team=finance", CHARLIES),
        ("state=queued", CHARLIES),
        (
            "date_from=2026-03-03&date_to=2026-03-04",
            [*CHARLIES, "Sending failed: AchieveIt said 400"],
        ),
        (
            "person=Operator",
            ["operator created user dave", "operator resolved: checked in AchieveIt"],
        ),
        (
            "person=system",
            ["Sending failed: AchieveIt said 400", "AchieveIt accepted job 73a0b6"],
        ),
        ("external_id=FIN-CLOSE", CHARLIES),
        ("action=upload.confirmed", ["charlie sent 1 update", "alice sent 4 updates"]),
    ],
)
def test_each_filter_narrows_the_events(client, history, operator, query, expected):
    client.force_login(operator)
    response = client.get(f"/history/?{query}")
    assert response.status_code == 200
    assert sentences(response) == expected


def test_filters_combine_and_travel_into_the_export_link(client, history, alice):
    client.force_login(alice)
    response = client.get("/history/?person=alice&external_id=SALES-Q4-01")
    assert sentences(response) == [
        "alice sent 4 updates",
        "alice checked a file (4 updates, 2 errors)",
    ]
    assert (
        'href="/history/export.csv?person=alice&amp;external_id=SALES-Q4-01"'
        in response.content.decode()
    )


def test_a_member_cannot_pick_another_teams_events(client, history, alice):
    client.force_login(alice)
    response = client.get("/history/?team=finance")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "charlie" not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=31/12/2026", "Enter a valid date"),
        ("action=submit.exploded", "Select a valid choice"),
        ("state=lost", "Select a valid choice"),
        (
            "date_from=2026-03-05&date_to=2026-03-01",
            "The end date 2026-03-01 comes before the start date 2026-03-05",
        ),
        ("older=yesterday", "This page link is not one the portal made"),
        ("newer=20261399T000000000000-1", "This page link is not one the portal made"),
    ],
)
def test_a_filter_it_cannot_use_is_a_400_that_says_why(
    client, history, alice, query, message
):
    client.force_login(alice)
    response = client.get(f"/history/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'data-testid="filters"' in response.content.decode()


def test_a_new_team_is_told_how_to_start(client, alice, bob):
    client.force_login(alice)
    page = client.get("/history/").content.decode()
    assert "Nothing has happened yet: upload a file to start" in page
    assert 'href="/upload/"' in page
    client.force_login(bob)  # a viewer cannot upload; the page does not ask them
    page = client.get("/history/").content.decode()
    assert "Nothing has happened yet" in page
    assert "upload a file to start" not in page


def test_filters_that_match_nothing_offer_to_clear_them(client, history, alice):
    client.force_login(alice)
    page = client.get("/history/?person=nobody").content.decode()
    assert "No events match these filters" in page
    assert 'href="/history/">clear the filters</a>' in page
    assert 'data-testid="export"' not in page


# --- paging -------------------------------------------------------------------


def many_events(team: Team, count: int, *, ties: int = 0) -> None:
    """`count` events of one upload a minute apart, numbered from 1, the last
    `ties` of them at the very same moment."""
    upload = UploadFactory(team=team)
    start = day("2026-01-01")
    for number in range(1, count + 1):
        moment = start + datetime.timedelta(minutes=min(number, count - ties))
        with clock(moment):
            audit(action=Action.UPLOAD_FAILED, upload=upload, reason=f"event {number}")


def page_ids(response) -> list[int]:
    """The numbers of the events on the page, top to bottom."""
    return [
        int(n)
        for n in re.findall(r"Sending failed: event (\d+)<", response.content.decode())
    ]


def link(response, name: str) -> str:
    found = re.search(
        rf'href="(\?[^"]*)" rel="\w+" data-testid="{name}"', response.content.decode()
    )
    return found[1].replace("&amp;", "&") if found else ""


def test_older_and_newer_pages_neither_repeat_nor_skip_an_event(client, alice, team):
    # 130 events, the newest 40 at one instant: the id settles their order.
    many_events(team, 130, ties=40)
    client.force_login(alice)
    seen: list[list[int]] = []
    response = client.get("/history/")
    while True:
        seen.append(page_ids(response))
        older = link(response, "older")
        if not older:
            break
        response = client.get(f"/history/{older}")
    assert [len(page) for page in seen] == [50, 50, 30]
    assert [number for page in seen for number in page] == list(range(130, 0, -1))
    assert link(client.get("/history/"), "newer") == ""

    # And back: Newer from the last page gives the middle page exactly.
    newer = link(response, "newer")
    assert page_ids(client.get(f"/history/{newer}")) == seen[1]


def test_a_page_costs_the_same_queries_on_page_one_and_page_five(
    client, alice, team, django_assert_num_queries
):
    many_events(team, 260, ties=60)
    client.force_login(alice)
    # session, user, the user's teams, the events, the team choices, navigation (2)
    with django_assert_num_queries(7):
        response = client.get("/history/")
    for _ in range(3):
        response = client.get(f"/history/{link(response, 'older')}")
    with django_assert_num_queries(7):
        response = client.get(f"/history/{link(response, 'older')}")
    assert page_ids(response) == list(range(60, 10, -1))  # the fifth page


def test_a_page_link_does_not_give_away_how_many_events_there_are(
    client, alice, team, other_team
):
    # Event ids are global and sequential: a bare one in a link would tell each
    # team how much happens in the others.
    many_events(other_team, 30)
    many_events(team, 60)
    client.force_login(alice)

    older = link(client.get("/history/"), "older")

    cursor = older.removeprefix("?older=")
    last_shown = AuditEvent.objects.filter(team=team).order_by("-at", "-id")[49]
    assert not cursor.endswith(f"-{last_shown.pk}")
    assert int(cursor.split("-")[1], 16) != last_shown.pk
    assert len(page_ids(client.get(f"/history/{older}"))) == 10


@pytest.mark.parametrize("token", ["ffffffffffffffff", "8000000000000000", "0" * 16])
@pytest.mark.parametrize("direction", ["older", "newer"])
def test_a_made_up_page_link_is_a_page_or_a_400_never_an_error(
    client, alice, team, token, direction
):
    many_events(team, 60)
    client.force_login(alice)

    response = client.get(f"/history/?{direction}=20260101T010000000000-{token}")

    assert response.status_code in (200, 400)


def test_paging_keeps_the_filters(client, alice, team):
    many_events(team, 60)
    other = UploadFactory(team=team)
    audit(action=Action.UPLOAD_CONFIRMED, upload=other, actor=alice)
    client.force_login(alice)
    response = client.get("/history/?action=upload.failed")
    older = link(response, "older")
    assert older.startswith("?action=upload.failed&older=")
    assert len(page_ids(client.get(f"/history/{older}"))) == 10


def test_a_second_team_member_sees_both_teams(client, history, alice, other_team):
    Membership.objects.create(user=alice, team=other_team, role=Membership.Role.VIEWER)
    client.force_login(alice)
    said = sentences(client.get("/history/"))
    assert "charlie sent 1 update" in said
    assert "operator created user dave" not in said


def test_someone_in_no_team_sees_an_empty_history(client, history):
    nobody = make_user("nobody")
    client.force_login(nobody)
    response = client.get("/history/")
    assert response.status_code == 200
    assert sentences(response) == []


def test_people_read_as_they_were_named_when_they_acted(client, history, alice):
    alice.username = "alice.w"
    alice.save()
    client.force_login(alice)

    response = client.get("/history/?person=alice")

    assert sentences(response) == [
        "alice sent 4 updates",
        "alice checked a file (4 updates, 2 errors)",
    ]
    page = response.content.decode()
    assert "alice.w" not in page.split('data-testid="events"')[1]


def test_an_archived_upload_is_named_by_its_number_without_a_link(client, team, alice):
    audit(
        action=Action.UPLOAD_ARCHIVED,
        team=team,
        upload_number=41,
        archive="uploads-20260101-000000-41",
        rows=4,
        events=3,
    )
    client.force_login(alice)

    response = client.get("/history/")

    assert sentences(response) == [
        "The portal archived upload #41 (4 updates, 3 events) "
        "to uploads-20260101-000000-41"
    ]
    page = response.content.decode()
    assert '<span title="Archived: no longer in the portal">#41</span>' in page


# --- comments and metric updates (issue 16) --------------------------------------


def test_narrowed_to_an_item_each_upload_shows_its_comment(client, team, alice):
    upload = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    UploadRowFactory(upload=upload, external_id="SALES-Q4-01", comment="Ahead")
    UploadRowFactory(upload=upload, external_id="SALES-Q4-02", comment="Behind")
    audit(action=Action.UPLOAD_CONFIRMED, upload=upload, actor=alice)
    client.force_login(alice)

    narrowed = client.get("/history/?external_id=SALES-Q4-02").content.decode()
    everything = client.get("/history/").content.decode()

    assert "Comment: Behind" in narrowed
    assert "Ahead" not in narrowed
    assert 'data-testid="event-comment"' not in everything


def test_a_metric_upload_is_marked_in_the_history(client, team, alice):
    metric = UploadFactory(team=team, created_by=alice, kind=Upload.Kind.METRIC)
    audit(action=Action.UPLOAD_CONFIRMED, upload=metric, actor=alice)
    progress = UploadFactory(team=team, created_by=alice)
    audit(action=Action.UPLOAD_CONFIRMED, upload=progress, actor=alice)
    client.force_login(alice)
    page = client.get("/history/").content.decode()
    assert page.count('data-testid="metric-update">metric update</span>') == 1
