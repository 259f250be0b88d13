"""The mapping step in the browser: a file with its own columns leads to it, the
suggestions are preselected, the status words get a value step, and saving makes a
clean draft; the next file with those columns goes straight to the preview with a
note; a manager deletes the saved mapping on the team page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.helpers import make_user
from uploads.models import ColumnMapping, Membership, Upload

EXPORT = (
    b"KPI Code,RAG,Actual,Period End,Owner,Notes\n"
    b"SALES-Q4-01,Green,0.5,2026-10-31,Ann,on plan\n"
    b"SALES-Q4-02,Amber,12,2026-10-31,Bob,slow\n"
    b"HR-RETENTION,Red,0.9,2026-10-31,Cy,\n"
)
CHOICES = {
    "column-0": "External ID",
    "column-1": "Status",
    "column-2": "Metric Value",
    "column-3": "As Of Date",
    "column-4": "",
    "column-5": "Comment",
}


def upload_export(client, team, data=EXPORT) -> Upload:
    url = reverse("upload_new", args=[team.slug])
    client.post(url, {"file": SimpleUploadedFile("export.csv", data)})
    return Upload.objects.latest("pk")


@pytest.fixture
def draft(client, alice, team, plan_items) -> Upload:
    client.force_login(alice)
    return upload_export(client, team)


def test_a_foreign_header_leads_to_the_mapping_step(client, draft):
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="map-columns"' in page
    assert reverse("upload_mapping", args=[draft.public_id]) in page


def test_an_achieveit_file_shows_no_mapping_step(client, alice, team, plan_items):
    client.force_login(alice)
    upload = upload_export(
        client, team, b"External ID,Status,Current Value\nSALES-Q4-01,Late,1\n"
    )
    assert (
        'data-testid="map-columns"'
        not in client.get(upload.get_absolute_url()).content.decode()
    )


def test_the_mapping_page_preselects_the_suggestions(client, draft):
    response = client.get(reverse("upload_mapping", args=[draft.public_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="External ID" selected>' in page
    assert "A: KPI Code" in page
    assert '<code class="me-2">SALES-Q4-01</code>' in page
    assert "Suggested: leave out (nothing in it matches a field)" in page


def test_status_words_get_a_value_step_then_a_clean_draft(client, draft, team):
    url = reverse("upload_mapping", args=[draft.public_id])
    step = client.post(url, CHOICES)
    page = step.content.decode()
    assert step.status_code == 200
    assert 'data-testid="mapping-words"' in page
    assert '<option value="On Track" selected>' in page
    response = client.post(
        url,
        CHOICES
        | {
            "step": "words",
            "word-0": "On Track",
            "word-1": "At Risk",
            "word-2": "Off Track",
        },
    )
    revision = Upload.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == revision.get_absolute_url()
    assert revision.revision_of_id == draft.pk
    assert revision.is_sendable
    saved = ColumnMapping.objects.get(team=team)
    assert saved.status_words == {
        "Green": "On Track",
        "Amber": "At Risk",
        "Red": "Off Track",
    }
    page = client.get(revision.get_absolute_url()).content.decode()
    assert "Column E (Owner) is left out: nothing in it is sent." in page
    assert 'data-testid="confirm"' in page

    # Next week: the same columns go straight to the preview, with a note.
    again = upload_export(client, team, EXPORT.replace(b"2026-10-31", b"2026-11-07"))
    assert again.is_sendable
    page = client.get(again.get_absolute_url()).content.decode()
    assert "Read with the team&#x27;s saved mapping for these columns" in page
    assert reverse("upload_mapping", args=[again.public_id]) in page


def test_a_mapping_without_the_needed_fields_is_refused(client, draft):
    url = reverse("upload_mapping", args=[draft.public_id])
    response = client.post(url, {"column-0": "External ID"})
    assert response.status_code == 400
    assert (
        "Choose a column for External ID and for As Of Date"
        in response.content.decode()
    )
    assert not ColumnMapping.objects.exists()


def test_a_manager_sees_and_deletes_the_saved_mapping(client, draft, team):
    client.post(
        reverse("upload_mapping", args=[draft.public_id]), CHOICES | {"step": "words"}
    )
    saved = ColumnMapping.objects.get(team=team)
    manager = make_user("maria", team, Membership.Role.MANAGER)
    client.force_login(manager)
    page = client.get(reverse("team_manage", args=[team.slug])).content.decode()
    assert "KPI Code → External ID" in page
    assert "Owner → left out" in page
    response = client.post(reverse("team_mapping_delete", args=[team.slug, saved.pk]))
    assert response.status_code == 302
    assert not ColumnMapping.objects.exists()
