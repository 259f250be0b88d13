"""The history's count of a draft's notes (fixes and warnings): never negative,
however many errors a big bad file has (issue 20: `notes: -98799`)."""

from __future__ import annotations

from tests.helpers import MESSY_CSV
from uploads.models import AuditEvent
from uploads.services.drafts import upload_create


def _created_details(upload) -> dict:
    return AuditEvent.objects.get(upload=upload, action="upload.created").details


def test_a_big_bad_file_counts_its_notes_not_minus_its_errors(team, alice, plan_items):
    bad_rows = b"".join(
        b"NOBODY-%d,On Track,0.5,2026-10-31\n" % line for line in range(3000)
    )
    data = MESSY_CSV + bad_rows
    upload = upload_create(team=team, user=alice, data=data)
    details = _created_details(upload)
    assert details["errors"] >= 3000
    notes = [f for f in upload.findings if f["severity"] != "error"]
    assert notes  # the messy rows' fixes
    assert details["notes"] == len(notes)


def test_a_small_file_counts_each_finding_once(team, alice, plan_items):
    upload = upload_create(team=team, user=alice, data=MESSY_CSV)
    details = _created_details(upload)
    errors = [f for f in upload.findings if f["severity"] == "error"]
    assert details["errors"] == len(errors)
    assert details["notes"] == len(upload.findings) - len(errors) > 0
