"""Choosing the sheet of a workbook with several (/uploads/<id>/sheet/): the draft
asks, the person picks one, and the stored file is checked again reading it, in a
new draft linked to the old one; later checks of that file read the same sheet."""

from __future__ import annotations

import datetime

import pytest

from tests.csvformat.workbooks import xlsx
from tests.helpers import post_file
from uploads.models import AuditEvent, Upload
from uploads.selectors import uploads as selectors_uploads
from uploads.services import drafts

State = Upload.State
HEADER = ["External ID", "Status", "Current Value", "As Of Date"]
DAY = datetime.date(2026, 10, 31)


def two_sheets() -> bytes:
    return xlsx(
        {
            "Q3": [
                HEADER,
                ["SALES-Q4-01", "On Track", 0.3, DAY],
                ["NOPE-1", "On Track", 1, DAY],
            ],
            "Q4": [
                HEADER,
                ["SALES-Q4-01", "At Risk", 0.4, DAY],
                ["SALES-Q4-02", "Off Track", 12, DAY],
            ],
        }
    )


@pytest.fixture
def asking(client, alice, plan_items) -> Upload:
    client.force_login(alice)
    post_file(client, two_sheets(), name="kpis.xlsx")
    return Upload.objects.get()


def url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/sheet/"


def test_a_workbook_with_two_sheets_asks_which_one(client, asking):
    page = client.get(asking.get_absolute_url()).content.decode()

    assert [f["code"] for f in asking.findings] == ["sheet.choose"]
    assert 'data-testid="choose-sheet"' in page
    assert f'action="{url(asking)}"' in page
    assert '<option value="Q3">Q3</option>' in page
    assert '<option value="Q4">Q4</option>' in page


def test_the_chosen_sheet_is_checked_in_a_new_draft(client, alice, asking):
    response = client.post(url(asking), {"sheet": "Q4"}, follow=True)

    chosen = Upload.objects.exclude(pk=asking.pk).get()
    asking.refresh_from_db()
    assert response.redirect_chain == [(chosen.get_absolute_url(), 302)]
    assert (asking.state, chosen.state) == (State.REJECTED, State.DRAFT)
    assert chosen.revision_of == asking
    assert (chosen.sheet, chosen.original_path) == ("Q4", asking.original_path)
    assert chosen.created_by == alice
    assert chosen.is_sendable, chosen.findings
    assert sorted(chosen.rows.values_list("external_id", "status")) == [
        ("SALES-Q4-01", "At Risk"),
        ("SALES-Q4-02", "Off Track"),
    ]
    page = response.content.decode()
    assert "Ready to send: 2 updates" in page
    assert 'data-testid="choose-sheet"' not in page


def test_a_sheet_the_workbook_has_not_is_refused(client, asking):
    response = client.post(url(asking), {"sheet": "Q5"}, follow=True)

    assert "Choose one of the workbook&#x27;s sheets." in response.content.decode()
    assert Upload.objects.get() == asking
    asking.refresh_from_db()
    assert asking.state == State.DRAFT


def test_a_viewer_or_another_team_may_not_choose(client, bob, charlie, asking):
    # A viewer of the team, like someone of another team, is answered 404.
    for person in (bob, charlie):
        client.force_login(person)
        response = client.post(url(asking), {"sheet": "Q4"})
        assert response.status_code == 404, person
    assert Upload.objects.count() == 1
    asking.refresh_from_db()
    assert asking.state == State.DRAFT


def test_it_takes_only_post(client, asking):
    assert client.get(url(asking)).status_code == 405


def test_a_draft_no_longer_a_draft_is_not_checked_again(client, asking):
    client.post(url(asking), {"sheet": "Q4"})
    again = client.post(url(asking), {"sheet": "Q3"}, follow=True)

    assert "This upload is no longer a draft." in again.content.decode()
    assert Upload.objects.count() == 2


def test_a_worker_and_a_check_again_read_the_chosen_sheet(
    client, asking, settings, django_capture_on_commit_callbacks
):
    # A big file is checked by a worker: it reads the sheet stored on the upload.
    settings.CHECK_IN_WORKER_BYTES = 10
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url(asking), {"sheet": "Q3"})
    chosen = Upload.objects.exclude(pk=asking.pk).get()
    assert chosen.state == State.CHECKING

    drafts.upload_check_by_id(upload_id=chosen.pk)

    chosen.refresh_from_db()
    assert list(chosen.rows.values_list("external_id", "status")) == [
        ("SALES-Q4-01", "On Track")
    ]
    (unknown,) = chosen.findings
    assert unknown["message"].startswith("Sheet 'Q3', row 3, column A")
    # Only part of the findings kept: every one comes from reading the file again.
    Upload.objects.filter(pk=chosen.pk).update(findings=[])
    chosen.refresh_from_db()
    assert selectors_uploads.all_findings(chosen) == [unknown]


def test_the_old_draft_names_its_replacement_by_number(client, asking):
    client.post(url(asking), {"sheet": "Q4"})

    chosen = Upload.objects.exclude(pk=asking.pk).get()
    rejected = asking.events.get(action=AuditEvent.Action.UPLOAD_REJECTED)
    assert rejected.details["replaced_by"] == chosen.number
    assert rejected.details["note"] == "sheet 'Q4' chosen"
