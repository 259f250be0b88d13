"""Updates entered in the form: only the changed rows, checked by the CSV rules with
the same messages, kept as a form draft that is made once however often it is
posted."""

from __future__ import annotations

import uuid

import pytest

from uploads.models import AuditEvent, Upload
from uploads.services.drafts import (
    FormAlreadySent,
    upload_create,
    upload_create_from_form,
)

State = Upload.State


def create(team, user, rows, lines=None, token=None):
    return upload_create_from_form(
        team=team,
        user=user,
        rows=rows,
        lines=lines,
        form_token=token or str(uuid.uuid4()),
    )


def test_the_changed_rows_become_a_form_draft_ready_to_send(
    team, alice, plan_items, settings
):
    upload = create(
        team,
        alice,
        [
            ["SALES-Q4-02", "At Risk", "45%", "2026-10-31"],
            ["IT-MIGRATION", "Achieved", "", "2026-10-31"],
        ],
        lines=[2, 4],
    )
    assert (upload.state, upload.source, upload.created_by) == (
        State.DRAFT,
        Upload.Source.FORM,
        alice,
    )
    assert upload.is_sendable
    assert upload.normalized_csv == (
        "External ID,Status,Current Value,As Of Date\n"
        "SALES-Q4-02,At Risk,0.45,2026-10-31\n"
        "IT-MIGRATION,Achieved,,2026-10-31\n"
    )
    assert list(upload.rows.values_list("line", "external_id")) == [
        (2, "SALES-Q4-02"),
        (4, "IT-MIGRATION"),
    ]
    # What the person typed is kept as it was typed.
    original = (settings.PRIVATE_STORAGE_DIR / upload.original_path).read_text()
    assert original == (
        "External ID,Status,Current Value,As Of Date\n"
        "SALES-Q4-02,At Risk,45%,2026-10-31\n"
        "IT-MIGRATION,Achieved,,2026-10-31\n"
    )
    event = AuditEvent.objects.get(upload=upload)
    assert (event.action, event.details["source"]) == ("upload.created", "form")


def test_an_item_with_a_metric_needs_a_value(team, alice, plan_items):
    upload = create(team, alice, [["SALES-Q4-01", "On Track", "", "2026-10-31"]], [3])
    assert not upload.is_sendable
    assert [f["message"] for f in upload.findings] == [
        "Row 3 (SALES-Q4-01), Current Value: 'SALES-Q4-01' has a metric, so its"
        " update needs a Current Value. Write it as a number (percentages as"
        " decimals: 45% is 0.45)."
    ]


def test_findings_have_the_words_of_a_csv_with_the_forms_row_and_id(
    team, alice, plan_items
):
    upload = create(
        team,
        alice,
        [
            ["SALES-Q4-01", "Acheived", "0.5", "2026-10-31"],
            ["SALES-Q4-02", "On Track", "45%", "2026-10-31"],
            ["FIN-CLOSE", "On Track", "1", "2026-10-31"],
        ],
        lines=[1, 2, 7],
    )
    from_csv = upload_create(
        team=team,
        user=alice,
        data=b"SALES-Q4-01,Acheived,0.5,2026-10-31\n"
        b"SALES-Q4-02,On Track,45%,2026-10-31\n"
        b"FIN-CLOSE,On Track,1,2026-10-31\n",
    )
    messages = [f["message"] for f in upload.findings]
    assert messages == [
        f["message"]
        .replace("Row 1,", "Row 1 (SALES-Q4-01),")
        .replace("Row 2,", "Row 2 (SALES-Q4-02),")
        .replace("Row 3,", "Row 7 (FIN-CLOSE),")
        for f in from_csv.findings
    ]
    assert (
        "Row 1 (SALES-Q4-01), Status: 'Acheived' is not an AchieveIt status"
        in (messages[0])
    )
    assert "Did you mean 'Achieved'?" in messages[0]
    assert upload.findings[0]["suggestion"] == "Achieved"  # for a one-click fix
    assert any(m.startswith("Row 7 (FIN-CLOSE), External ID:") for m in messages)
    assert [f["line"] for f in upload.findings] == [1, 2, 7]
    assert not upload.is_sendable


def test_a_form_posted_twice_makes_one_draft(team, alice, plan_items):
    rows = [["SALES-Q4-02", "At Risk", "10", "2026-10-31"]]
    token = str(uuid.uuid4())
    first = create(team, alice, rows, token=token)
    with pytest.raises(FormAlreadySent) as again:
        create(team, alice, rows, token=token)
    assert again.value.upload == first
    assert Upload.objects.count() == 1
    assert AuditEvent.objects.filter(action="upload.created").count() == 1


def test_a_race_of_two_posts_still_makes_one_draft(team, alice, plan_items):
    rows = [["SALES-Q4-02", "At Risk", "10", "2026-10-31"]]
    token = str(uuid.uuid4())
    first = create(team, alice, rows, token=token)
    # The second post looked before the first had stored its draft.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Upload.objects, "filter", lambda **kw: Upload.objects.none())
        with pytest.raises(FormAlreadySent) as again:
            create(team, alice, rows, token=token)
    assert again.value.upload == first
    assert Upload.objects.count() == 1


def test_a_token_is_per_team(team, other_team, alice, charlie, plan_items):
    token = str(uuid.uuid4())
    create(team, alice, [["SALES-Q4-02", "At Risk", "10", "2026-10-31"]], token=token)
    other = create(
        other_team, charlie, [["FIN-CLOSE", "On Track", "1", "2026-10-31"]], token=token
    )
    assert other.team == other_team
    assert Upload.objects.count() == 2
