"""Downloading an upload's original file (GET /uploads/<public id>/original/) and
the file as sent (GET /uploads/<public id>/as-sent.csv): the team and staff get the
bytes, private and never cached; anyone else a 404."""

from __future__ import annotations

import pytest

from tests.factories import UploadFactory
from tests.helpers import MESSY_CSV, login_url
from uploads.services.drafts import upload_create


@pytest.fixture
def upload(team, alice, plan_items):
    return upload_create(
        team=team, user=alice, data=MESSY_CSV, original_name="Q4 export (final).csv"
    )


def original_url(upload) -> str:
    return f"/uploads/{upload.public_id}/original/"


def sent_url(upload) -> str:
    return f"/uploads/{upload.public_id}/as-sent.csv"


def test_the_original_comes_back_as_received_under_its_own_name(client, bob, upload):
    client.force_login(bob)
    response = client.get(original_url(upload))

    assert response.status_code == 200
    assert response.content == MESSY_CSV
    assert response["Content-Disposition"] == (
        'attachment; filename="Q4 export (final).csv"'
    )
    assert response["Cache-Control"] == "private, no-store"


def test_the_file_as_sent_is_the_normalized_csv(client, alice, team):
    sent = UploadFactory(team=team, created_by=alice, state="succeeded")
    client.force_login(alice)
    response = client.get(sent_url(sent))

    assert response.status_code == 200
    assert response.content.decode() == sent.normalized_csv
    assert response["Content-Disposition"] == (
        f'attachment; filename="upload-{sent.number}-as-sent.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"
    page = client.get(f"/uploads/{sent.public_id}/").content.decode()
    assert f'href="{sent_url(sent)}"' in page


def test_a_file_kept_from_before_the_id_rules_is_served_formula_safe(
    client, alice, team
):
    kept = UploadFactory(
        team=team,
        created_by=alice,
        state="succeeded",
        normalized_csv="External ID,Status,Current Value,As Of Date\n"
        "=HYPERLINK(1),On Track,-2,2026-10-31\n@cmd,At Risk,,2026-10-31\n",
    )
    client.force_login(alice)

    response = client.get(sent_url(kept))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines()[1:] == [
        "'=HYPERLINK(1),On Track,-2,2026-10-31",
        "'@cmd,At Risk,,2026-10-31",
    ]


def test_a_draft_with_errors_has_no_file_to_send(client, alice, upload):
    client.force_login(alice)
    assert client.get(sent_url(upload)).status_code == 404
    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    assert f'href="{original_url(upload)}"' in page
    assert f'href="{sent_url(upload)}"' not in page


def test_an_upload_without_a_kept_file_is_a_404(client, alice, team):
    made_by_factory = UploadFactory(team=team, created_by=alice)  # no original
    client.force_login(alice)
    assert client.get(original_url(made_by_factory)).status_code == 404


@pytest.mark.parametrize("url", [original_url, sent_url])
def test_it_sends_anonymous_visitors_to_log_in(client, team, alice, url):
    upload = UploadFactory(team=team, created_by=alice)
    response = client.get(url(upload))
    assert response.status_code == 302
    assert response["Location"] == login_url(url(upload))


def test_staff_download_any_teams_files(client, operator, upload):
    client.force_login(operator)
    assert client.get(original_url(upload)).content == MESSY_CSV
