"""An upload's page (/uploads/<public id>/): its preview, updates, calls and history for
the team and staff; the send buttons for uploaders; the review buttons for staff;
a plain 404 for anyone else."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UploadFactory, UploadRowFactory
from tests.helpers import login_url
from uploads.models import Attempt, AuditEvent, Upload
from uploads.services.audit import audit

State = Upload.State


def test_it_sends_anonymous_visitors_to_log_in(client, draft):
    url = f"/uploads/{draft.public_id}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == login_url(url)


def test_an_uploader_may_send_or_discard_a_clean_draft(client, alice, draft):
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.public_id}/").content.decode()
    assert "Ready to send: 1 update" in page
    assert "Send to AchieveIt" in page
    assert f'action="/uploads/{draft.public_id}/discard/"' in page


def test_a_viewer_sees_the_preview_without_the_send_buttons(client, bob, draft):
    client.force_login(bob)
    response = client.get(f"/uploads/{draft.public_id}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ready to send: 1 update" in page
    assert "Send to AchieveIt" not in page
    assert f'action="/uploads/{draft.public_id}/discard/"' not in page


def test_it_shows_the_updates_the_calls_and_the_history(client, bob, team, alice):
    upload = UploadFactory(
        team=team, created_by=alice, state=State.PROCESSING, job_id="job-7"
    )
    rows = UploadRowFactory.create_batch(3, upload=upload)
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.SUBMIT,
        started_at=timezone.now(),
        status_code=200,
        outcome="queued",
        message="AchieveIt queued the file",
    )
    audit(action=AuditEvent.Action.SUBMIT_QUEUED, upload=upload, job_id="job-7")
    client.force_login(bob)
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    assert "<code>job-7</code>" in page
    for row in rows:
        assert f'<td data-label="External ID">{row.external_id}</td>' in page
    assert "AchieveIt queued the file" in page
    history = page.split('data-testid="history"')[1]
    # AchieveIt's answer, recorded by no person, in words.
    assert "AchieveIt accepted job job-7" in history


def test_only_staff_get_the_review_link(client, alice, bob, operator, failed):
    for user in (alice, bob):
        client.force_login(user)
        page = client.get(f"/uploads/{failed.public_id}/").content.decode()
        assert "Review this upload" not in page, user.username
        assert "AchieveIt said no" in page
    client.force_login(operator)
    page = client.get(f"/uploads/{failed.public_id}/").content.decode()
    assert f'href="/review/{failed.public_id}/"' in page
    # Every action goes through the review page and its rules: no one-click forms.
    assert f'action="/review/{failed.public_id}/' not in page


def test_staff_see_any_teams_upload(client, operator, charlie, other_team):
    upload = UploadFactory(team=other_team, created_by=charlie)
    client.force_login(operator)
    response = client.get(f"/uploads/{upload.public_id}/")
    assert response.status_code == 200
    assert '<dd class="col-sm-9">Finance</dd>' in response.content.decode()


def test_an_unknown_page_says_so_in_plain_words(client, alice, settings):
    settings.DEBUG = False
    client.force_login(alice)
    response = client.get(f"/uploads/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert b"belongs to a team you are not a member of" in response.content


# --- The summary on the page (its words: tests/wording/), AchieveIt's errors, the
# duplicate warning, the retry badge ----------------------------------------------


def summary_of(client, upload) -> str:
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    return page.split('data-testid="summary"')[1].split("</div>\n</div>")[0]


def test_a_failure_says_who_was_told_and_which_row_to_fix(
    client, alice, team, settings
):
    settings.POINT_OF_CONTACT_EMAIL = "planning@example.org"
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.FAILED,
        notified_at=timezone.now(),
        confirmed_at=timezone.now(),
    )
    UploadRowFactory(upload=upload, line=2, external_id="SALES-Q4-01")
    UploadRowFactory(upload=upload, line=5, external_id="HR-RETENTION")
    body = (
        '{"jobId": "j-1", "status": "Failed", "errors": [{"row": 3, "message": '
        '"HR-RETENTION: value 0.93 is out of range"}, {"row": null, "message": '
        '"1 row failed"}]}'
    )
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.POLL,
        started_at=timezone.now(),
        status_code=400,
        outcome="failed",
        message="AchieveIt did not apply the file",
        response_body=body,
    )
    client.force_login(alice)
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()

    summary = summary_of(client, upload)
    assert "AchieveIt did not apply this file. The planning office has been told." in (
        summary
    )
    assert "Fix row 5 and send again." in summary
    table = page.split('data-testid="achieveit-errors"')[1].split("</table>")[0]
    assert '<td data-label="Row sent">3</td>' in table  # the row as sent...
    assert '<td data-label="Your row">5</td>' in table  # ...is row 5 of alice's file
    assert "HR-RETENTION: value 0.93 is out of range" in table
    assert "1 row failed" in table
    # The raw answer stays one click away, in its own box.
    assert "<details><summary>Raw answer" in page
    assert '<pre class="response-body"' in page


@pytest.mark.parametrize(
    "body",
    [
        '{"errors": [{"line": 2, "error": "unknown status"}]}',
        '{"rowErrors": [{"rowNumber": 2, "detail": "unknown status"}]}',
        '[{"row": "2", "message": "unknown status"}]',
    ],
)
def test_achieveits_errors_are_read_under_other_key_names(body):
    from uploads.selectors.uploads import remote_errors

    assert [(e.row, e.message) for e in remote_errors(body)] == [(2, "unknown status")]


def test_a_body_that_is_no_json_list_has_no_errors_table(client, bob, team):
    upload = UploadFactory(team=team, state=State.FAILED)
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.SUBMIT,
        started_at=timezone.now(),
        status_code=500,
        outcome="failed",
        response_body="<html>Bad gateway</html>",
    )
    client.force_login(bob)
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    assert 'data-testid="achieveit-errors"' not in page
    assert "&lt;html&gt;Bad gateway&lt;/html&gt;" in page


def test_the_calls_table_appears_only_once_there_are_calls(client, alice, draft):
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.public_id}/").content.decode()
    assert 'data-testid="attempts"' not in page
    checked_by = page.split('data-testid="checked-by">')[1].split("</dd>")[0]
    assert checked_by.startswith("alice, <time datetime=")
    assert "Checked by</dt>" in page
    assert "Sent by" not in page


def test_sent_by_shows_once_sent(client, alice, team):
    upload = UploadFactory(
        team=team, created_by=alice, state=State.QUEUED, confirmed_at=timezone.now()
    )
    client.force_login(alice)
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    sent_by = page.split('data-testid="sent-by">')[1].split("</dd>")[0]
    assert sent_by.startswith("alice, <time datetime=")


def test_the_same_payload_sent_lately_gets_a_warning(client, alice, team, draft):
    sent = UploadFactory(
        team=team,
        created_by=alice,
        state=State.SUCCEEDED,
        confirmed_at=timezone.now(),
        original_name="october.csv",
    )
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.public_id}/").content.decode()
    warning = page.split('data-testid="duplicate"')[1].split("</div>")[0]
    assert f'<a href="/uploads/{sent.public_id}/"' in warning
    assert f">upload #{sent.number}</a> (october.csv), sent <time" in warning


@pytest.mark.parametrize(
    ("state", "age_days"),
    [(State.SUCCEEDED, 31), (State.REJECTED, 1), (State.FAILED, 1)],
)
def test_no_warning_for_an_old_or_unsent_payload(
    client, alice, team, draft, state, age_days
):
    other = UploadFactory(team=team, created_by=alice, state=state)
    Upload.objects.filter(pk=other.pk).update(
        created_at=timezone.now() - timedelta(days=age_days)
    )
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.public_id}/").content.decode()
    assert 'data-testid="duplicate"' not in page


def test_another_teams_same_payload_is_never_named(client, alice, charlie, draft):
    UploadFactory(team=charlie.memberships.get().team, state=State.SUCCEEDED)
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.public_id}/").content.decode()
    assert 'data-testid="duplicate"' not in page


def test_the_badge_counts_down_while_a_retry_waits(client, alice, team, settings):
    settings.SUBMIT_MAX_ATTEMPTS = 5
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.QUEUED,
        submit_attempts=1,
        next_attempt_at=timezone.now() + timedelta(seconds=8),
    )
    client.force_login(alice)
    badge = client.get(
        f"/uploads/{upload.public_id}/state/?shown=queued"
    ).content.decode()
    assert "Retrying in 8 s, attempt 2 of 5" in badge
    assert 'hx-trigger="every 2s"' in badge
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    assert "Retrying in 8 s, attempt 2 of 5" in page


def test_a_first_send_has_no_countdown(client, alice, team):
    upload = UploadFactory(
        team=team, created_by=alice, state=State.QUEUED, next_attempt_at=timezone.now()
    )
    client.force_login(alice)
    badge = client.get(
        f"/uploads/{upload.public_id}/state/?shown=queued"
    ).content.decode()
    assert "Retrying" not in badge


def test_an_upload_is_named_by_its_opaque_id_not_its_number(client, alice, team):
    # Ids are global and sequential: in an address they would tell each team how
    # much the others send. People in the team read their team's own "#12".
    upload = UploadFactory(team=team, created_by=alice, state=State.FAILED)
    client.force_login(alice)

    assert upload.get_absolute_url() == f"/uploads/{upload.public_id}/"
    assert client.get(f"/uploads/{upload.pk}/").status_code == 404
    page = client.get(upload.get_absolute_url()).content.decode()
    assert f"Upload #{upload.number}" in page
    for listing in (page, client.get("/").content.decode()):
        assert not re.search(r"/(uploads|review)/\d+/", listing)


# --- comments and metric updates (issue 16) --------------------------------------


def test_the_updates_show_their_comments_only_when_there_are_some(client, alice, team):
    plain = UploadFactory(team=team, created_by=alice)
    UploadRowFactory(upload=plain, external_id="SALES-Q4-01")
    commented = UploadFactory(team=team, created_by=alice)
    UploadRowFactory(upload=commented, external_id="SALES-Q4-01", comment="Line one")
    UploadRowFactory(upload=commented, external_id="SALES-Q4-02")
    client.force_login(alice)

    plain_page = client.get(f"/uploads/{plain.public_id}/").content.decode()
    commented_page = client.get(f"/uploads/{commented.public_id}/").content.decode()

    assert '<th scope="col">Comment</th>' not in plain_page
    assert '<th scope="col">Comment</th>' in commented_page
    assert commented_page.count('data-testid="row-comment"') == 2
    assert ">Line one</div></td>" in commented_page
    assert "Progress update" in plain_page


def test_a_metric_upload_says_so_and_has_no_status_column(client, alice, team):
    upload = UploadFactory(team=team, created_by=alice, kind=Upload.Kind.METRIC)
    UploadRowFactory(upload=upload, external_id="SALES-Q4-01", status="", value="7")
    client.force_login(alice)
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    assert "Metric update" in page
    assert '<th scope="col">Current Metric Value</th>' in page
    assert '<th scope="col">Status</th>' not in page
