"""A big file is kept at once and checked by a worker: the request that brings it
holds a web worker only as long as storing it takes, and its page follows the
check until the preview is there."""

from __future__ import annotations

from unittest import mock

from tests.helpers import MESSY_CSV, post_file
from uploads.models import Upload
from uploads.services.drafts import upload_check_by_id

State = Upload.State


def test_a_big_file_is_stored_and_handed_to_a_worker(
    client, alice, plan_items, settings, django_capture_on_commit_callbacks
):
    settings.CHECK_IN_WORKER_BYTES = 10
    client.force_login(alice)

    with (
        mock.patch("uploads.tasks.check_upload.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        page = post_file(client, MESSY_CSV).content.decode()

    upload = Upload.objects.get()
    assert upload.state == State.CHECKING
    publish.assert_called_once()
    assert publish.call_args.kwargs["args"] == [upload.pk]
    assert "The file is kept and being checked. Nothing has been sent." in page
    assert 'data-testid="rows-checked"' in page
    assert "Send to AchieveIt" not in page


def test_the_page_follows_the_check_to_the_preview(client, alice, plan_items, settings):
    settings.CHECK_IN_WORKER_BYTES = 10
    client.force_login(alice)
    with mock.patch("uploads.tasks.check_upload.apply_async"):
        post_file(client, MESSY_CSV)
    upload = Upload.objects.get()
    badge = f"/uploads/{upload.public_id}/state/?shown=checking"

    Upload.objects.filter(pk=upload.pk).update(rows_checked=5000)
    waiting = client.get(badge)
    assert "5,000 rows read" in waiting.content.decode()
    assert "HX-Refresh" not in waiting

    upload_check_by_id(upload_id=upload.pk)
    done = client.get(badge)
    assert done["HX-Refresh"] == "true"  # the page reloads with the preview
    preview = client.get(upload.get_absolute_url()).content.decode()
    assert "2 problems to fix before this can be sent" in preview


def test_a_small_file_is_checked_at_once(client, alice, plan_items, settings):
    settings.CHECK_IN_WORKER_BYTES = 1_000_000
    client.force_login(alice)
    with mock.patch("uploads.tasks.check_upload.apply_async") as publish:
        page = post_file(client, MESSY_CSV).content.decode()
    publish.assert_not_called()
    assert Upload.objects.get().state == State.DRAFT
    assert "2 problems to fix before this can be sent" in page
