"""What AchieveIt answered, as an upload's page and the review page show it: an
error box only when the upload ended with a problem, reasons in words, the raw
answer only behind a disclosure (issue 19)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.factories import UploadFactory, UploadRowFactory
from uploads.models import Attempt, Upload

State = Upload.State
ERRORS_500 = '{"errors": [{"message": "could not queue the file"}]}'
FAILED_BODY = (
    '{"jobId": "j-1", "status": "Failed", "errors": [{"row": 3, "message": '
    '"value 0.93 is out of range"}]}'
)


def _call(upload: Upload, *, minutes_ago: int, status: int, body: str) -> None:
    Attempt.objects.create(
        upload=upload,
        kind=Attempt.Kind.SUBMIT if status != 200 else Attempt.Kind.POLL,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        status_code=status,
        outcome="x",
        message=f"HTTP {status}",
        response_body=body,
    )


def test_a_success_after_two_retried_500s_shows_no_error_box(client, alice, team):
    upload = UploadFactory(
        team=team, created_by=alice, state=State.SUCCEEDED, job_id="j-9"
    )
    _call(upload, minutes_ago=5, status=500, body=ERRORS_500)
    _call(upload, minutes_ago=4, status=500, body=ERRORS_500)
    _call(upload, minutes_ago=3, status=202, body='{"jobId": "j-9"}')
    _call(upload, minutes_ago=2, status=200, body='{"status": "Succeeded"}')
    client.force_login(alice)
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    assert 'data-testid="achieveit-errors"' not in page
    assert "What AchieveIt said" not in page
    calls = page.split('data-testid="attempts"')[1].split("</table>")[0]
    assert calls.count("could not queue the file") == 2  # the retries stay listed


def test_a_failure_lists_the_last_answers_reasons_and_keeps_the_raw_one_folded(
    client, alice, team
):
    upload = UploadFactory(
        team=team,
        created_by=alice,
        state=State.FAILED,
        error_text="AchieveIt did not apply the file.\n\nAchieveIt said: "
        + FAILED_BODY,
    )
    UploadRowFactory(upload=upload, line=2, external_id="SALES-Q4-01")
    UploadRowFactory(upload=upload, line=5, external_id="HR-RETENTION")
    _call(upload, minutes_ago=5, status=500, body=ERRORS_500)
    _call(upload, minutes_ago=1, status=400, body=FAILED_BODY)
    client.force_login(alice)
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    box = page.split('data-testid="achieveit-errors"')[1].split("</section>")[0]
    assert "value 0.93 is out of range" in box
    assert "could not queue the file" not in box  # an earlier answer, not the last
    assert '<details class="mt-2" data-testid="raw-answer">' in box
    problem = page.split('data-testid="error-text">')[1].split("</dd>")[0]
    assert "jobId" not in problem
    assert "{" not in problem
    assert (
        "AchieveIt&#x27;s reason: row 3 of the file as sent (your row 5, "
        "HR-RETENTION): value 0.93 is out of range." in problem
    )


def test_the_review_page_words_the_reasons_and_folds_the_raw_answer(
    client, operator, team
):
    upload = UploadFactory(
        team=team,
        state=State.FAILED,
        error_text="AchieveIt did not apply the file.\n\nAchieveIt said: "
        + FAILED_BODY,
    )
    UploadRowFactory(upload=upload, line=2, external_id="SALES-Q4-01")
    UploadRowFactory(upload=upload, line=5, external_id="HR-RETENTION")
    _call(upload, minutes_ago=1, status=400, body=FAILED_BODY)
    client.force_login(operator)
    page = client.get(f"/review/{upload.public_id}/").content.decode()
    reason = page.split('data-testid="reason">')[1].split("</dd>")[0]
    assert "jobId" not in reason
    assert "value 0.93 is out of range" in reason
    calls = page.split('data-testid="attempts"')[1].split("</table>")[0]
    assert "your row 5, HR-RETENTION" in calls.split('data-testid="answer-words">')[1]
    raw = calls.split('data-testid="raw-answer">')[1].split("</details>")[0]
    assert "&quot;jobId&quot;" in raw  # the raw answer, one click away
    queue = client.get("/review/").content.decode()
    card = queue.split('data-testid="reason">')[1].split("</p>")[0]
    assert "jobId" not in card
    assert "value 0.93 is out of range" in card
