"""upload_revise: a draft's cells corrected in the browser become a new draft,
checked again with the team's rules; the old one is rejected, both keep their
files, and they name each other."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers import MESSY_CSV
from uploads.models import AuditEvent, Upload
from uploads.selectors.uploads import rows_by_line, rows_with_errors
from uploads.services.drafts import (
    upload_create,
    upload_create_from_form,
    upload_reject,
)
from uploads.services.errors import ServiceError
from uploads.services.revisions import upload_revise

State = Upload.State
FIXES = {5: {"Status": "Achieved"}, 6: {"As Of Date": "2026-10-31"}}


@pytest.fixture
def messy(team, alice, plan_items) -> Upload:
    return upload_create(
        team=team, user=alice, data=MESSY_CSV, original_name="export.csv"
    )


def test_the_bad_rows_are_read_back_as_written_with_their_suggestions(messy):
    bad = rows_with_errors(messy)

    assert [row.line for row in bad] == [5, 6]
    assert bad[0].cells == ["HR-RETENTION", "Acheived", "0.93", "2026-10-31"]
    assert bad[0].bad[1].suggestion == "Achieved"
    assert bad[1].cells[3] == "31/10/2026"
    assert bad[1].bad[3].suggestion == "2026-10-31"


def _cell_messages(upload: Upload) -> list[tuple[int, int, list[str]]]:
    return [
        (row.line, index, cell.messages)
        for row in rows_with_errors(upload)
        for index, cell in row.bad.items()
    ]


def test_a_draft_stored_before_findings_kept_their_detail_reads_the_same(messy):
    shown = _cell_messages(messy)
    assert shown[0][:2] == (5, 1)
    assert shown[0][2][0].startswith("'Acheived' is not an AchieveIt status.")

    # As a draft stored then holds them: the whole sentence, no detail.
    messy.findings = [
        {key: value for key, value in finding.items() if key != "detail"}
        for finding in messy.findings
    ]
    messy.save(update_fields=["findings"])

    assert _cell_messages(messy) == shown


def test_correcting_every_error_makes_a_clean_revision(messy, alice):
    revision = upload_revise(upload=messy, user=alice, corrections=FIXES)

    messy.refresh_from_db()
    assert messy.state == State.REJECTED
    assert revision.state == State.DRAFT
    assert revision.is_sendable
    assert revision.revision_of == messy
    assert list(messy.revisions.all()) == [revision]
    assert revision.row_count == 4
    assert revision.original_name == "export.csv"
    assert revision.normalized_csv.splitlines()[1:] == [
        "SALES-Q4-01,On Track,0.45,2026-10-31",
        "SALES-Q4-02,At Risk,125000,2026-10-31",
        "HR-RETENTION,Achieved,0.93,2026-10-31",
        "IT-MIGRATION,Not Started,,2026-10-31",
    ]
    # Each row keeps its number: row 5 is still row 5.
    assert list(revision.rows.values_list("line", flat=True)) == [2, 3, 5, 6]


def test_both_files_are_kept(messy, alice):
    revision = upload_revise(upload=messy, user=alice, corrections=FIXES)

    storage = Path(settings.PRIVATE_STORAGE_DIR)
    assert (storage / messy.original_path).read_bytes() == MESSY_CSV
    kept = (storage / revision.original_path).read_text()
    assert "HR-RETENTION,Achieved,0.93,2026-10-31" in kept
    assert rows_by_line(revision)[6] == [
        "IT-MIGRATION",
        "Not started",
        "",
        "2026-10-31",
    ]


def test_a_correction_that_is_still_wrong_is_reported_again(messy, alice):
    revision = upload_revise(
        upload=messy, user=alice, corrections={5: {"Status": "Achieve it"}}
    )

    assert not revision.is_sendable
    errors = [f["message"] for f in revision.findings if f["severity"] == "error"]
    assert errors[0].startswith(
        "Row 5, Status: 'Achieve it' is not an AchieveIt status."
    )
    assert errors[1].startswith("Row 6, As Of Date: '31/10/2026'")


def test_the_history_says_what_happened(messy, alice):
    revision = upload_revise(upload=messy, user=alice, corrections=FIXES)

    rejected = messy.events.get(action=AuditEvent.Action.UPLOAD_REJECTED)
    assert rejected.details["replaced_by"] == revision.number
    assert rejected.details["note"] == "corrected 2 cells in the browser"
    created = revision.events.get(action=AuditEvent.Action.UPLOAD_CREATED)
    assert created.details["made_from"] == messy.pk
    assert created.actor == alice


def test_a_draft_already_sent_or_discarded_is_not_revised(messy, alice):
    upload_reject(upload=messy, user=alice)
    messy.refresh_from_db()

    with pytest.raises(ServiceError, match="no longer a draft"):
        upload_revise(upload=messy, user=alice, corrections=FIXES)
    assert Upload.objects.count() == 1


@pytest.mark.parametrize(
    ("corrections", "message"),
    [
        ({99: {"Status": "Achieved"}}, "Row 99 is not a row of this draft"),
        ({5: {"Owner": "bob"}}, "unknown column 'Owner'"),
    ],
)
def test_a_correction_of_nothing_there_is_refused(messy, alice, corrections, message):
    with pytest.raises(ServiceError, match=message):
        upload_revise(upload=messy, user=alice, corrections=corrections)
    messy.refresh_from_db()
    assert messy.state == State.DRAFT


def test_a_draft_whose_file_is_gone_says_so(messy, alice):
    (Path(settings.PRIVATE_STORAGE_DIR) / messy.original_path).unlink()

    with pytest.raises(ServiceError, match="could not be read again"):
        upload_revise(upload=messy, user=alice, corrections=FIXES)


def test_a_form_draft_is_revised_by_the_rows_the_form_showed(team, alice, plan_items):
    draft = upload_create_from_form(
        team=team,
        user=alice,
        rows=[
            ["SALES-Q4-01", "On Track", "0.5", "2026-10-31"],
            ["IT-MIGRATION", "Acheived", "", "2026-10-31"],
        ],
        form_token="form-1",
    )
    (bad,) = rows_with_errors(draft)
    assert bad.external_id == "IT-MIGRATION"
    assert bad.bad[1].suggestion == "Achieved"

    revision = upload_revise(
        upload=draft, user=alice, corrections={bad.line: {"Status": "Acheive"}}
    )

    # Checked again, and still named by the form's row and its External ID.
    assert revision.source == Upload.Source.FORM
    assert revision.findings[0]["line"] == bad.line
    assert revision.findings[0]["message"].startswith(
        f"Row {bad.line} (IT-MIGRATION), Status: 'Acheive'"
    )
    (again,) = rows_with_errors(revision)
    fixed = upload_revise(
        upload=revision, user=alice, corrections={again.line: {"Status": "Achieved"}}
    )
    assert fixed.is_sendable
    assert sorted(fixed.rows.values_list("external_id", "status")) == [
        ("IT-MIGRATION", "Achieved"),
        ("SALES-Q4-01", "On Track"),
    ]
