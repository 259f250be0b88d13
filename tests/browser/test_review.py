"""An operator works through a queue of failures: sends one again after checking
AchieveIt, resolves one with an outcome, cancels one, sends several again at
once, and each action appears in the upload's history. A bare POST of "send
again" on an upload whose POST outcome is unknown sends nothing: the
simulator's job list proves it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory
from tests.pipeline import Pipeline
from uploads.models import Upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]
State = Upload.State


def queue_ids(page) -> list[int]:
    items = page.locator("[data-testid=queue-item]")
    return [
        int(items.nth(i).get_attribute("data-upload")) for i in range(items.count())
    ]


def history_of(page, upload: Upload) -> str:
    page.goto(f"/review/{upload.public_id}/")
    return page.inner_text("[data-testid=history]")


def failed_upload(team, alice, reason: str, hours_ago: int) -> Upload:
    upload = UploadFactory(
        team=team, created_by=alice, state=State.FAILED, error_text=reason
    )
    Upload.objects.filter(pk=upload.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago)
    )
    return upload


def test_an_operator_clears_a_queue_of_failures(
    page, workers, simulator, plan_items, team, alice, operator
):
    pipeline = Pipeline(workers, simulator)
    # AchieveIt takes the file but answers after the portal stopped waiting.
    simulator.configure(post_delay=4, processing_delay=0)
    worker = pipeline.start_worker()
    unknown = pipeline.wait_for_state(pipeline.confirm(team, alice), timeout=60)
    assert unknown.state == State.NEEDS_REVIEW, unknown.error_text
    assert len(pipeline.posts()) == 1
    simulator.configure(post_delay=0)

    to_resolve = failed_upload(team, alice, "AchieveIt failed job 7a (HTTP 400)", 9)
    to_cancel = failed_upload(team, alice, "AchieveIt refused the API key", 8)
    bulk = [
        failed_upload(team, alice, "AchieveIt could not queue the file", hours)
        for hours in (7, 6)
    ]
    bulk_unknown = UploadFactory(
        team=team,
        created_by=alice,
        state=State.NEEDS_REVIEW,
        remote_filename="sales-99-20261128T0700-a1.csv",
        error_text="The worker stopped before AchieveIt answered.",
    )

    log_in(page, "operator", then="/review/")
    assert queue_ids(page) == [
        to_resolve.pk,
        to_cancel.pk,
        bulk[0].pk,
        bulk[1].pk,
        unknown.pk,
        bulk_unknown.pk,
    ]
    assert page.inner_text("[data-testid=nav-count-review]") == "6"
    assert unknown.remote_filename in page.inner_text(
        f"[data-upload='{unknown.pk}'] [data-testid=look-for]"
    )
    look_at(page, "review-queue-full")

    # A bare POST to "send again" (no tick, no number) sends nothing.
    page.click(f"[data-testid=review-{unknown.pk}]")
    page.click("[data-testid=send-again-start]")
    warning = page.inner_text("[data-testid=warning]")
    assert "AchieveIt may already hold this file" in warning
    assert unknown.remote_filename in warning
    look_at(page, "review-send-again-confirm")
    token = page.input_value("input[name=csrfmiddlewaretoken]")
    bare = page.request.post(
        f"/review/{unknown.public_id}/send-again/",
        form={"csrfmiddlewaretoken": token},
    )
    assert bare.status == 400
    assert "AchieveIt may already hold this file" in bare.text()
    # Nor does a click past the browser's own checks without the confirmation.
    page.evaluate(
        "document.querySelectorAll('[required]').forEach(e => e.required = false)"
    )
    page.click("[data-testid=send-again-confirm]")
    assert "Tick the box once you have checked AchieveIt" in page.inner_text("main")
    look_at(page, "review-send-again-refused")
    pipeline.wait_for_sweeps(worker, 2)
    assert len(pipeline.posts()) == 1
    unknown.refresh_from_db()
    assert unknown.state == State.NEEDS_REVIEW

    # With the tick and the upload number it is sent again, once.
    page.check("input[name=checked]")
    page.fill("input[name=upload_number]", str(unknown.number))
    page.fill("textarea[name=note]", "Not in AchieveIt's import list")
    page.click("[data-testid=send-again-confirm]")
    page.wait_for_url("**/review/")
    assert f"Upload #{unknown.number} is queued to be sent again." in page.inner_text(
        "main"
    )
    assert pipeline.wait_for_state(unknown).state == State.SUCCEEDED
    assert len(pipeline.posts()) == 2

    # Resolve one with an outcome.
    page.click(f"[data-testid=review-{to_resolve.pk}]")
    look_at(page, "review-upload-failed")
    page.fill("[data-testid=resolve] textarea[name=note]", "Entered by hand")
    page.check("input[name=outcome][value=applied]")
    page.click("[data-testid=resolve-submit]")
    page.wait_for_url("**/review/")

    # Cancel one, with a reason.
    page.click(f"[data-testid=review-{to_cancel.pk}]")
    page.fill("textarea[name=reason]", "Superseded by next week's file")
    page.click("[data-testid=cancel-submit]")
    page.wait_for_url("**/review/")
    assert queue_ids(page) == [bulk[0].pk, bulk[1].pk, bulk_unknown.pk]

    # Send several again at once: the unknown one waits for its own confirmation.
    for upload in [*bulk, bulk_unknown]:
        page.check(f"#tick-{upload.pk}")
    page.select_option("select[name=action]", "retry")
    page.fill("input[name=text]", "AchieveIt was down on Monday")
    page.click("[data-testid=bulk-apply]")
    assert "Done (2)" in page.inner_text("[data-testid=done]")
    awaiting = page.inner_text("[data-testid=awaiting-confirmation]")
    assert bulk_unknown.remote_filename in awaiting
    assert page.locator(f"[data-testid=confirm-{bulk_unknown.pk}]").is_visible()
    look_at(page, "review-bulk-done")
    for upload in bulk:
        assert pipeline.wait_for_state(upload).state == State.SUCCEEDED
    assert len(pipeline.posts()) == 4
    bulk_unknown.refresh_from_db()
    assert bulk_unknown.state == State.NEEDS_REVIEW

    # The last one is resolved from the queue too, and the queue is empty.
    page.goto("/review/")
    page.check(f"#tick-{bulk_unknown.pk}")
    page.select_option("select[name=action]", "resolve")
    page.fill("input[name=text]", "Found it applied in AchieveIt")
    page.select_option("select[name=outcome]", "applied")
    page.click("[data-testid=bulk-apply]")
    page.goto("/review/")
    assert "No failure waits for a person" in page.inner_text("[data-testid=empty]")
    assert page.locator("[data-testid=nav-count-review]").count() == 0
    look_at(page, "review-queue-empty")

    # Every action is in its upload's history, with who and why.
    assert (
        "operator queued it to be sent again: Not in AchieveIt's import list"
        in history_of(page, unknown)
    )
    assert "operator resolved (applied in AchieveIt): Entered by hand" in history_of(
        page, to_resolve
    )
    assert "operator canceled the upload: Superseded by next week's file" in (
        history_of(page, to_cancel)
    )
    for upload in bulk:
        assert "queued it to be sent again: AchieveIt was down on Monday" in (
            history_of(page, upload)
        )
    assert "resolved (applied in AchieveIt): Found it applied in AchieveIt" in (
        history_of(page, bulk_unknown)
    )
    look_at(page, "review-upload-resolved")
