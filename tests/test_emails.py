"""The email about a problem upload: grammar for each state, the link, one line of
subject whatever a name holds (the text lives in templates/emails/); marked sent
only once it was sent, and sent by the sweep when it could not be at first."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from tests.factories import UploadRowFactory
from uploads.models import AuditEvent, Team, Upload
from uploads.services import delivery

State = Upload.State


@pytest.fixture
def problem_upload(team, alice, settings):
    settings.POINT_OF_CONTACT_EMAIL = "contact@example.com"
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    return Upload.objects.create(
        team=team, created_by=alice, source="csv", row_count=1, error_text="No."
    )


@pytest.mark.parametrize(
    ("state", "subject_end", "body_says"),
    [
        (State.FAILED, "for Sales failed", "failed: AchieveIt did not apply it."),
        (State.NEEDS_REVIEW, "for Sales needs review", "needs a person's review"),
    ],
)
def test_the_email_speaks_of_each_state_in_good_grammar(
    problem_upload, state, subject_end, body_says
):
    Upload.objects.filter(pk=problem_upload.pk).update(state=state)

    assert delivery.notify_problem(upload_id=problem_upload.pk)

    (message,) = mail.outbox
    assert message.subject == (
        f"[AchieveIt portal] Upload #{problem_upload.number} {subject_end}"
    )
    assert f"(1 update for Sales) {body_says}" in message.body
    assert "Reason: No." in message.body
    assert (
        f"https://portal.example.org/uploads/{problem_upload.public_id}/"
        in message.body
    )
    assert sorted(message.to) == ["alice@example.com", "contact@example.com"]


def test_a_team_name_with_markup_is_written_as_is(problem_upload):
    problem_upload.team.name = "R&D <Labs>"
    problem_upload.team.save()
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.FAILED)

    delivery.notify_problem(upload_id=problem_upload.pk)

    assert "R&D <Labs>" in mail.outbox[0].subject
    assert "&amp;" not in mail.outbox[0].body


class FlakyBackend(locmem.EmailBackend):
    """Refuses the first message (the mail server was down), then delivers."""

    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_an_email_that_could_not_be_sent_is_sent_by_the_sweep(
    problem_upload, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_emails.FlakyBackend"
    FlakyBackend.failures_left = 1
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.FAILED)

    with caplog.at_level(logging.ERROR, logger="uploads.services.delivery"):
        assert not delivery.notify_problem(upload_id=problem_upload.pk)

    problem_upload.refresh_from_db()
    assert problem_upload.notified_at is None
    assert mail.outbox == []
    (record,) = caplog.records
    assert f"upload {problem_upload.pk}" in record.getMessage()
    assert record.exc_info is not None  # the cause, with its traceback
    assert delivery.upload_sweep()["notified"] == 0  # not again at once

    later = timezone.now() + delivery.NOTIFY_RETRY_AFTER + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert delivery.upload_sweep()["notified"] == 1
        assert delivery.upload_sweep()["notified"] == 0

    problem_upload.refresh_from_db()
    assert problem_upload.notified_at == later
    (message,) = mail.outbox
    assert f"Upload #{problem_upload.number}" in message.subject
    assert problem_upload.events.filter(
        action=AuditEvent.Action.NOTIFICATION_SENT
    ).exists()


def test_the_sweep_sends_an_email_a_stopped_worker_never_sent(problem_upload):
    # Failed, but the worker stopped before its commit hook mailed anyone.
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.NEEDS_REVIEW)

    assert delivery.upload_sweep()["notified"] == 1

    assert len(mail.outbox) == 1
    assert not delivery.notify_problem(upload_id=problem_upload.pk)
    assert len(mail.outbox) == 1


def test_a_resolved_upload_is_no_longer_mailed_about(problem_upload):
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.RESOLVED)

    assert delivery.upload_sweep()["notified"] == 0
    assert mail.outbox == []


def test_the_subject_is_one_clean_line_whatever_the_team_name_holds(problem_upload):
    # Written past the validator, as a name from before it would be (PostgreSQL
    # stores no NUL, so the bell and escape stand for the other control codes).
    Team.objects.filter(pk=problem_upload.team_id).update(
        name="Sales\r\nBcc: x@example.com\x07\x1b[31m\u202eOps"
    )
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.FAILED)

    assert delivery.notify_problem(upload_id=problem_upload.pk)

    (message,) = mail.outbox
    assert message.subject == (
        f"[AchieveIt portal] Upload #{problem_upload.number} for "
        "Sales Bcc: x@example.com [31m Ops failed"
    )
    assert message.bcc == []


def test_an_uploader_who_is_the_point_of_contact_gets_one_email_counted_once(
    problem_upload, alice, settings
):
    settings.POINT_OF_CONTACT_EMAIL = alice.email
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.FAILED)

    assert delivery.notify_problem(upload_id=problem_upload.pk)

    assert [message.to for message in mail.outbox] == [[alice.email]]
    sent = problem_upload.events.get(action=AuditEvent.Action.NOTIFICATION_SENT)
    assert sent.details["recipients"] == 1


def test_the_email_quotes_the_comments_and_says_metric_updates(problem_upload):
    Upload.objects.filter(pk=problem_upload.pk).update(
        state=State.FAILED, kind=Upload.Kind.METRIC, row_count=12
    )
    for number in range(12):
        UploadRowFactory(
            upload=problem_upload,
            line=number + 2,
            external_id=f"SALES-{number:02d}",
            comment=f"note {number}" if number != 1 else "",
        )

    assert delivery.notify_problem(upload_id=problem_upload.pk)

    body = mail.outbox[0].body
    assert "(12 metric updates for Sales) failed" in body
    assert "Comments sent with its updates (the first 10 of 11):\n" in body
    assert "- SALES-00: note 0\n- SALES-02: note 2\n" in body
    assert "SALES-11" not in body
    assert "SALES-01" not in body


def test_an_email_without_comments_reads_as_before(problem_upload):
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.FAILED)

    assert delivery.notify_problem(upload_id=problem_upload.pk)

    body = mail.outbox[0].body
    assert "Comments" not in body
    assert "Reason: No.\n\nSee it in the portal:" in body
