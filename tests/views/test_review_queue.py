"""The review queue (/review/): every team's failed and needs-review uploads,
oldest first, with the reason, AchieveIt's answers and, for an unknown outcome,
what to look for in AchieveIt; a count in the navigation. Staff only: a plain
404 for everyone else, the login page for anonymous visitors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UploadFactory
from tests.helpers import login_url
from uploads.models import Attempt, Upload

State = Upload.State
QUEUE = "/review/"


def attempt(upload: Upload, kind: str, status_code: int | None, **fields) -> Attempt:
    return Attempt.objects.create(
        upload=upload,
        kind=kind,
        started_at=fields.pop("started_at", timezone.now()),
        status_code=status_code,
        outcome=fields.pop("outcome", "x"),
        **fields,
    )


@pytest.fixture
def unknown(team, alice):
    """A POST that timed out after it was sent: AchieveIt may hold the file."""
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.NEEDS_REVIEW,
        remote_filename="sales-41-20261128T0700-a1.csv",
        error_text="AchieveIt did not answer in time: the file may have been queued.",
    )
    attempt(
        upload,
        Attempt.Kind.SUBMIT,
        None,
        started_at=timezone.now() - timedelta(hours=3),
        message="No answer within 30 s.",
    )
    return upload


def test_staff_see_every_teams_failures_oldest_first(
    client, operator, failed, unknown, other_team
):
    older = UploadFactory(
        team=other_team, state=State.FAILED, error_text="AchieveIt refused the key"
    )
    Upload.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    UploadFactory(team=other_team, state=State.SUCCEEDED)
    UploadFactory(team=other_team, state=State.RESOLVED)
    client.force_login(operator)

    response = client.get(QUEUE)

    page = response.content.decode()
    assert response.status_code == 200
    listed = [item["data-upload"] for item in _items(page)]
    assert listed == [str(older.pk), str(failed.pk), str(unknown.pk)]
    assert "AchieveIt refused the key" in page
    assert "3 uploads wait for a person" in page
    assert 'data-testid="nav-count-review">3<' in page


def test_an_unknown_outcome_says_what_to_look_for_in_achieveit(
    client, operator, unknown
):
    client.force_login(operator)
    page = client.get(QUEUE).content.decode()
    assert "sales-41-20261128T0700-a1.csv" in page
    assert unknown.checksum in page
    assert "3\xa0hours ago" in page  # when it was sent, from its POST
    assert "may have been queued" in page


def test_achieveits_answers_are_listed_with_repeats_counted(client, operator, failed):
    start = timezone.now() - timedelta(minutes=10)
    attempt(failed, Attempt.Kind.SUBMIT, 200, started_at=start, message="Queued")
    for minute in range(1, 4):
        attempt(
            failed,
            Attempt.Kind.POLL,
            202,
            started_at=start + timedelta(minutes=minute),
            message="Still processing",
        )
    attempt(
        failed,
        Attempt.Kind.POLL,
        400,
        started_at=start + timedelta(minutes=5),
        message="AchieveIt failed to process job",
        response_body='{"errors": ["row 3: unknown External ID"]}',
    )
    client.force_login(operator)
    page = client.get(QUEUE).content.decode()
    assert "HTTP 202 <strong>\N{MULTIPLICATION SIGN} 3</strong>" in page
    assert "AchieveIt failed to process job" in page
    assert "row 3: unknown External ID" in page  # the last answer's body


def test_the_queue_filters_by_state_and_team(
    client, operator, failed, unknown, other_team
):
    client.force_login(operator)
    page = client.get(QUEUE, {"state": "needs_review"}).content.decode()
    assert [item["data-upload"] for item in _items(page)] == [str(unknown.pk)]
    page = client.get(QUEUE, {"team": "finance"}).content.decode()
    assert _items(page) == []
    assert "Nothing waits in this part of the queue" in page


def test_an_unknown_filter_is_a_400_that_says_so(client, operator, failed):
    client.force_login(operator)
    response = client.get(QUEUE, {"state": "succeeded"})
    assert response.status_code == 400
    assert "These filters cannot be used" in response.content.decode()


def test_an_empty_queue_says_there_is_nothing_to_do(client, operator):
    client.force_login(operator)
    page = client.get(QUEUE).content.decode()
    assert "No failure waits for a person" in page
    assert 'data-testid="nav-count-review"' not in page


@pytest.mark.parametrize("count", [3, 25])
def test_the_queue_and_its_count_cost_the_same_queries_for_3_or_25(
    client, operator, team, count, django_assert_num_queries
):
    for _ in range(count):
        upload = UploadFactory(team=team, state=State.FAILED)
        attempt(upload, Attempt.Kind.SUBMIT, 400)
        attempt(upload, Attempt.Kind.POLL, 500)
    client.force_login(operator)
    # 11: one of them lists the succeeded uploads AchieveIt does not fully show.
    with django_assert_num_queries(11):
        response = client.get(QUEUE)
    assert len(_items(response.content.decode())) == count


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == login_url(QUEUE)


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_it_is_a_plain_404_to_everyone_but_staff(client, who, request, failed):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(QUEUE).status_code == 404
    page = client.get("/").content.decode()
    assert 'href="/review/"' not in page  # no Review in their navigation


def _items(page: str) -> list[dict[str, str]]:
    from html.parser import HTMLParser

    found: list[dict[str, str]] = []

    class Items(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if attributes.get("data-testid") == "queue-item":
                found.append(attributes)

    Items().feed(page)
    return found
