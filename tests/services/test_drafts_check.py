"""A file is stored, and its upload exists, before it is checked: whatever the check
meets (a crash, a worker killed mid-file, a lost message), nothing sent is lost and
the sweep has it checked again."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.helpers import MESSY_CSV
from tests.pipeline import CLEAN_CSV
from uploads import csvformat
from uploads.models import AuditEvent, Upload
from uploads.services.delivery import upload_sweep
from uploads.services.drafts import (
    upload_check,
    upload_check_by_id,
    upload_create,
    upload_receive,
)

State = Upload.State


def test_a_received_file_is_kept_before_any_check(team, alice, plan_items, settings):
    with mock.patch.object(csvformat, "parse") as parse:
        upload = upload_receive(
            team=team, user=alice, data=MESSY_CSV, original_name="week.csv"
        )
    parse.assert_not_called()
    assert upload.state == State.CHECKING
    assert (settings.PRIVATE_STORAGE_DIR / upload.original_path).read_bytes() == (
        MESSY_CSV
    )
    assert upload.original_name == "week.csv"


def test_a_check_that_crashes_leaves_the_file_and_its_upload(team, alice, plan_items):
    with (
        mock.patch.object(csvformat, "parse", side_effect=MemoryError),
        pytest.raises(MemoryError),
    ):
        upload_create(team=team, user=alice, data=CLEAN_CSV)

    upload = Upload.objects.get()
    assert upload.state == State.CHECKING
    assert upload_check(upload=upload).state == State.DRAFT


def test_checking_reads_the_stored_file_and_makes_the_draft(team, alice, plan_items):
    upload = upload_receive(team=team, user=alice, data=MESSY_CSV)

    upload_check_by_id(upload_id=upload.pk)

    upload.refresh_from_db()
    assert upload.state == State.DRAFT
    assert upload.row_count == 2
    assert any(f["code"] == "status.unknown" for f in upload.findings)
    created = upload.events.get(action=AuditEvent.Action.UPLOAD_CREATED)
    assert (created.actor, created.details["errors"]) == (alice, 2)


def test_a_second_check_of_the_same_file_changes_nothing(team, alice, plan_items):
    """A message delivered twice: the second worker finds it checked already."""
    upload = upload_receive(team=team, user=alice, data=CLEAN_CSV)
    upload_check_by_id(upload_id=upload.pk)
    upload_check_by_id(upload_id=upload.pk)
    again = upload_check(upload=upload)

    assert again.state == State.DRAFT
    assert upload.rows.count() == 4
    assert upload.events.filter(action=AuditEvent.Action.UPLOAD_CREATED).count() == 1


def test_a_long_check_reports_how_far_it_got(team, alice, plan_items, monkeypatch):
    monkeypatch.setattr(csvformat.reading, "PROGRESS_EVERY", 2)
    upload = upload_receive(team=team, user=alice, data=CLEAN_CSV)
    assert upload.rows_checked == 0

    upload_check(upload=upload, data=CLEAN_CSV, report_progress=True)

    # The header and four rows: the count was written at rows 2 and 4 while the
    # upload was checking, and the draft keeps the last one.
    upload.refresh_from_db()
    assert (upload.state, upload.rows_checked) == (State.DRAFT, 4)


def test_the_sweep_has_a_file_left_unchecked_checked_again(team, alice, plan_items):
    upload = upload_receive(team=team, user=alice, data=CLEAN_CSV)
    fresh = upload_receive(team=team, user=alice, data=CLEAN_CSV)
    long_ago = timezone.now() - timedelta(hours=1)
    Upload.objects.filter(pk=upload.pk).update(updated_at=long_ago)

    with mock.patch("uploads.tasks.check_upload.apply_async") as publish:
        counts = upload_sweep()

    assert counts["checks"] == 1
    publish.assert_called_once()
    assert publish.call_args.kwargs["args"] == [upload.pk]
    # Touched: the next sweep waits a grace period before publishing it again.
    with mock.patch("uploads.tasks.check_upload.apply_async") as publish:
        assert upload_sweep()["checks"] == 0
    publish.assert_not_called()
    fresh.refresh_from_db()
    assert fresh.state == State.CHECKING
