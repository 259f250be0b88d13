"""GET /api/progressupdates/status/<job id>: 202 while the upload is on its way or
with a person, 200 only when AchieveIt applied it, 400 when it finally was not.
Another team's job, or no job, is a JSON 404."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import UploadFactory
from uploads.models import Attempt, Upload
from uploads.services.tokens import token_create

State = Upload.State


@pytest.fixture
def token(team, alice):
    return token_create(team=team, name="weekly export", actor=alice)[1]


def ask(job_id, token, method="get", header=None):
    client = Client(enforce_csrf_checks=True)
    return getattr(client, method)(
        f"/api/progressupdates/status/{job_id}",
        headers={"Authorization": header or f"API-KEY {token}"},
    )


@pytest.mark.parametrize(
    ("state", "outcome", "status_code"),
    [
        (State.DRAFT, "", 202),
        (State.QUEUED, "", 202),
        (State.SUBMITTING, "", 202),
        (State.PROCESSING, "", 202),
        (State.NEEDS_REVIEW, "", 202),
        (State.SUCCEEDED, "", 200),
        (State.RESOLVED, "applied", 200),
        (State.RESOLVED, "not_applied", 400),
        # Resolved without saying AchieveIt applied it: final, and not a success.
        (State.RESOLVED, "", 400),
        (State.FAILED, "", 400),
        (State.REJECTED, "", 400),
        (State.CANCELED, "", 400),
    ],
)
def test_the_status_code_follows_the_upload(token, team, state, outcome, status_code):
    upload = UploadFactory(team=team, state=state, resolution_outcome=outcome)

    response = ask(upload.public_id, token)

    assert response.status_code == status_code
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["jobId"] == str(upload.public_id)
    assert body["state"] == state
    assert body["message"]


def test_it_tells_achieveits_job_and_last_answer(token, team):
    upload = UploadFactory(team=team, state=State.FAILED, job_id="73a0b6")
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.POLL,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status_code=400,
        outcome="failed",
        response_body='{"errors": ["Row 2: unknown External ID"]}',
    )

    body = ask(upload.public_id, token).json()

    assert body["achieveitJobId"] == "73a0b6"
    assert body["achieveitAnswer"]["statusCode"] == 400
    assert "unknown External ID" in body["achieveitAnswer"]["body"]
    assert body["message"] == "AchieveIt did not apply the updates."


def test_it_lists_the_findings_of_a_refused_file(token, team):
    upload = UploadFactory(
        team=team,
        state=State.REJECTED,
        findings=[
            {
                "line": 5,
                "column": "Status",
                "severity": "error",
                "message": "Row 5, Status: ...",
                "code": "status.unknown",
                "suggestion": "Achieved",
            }
        ],
    )

    body = ask(upload.public_id, token).json()

    assert body["findings"] == [
        {
            "row": 5,
            "column": "Status",
            "severity": "error",
            "code": "status.unknown",
            "message": "Row 5, Status: ...",
            "suggestion": "Achieved",
        }
    ]


def test_the_bare_header_and_head_of_the_article_work(token, team):
    upload = UploadFactory(team=team, state=State.SUCCEEDED)

    assert ask(upload.public_id, token, header=token).status_code == 200
    assert ask(upload.public_id, token, method="head").status_code == 200


def test_another_teams_job_is_a_404(token, other_team):
    upload = UploadFactory(team=other_team, state=State.SUCCEEDED)

    response = ask(upload.public_id, token)

    assert response.status_code == 404
    assert "jobId" not in response.json()


@pytest.mark.parametrize("job_id", ["12", "not-a-uuid", "%00", "x" * 300])
def test_a_malformed_or_unknown_job_is_a_json_404(token, job_id):
    response = ask(job_id, token)

    assert response.status_code == 404
    assert response.json()["error"]


def test_an_unknown_uuid_is_a_404(token):
    assert ask(uuid.uuid4(), token).status_code == 404


def test_the_numeric_id_is_not_a_job_id(token, team):
    upload = UploadFactory(team=team, state=State.SUCCEEDED)

    assert ask(upload.pk, token).status_code == 404


@pytest.mark.parametrize("header", ["", "API-KEY nope", "nope"])
def test_a_wrong_token_is_a_401(team, header):
    upload = UploadFactory(team=team, state=State.SUCCEEDED)

    response = ask(upload.public_id, None, header=header or " ")

    assert response.status_code == 401
    assert response.json()["error"]


def test_post_is_not_allowed(token, team):
    upload = UploadFactory(team=team)
    response = Client().post(
        f"/api/progressupdates/status/{upload.public_id}",
        headers={"Authorization": f"API-KEY {token}"},
    )

    assert response.status_code == 405
    assert response.json()["error"]
