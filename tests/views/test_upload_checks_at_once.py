"""The upload page limits the files one person, and one team, may have checked at
once: one more is refused with a clear message, and nothing is stored (issue 20:
16 concurrent 1 MB bad files held the login page for 3.5 s)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.pipeline import CLEAN_CSV
from uploads.models import Upload
from uploads.services.drafts import upload_receive

URL = "/teams/sales/upload/"


def _being_checked(team, user) -> Upload:
    return upload_receive(team=team, user=user, data=CLEAN_CSV)


def _post(client):
    return client.post(URL, {"file": SimpleUploadedFile("updates.csv", CLEAN_CSV)})


def test_a_person_with_files_being_checked_is_asked_to_wait(
    client, alice, team, plan_items, settings
):
    settings.CHECKS_PER_PERSON = 2
    _being_checked(team, alice)
    _being_checked(team, alice)
    client.force_login(alice)

    response = _post(client)

    assert response.status_code == 429
    assert b"2 files of yours are being checked already" in response.content
    assert Upload.objects.count() == 2


def test_a_team_with_files_being_checked_is_asked_to_wait(
    client, alice, bob, team, plan_items, settings
):
    settings.CHECKS_PER_PERSON = 5
    settings.CHECKS_PER_TEAM = 1
    _being_checked(team, bob)
    client.force_login(alice)

    response = _post(client)

    assert response.status_code == 429
    assert b"1 file of your team&#x27;s is being checked" in response.content


def test_under_the_limits_the_file_is_taken(client, alice, team, plan_items, settings):
    settings.CHECKS_PER_PERSON = 2
    _being_checked(team, alice)
    client.force_login(alice)

    response = _post(client)

    assert response.status_code == 302
    assert Upload.objects.filter(state=Upload.State.DRAFT).count() == 1
