"""A team's saved column mapping: made once from a draft of another system's file,
then applied to the next file with the same header by every way in (the upload
page, the script API, validate_updates and submit_updates); managers delete it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from uploads import csvformat
from uploads.models import ColumnMapping, Upload
from uploads.services import column_mappings
from uploads.services.drafts import upload_create
from uploads.services.errors import ServiceError
from uploads.services.tokens import token_create

EXPORT = (
    b"KPI Code,RAG,Actual,Period End,Owner,Notes\n"
    b"SALES-Q4-01,Green,0.5,2026-10-31,Ann,on plan\n"
    b"SALES-Q4-02,Amber,12,2026-10-31,Bob,slow\n"
    b"HR-RETENTION,Red,0.9,2026-10-31,Cy,\n"
)
COLUMNS = {0: "External ID", 1: "Status", 2: "Metric Value", 3: "As Of Date"}
COLUMNS |= {4: None, 5: "Comment"}
WORDS = {"Green": "On Track", "Amber": "At Risk", "Red": "Off Track"}
State = Upload.State


@pytest.fixture
def mapped(team, alice, plan_items) -> Upload:
    """A draft of the export, remapped by Alice: the mapping is saved."""
    draft = upload_create(team=team, user=alice, data=EXPORT)
    return column_mappings.upload_remap(
        upload=draft, user=alice, columns=COLUMNS, status_words=WORDS
    )


def test_an_unmapped_export_is_refused_with_unknown_columns(team, alice, plan_items):
    draft = upload_create(team=team, user=alice, data=EXPORT)
    assert not draft.is_sendable
    # Not a header the portal knows: its rows are read as four cells and fail.
    assert {finding["code"] for finding in draft.findings} >= {"row.columns"}


def test_remapping_makes_a_clean_revision_and_saves_the_mapping(mapped, team, alice):
    assert mapped.state == State.DRAFT
    assert mapped.is_sendable
    assert Upload.objects.get(pk=mapped.revision_of_id).state == State.REJECTED
    assert [(row.external_id, row.status) for row in mapped.rows.order_by("line")] == [
        ("SALES-Q4-01", "On Track"),
        ("SALES-Q4-02", "At Risk"),
        ("HR-RETENTION", "Off Track"),
    ]
    messages = [finding["message"] for finding in mapped.findings]
    assert messages[:2] == [
        "Read with the columns as you mapped them (saved for the team).",
        "Column E (Owner) is left out: nothing in it is sent.",
    ]
    assert "Row 2, Status: Green read as On Track (the team's mapping)." in messages
    saved = ColumnMapping.objects.get(team=team)
    assert saved.header == ["KPI Code", "RAG", "Actual", "Period End", "Owner", "Notes"]
    assert saved.columns["4"] is None
    assert saved.columns["0"] == "External ID"
    assert saved.status_words == WORDS
    assert saved.created_by == alice


def test_the_next_file_with_that_header_is_read_by_the_saved_mapping(
    mapped, team, alice
):
    next_week = EXPORT.replace(b"2026-10-31", b"2026-11-07").replace(b"RAG", b"rag")
    upload = upload_create(team=team, user=alice, data=next_week)
    assert upload.is_sendable
    assert upload.findings[0]["code"] == column_mappings.SAVED_CODE
    assert upload.findings[0]["message"] == (
        "Read with the team's saved mapping for these columns."
    )
    assert upload.row_count == 3
    assert ColumnMapping.objects.get(team=team).last_used_at is not None


def test_another_team_does_not_get_the_mapping(mapped, other_team, charlie):
    upload = upload_create(team=other_team, user=charlie, data=EXPORT)
    assert not upload.is_sendable
    assert upload.findings[0]["code"] != column_mappings.SAVED_CODE


def test_the_script_api_applies_the_saved_mapping(mapped, team, alice):
    _, token = token_create(team=team, name="export", actor=alice)
    response = Client().post(
        "/api/progressupdates/weekly.csv",
        data=EXPORT,
        content_type="text/csv",
        headers={"Authorization": f"API-KEY {token}"},
    )
    assert response.status_code == 200, response.content
    upload = Upload.objects.get(public_id=response.json()["jobId"])
    assert upload.row_count == 3
    assert upload.state == State.QUEUED


def test_validate_updates_with_the_team_applies_the_saved_mapping(
    mapped, team, tmp_path
):
    path = tmp_path / "export.csv"
    path.write_bytes(EXPORT)
    out = io.StringIO()
    call_command(
        "validate_updates",
        str(path),
        "--team",
        team.slug,
        "--format",
        "json",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["valid"] is True
    assert [update["status"] for update in report["updates"]] == [
        "On Track",
        "At Risk",
        "Off Track",
    ]
    assert report["findings"][0]["code"] == column_mappings.SAVED_CODE


def test_a_mapping_must_read_rows(team, alice, plan_items):
    draft = upload_create(team=team, user=alice, data=EXPORT)
    with pytest.raises(ServiceError, match="External ID and for As Of Date"):
        column_mappings.upload_remap(
            upload=draft, user=alice, columns={0: "External ID"}, status_words={}
        )
    with pytest.raises(ServiceError, match="'Status' is given to two columns"):
        column_mappings.upload_remap(
            upload=draft,
            user=alice,
            columns={0: "Status", 1: "Status"},
            status_words={},
        )
    assert not ColumnMapping.objects.exists()


def test_a_deleted_mapping_is_no_longer_applied(mapped, team, other_team, alice):
    saved = ColumnMapping.objects.get(team=team)
    assert not column_mappings.mapping_delete(team=other_team, mapping_id=saved.pk)
    assert column_mappings.mapping_delete(team=team, mapping_id=saved.pk)
    upload = upload_create(team=team, user=alice, data=EXPORT)
    assert not upload.is_sendable


def test_an_achieveit_header_is_never_remapped(mapped, team, alice):
    clean = (
        b"External ID,Status,Current Value,As Of Date\n"
        b"SALES-Q4-01,On Track,1,2026-10-31\n"
    )
    upload = upload_create(team=team, user=alice, data=clean)
    assert upload.is_sendable
    assert [f["code"] for f in upload.findings] == []
    assert upload.kind == csvformat.PROGRESS


def test_submit_updates_applies_the_saved_mapping(mapped, team, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(EXPORT.replace(b"2026-10-31", b"2026-11-07"))
    out = io.StringIO()
    call_command(
        "submit_updates", str(path), "--team", team.slug, "--user", "alice", stdout=out
    )
    upload = Upload.objects.latest("pk")
    assert upload.state == State.QUEUED
    assert "queued (3 " in out.getvalue()
    assert "SALES-Q4-01,On Track,0.5,2026-11-07,on plan" in upload.normalized_csv
