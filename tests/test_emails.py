"""The email about a problem upload: grammar for each state, the link, one line of
subject (the text lives in templates/emails/)."""

from __future__ import annotations

import pytest
from django.core import mail

from uploads import services
from uploads.models import Upload

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

    assert services.notify_problem(upload_id=problem_upload.pk)

    (message,) = mail.outbox
    assert message.subject == (
        f"[AchieveIt portal] Upload #{problem_upload.pk} {subject_end}"
    )
    assert f"(1 update for Sales) {body_says}" in message.body
    assert "Reason: No." in message.body
    assert f"https://portal.example.org/uploads/{problem_upload.pk}/" in message.body
    assert sorted(message.to) == ["alice@example.com", "contact@example.com"]


def test_a_team_name_with_markup_is_written_as_is(problem_upload):
    problem_upload.team.name = "R&D <Labs>"
    problem_upload.team.save()
    Upload.objects.filter(pk=problem_upload.pk).update(state=State.FAILED)

    services.notify_problem(upload_id=problem_upload.pk)

    assert "R&D <Labs>" in mail.outbox[0].subject
    assert "&amp;" not in mail.outbox[0].body
