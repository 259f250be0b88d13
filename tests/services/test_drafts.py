"""Drafts: a file checked and kept with its rows, findings and original bytes;
confirmed once and only when clean; discarded; or remade without its invalid rows."""

from __future__ import annotations

import hashlib
from unittest import mock

import pytest

from tests.helpers import MESSY_CSV
from tests.pipeline import CLEAN_CSV
from uploads.models import AuditEvent, Upload
from uploads.services.drafts import (
    upload_confirm,
    upload_create,
    upload_create_from_form,
    upload_reject,
)
from uploads.services.errors import ServiceError
from uploads.services.revisions import upload_exclude_invalid

State = Upload.State


def test_a_draft_keeps_rows_findings_and_the_original_file(draft, settings):
    assert draft.state == State.DRAFT
    assert draft.row_count == 4
    assert list(draft.rows.values_list("external_id", flat=True)) == [
        "SALES-Q4-01",
        "SALES-Q4-02",
        "HR-RETENTION",
        "IT-MIGRATION",
    ]
    assert draft.rows.get(external_id="IT-MIGRATION").value == ""
    stored = settings.PRIVATE_STORAGE_DIR / draft.original_path
    assert stored.read_bytes() == CLEAN_CSV
    assert draft.checksum == hashlib.sha256(draft.normalized_csv.encode()).hexdigest()


def test_a_draft_with_errors_has_no_payload_to_send(team, alice, plan_items):
    upload = upload_create(
        team=team,
        user=alice,
        data=CLEAN_CSV + b"SALES-Q4-01,Ontrack,0.4,2026-11-30\n",
    )
    assert upload.row_count == 4  # the valid rows are kept for the preview
    assert upload.normalized_csv == ""
    assert upload.checksum == ""
    assert not upload.is_sendable


def test_a_confirmation_posted_twice_queues_once(queued, alice):
    with pytest.raises(ServiceError, match="already confirmed"):
        upload_confirm(upload=queued, user=alice)
    assert AuditEvent.objects.filter(action="upload.confirmed").count() == 1


def test_a_draft_with_errors_cannot_be_confirmed(team, alice, plan_items):
    upload = upload_create(
        team=team,
        user=alice,
        data=b"SALES-Q4-01,Ontrack,0.4,2026-10-31\n",
    )
    with pytest.raises(ServiceError, match="has errors"):
        upload_confirm(upload=upload, user=alice)
    upload.refresh_from_db()
    assert upload.state == State.DRAFT


def test_confirm_publishes_the_submit_task_only_after_commit(
    draft, alice, django_capture_on_commit_callbacks
):
    with mock.patch("uploads.services.delivery.publish_submit") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            upload_confirm(upload=draft, user=alice)
            assert publish.call_count == 0
        for callback in callbacks:
            callback()
    publish.assert_called_once_with(draft.pk)


def test_a_draft_is_discarded_once_and_keeps_its_file(draft, alice, settings):
    assert upload_reject(upload=draft, user=alice) is True
    assert upload_reject(upload=draft, user=alice) is False
    draft.refresh_from_db()
    assert draft.state == State.REJECTED
    assert (settings.PRIVATE_STORAGE_DIR / draft.original_path).exists()
    assert AuditEvent.objects.filter(action="upload.rejected").count() == 1


def test_a_queued_upload_is_not_discarded(queued, alice):
    assert upload_reject(upload=queued, user=alice) is False
    queued.refresh_from_db()
    assert queued.state == State.QUEUED


def test_leaving_out_invalid_rows_makes_a_clean_draft_from_the_same_file(
    team, alice, plan_items
):
    messy = upload_create(team=team, user=alice, data=MESSY_CSV)

    clean = upload_exclude_invalid(upload=messy, user=alice)

    messy.refresh_from_db()
    assert messy.state == State.REJECTED
    assert (clean.state, clean.row_count, clean.is_sendable) == (State.DRAFT, 2, True)
    assert clean.original_path == messy.original_path
    assert clean.findings[0]["message"] == (
        f"Made from upload #{messy.number} without its rows with errors, which are not "
        "sent: row 5 (HR-RETENTION), row 6 (IT-MIGRATION)."
    )
    assert clean.revision_of == messy
    assert messy.events.get(action="upload.rejected").details == {
        "replaced_by": clean.number
    }
    assert clean.events.get(action="upload.created").details["made_from"] == messy.pk


def test_leaving_out_invalid_rows_needs_a_valid_row(team, alice, plan_items):
    hopeless = upload_create(
        team=team, user=alice, data=b"SALES-Q4-01,Ontrack,0.4,2026-10-31\n"
    )
    with pytest.raises(ServiceError, match="No row of this file is valid"):
        upload_exclude_invalid(upload=hopeless, user=alice)
    hopeless.refresh_from_db()
    assert hopeless.state == State.DRAFT
    assert Upload.objects.count() == 1


def _id_finding(upload: Upload) -> dict:
    (finding,) = [f for f in upload.findings if f["column"] == "External ID"]
    return finding


@pytest.mark.parametrize("way", ["file", "form"])
def test_another_teams_id_reads_exactly_like_one_nobody_has(
    team, alice, plan_items, way
):
    # FIN-CLOSE is finance's: an uploader of sales must not learn that it exists.
    def send(external_id: str) -> Upload:
        cells = [external_id, "On Track", "1", "2026-10-31"]
        if way == "file":
            data = "External ID,Status,Current Value,As Of Date\n" + ",".join(cells)
            return upload_create(team=team, user=alice, data=data.encode())
        return upload_create_from_form(
            team=team, user=alice, rows=[cells], form_token=external_id
        )

    theirs, nobodys = _id_finding(send("FIN-CLOSE")), _id_finding(send("FIN-CLOSX"))

    assert theirs["code"] == nobodys["code"] == "id.unknown"
    assert theirs["message"] == nobodys["message"].replace("FIN-CLOSX", "FIN-CLOSE")
    assert theirs["suggestion"] is nobodys["suggestion"] is None
