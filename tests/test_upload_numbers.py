"""Upload numbers are counted per team (issue 20): the "#5" of the pages, the
download names, the history and the file name sent to AchieveIt say how many
uploads this team made, never how many the whole organization did."""

from __future__ import annotations

import importlib
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.factories import UploadFactory
from uploads import achieveit
from uploads.models import AuditEvent, Upload
from uploads.services.audit import audit


@pytest.fixture
def busy_finance(other_team):
    """Finance made three uploads before Sales made any."""
    return UploadFactory.create_batch(3, team=other_team)


def test_each_team_counts_its_own_uploads(team, other_team, busy_finance):
    first, second = UploadFactory(team=team), UploadFactory(team=team)

    assert [upload.number for upload in busy_finance] == [1, 2, 3]
    assert (first.number, second.number) == (1, 2)
    assert first.pk == busy_finance[-1].pk + 1  # the global id says 4
    assert UploadFactory(team=other_team).number == 4


def test_a_number_is_never_given_twice_in_a_team(team):
    upload = UploadFactory(team=team)
    upload.save()  # saving again keeps the number
    assert Upload.objects.get(pk=upload.pk).number == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Upload.objects.filter(pk=UploadFactory(team=team).pk).update(team_number=1)


def test_pages_and_downloads_say_the_teams_number(
    client, team, alice, busy_finance, plan_items
):
    upload = UploadFactory(team=team, created_by=alice, original_name="")
    audit(action=AuditEvent.Action.UPLOAD_CONFIRMED, upload=upload)
    client.force_login(alice)

    page = client.get(upload.get_absolute_url()).content.decode()
    assert "Upload #1" in page
    assert f"Upload #{upload.pk}" not in page
    as_sent = client.get(f"{upload.get_absolute_url()}as-sent.csv")
    assert 'filename="upload-1-as-sent.csv"' in as_sent["Content-Disposition"]
    history = client.get("/history/").content.decode()
    assert ">#1</a>" in history
    assert f">#{upload.pk}</a>" not in history
    (event,) = AuditEvent.objects.filter(upload=upload)
    assert event.upload_number == 1


def test_the_file_name_sent_to_achieveit_has_the_teams_number(team, busy_finance):
    upload = UploadFactory(team=team)
    name = achieveit.remote_filename(
        team_slug=upload.team.slug,
        upload_number=upload.number,
        when=upload.created_at,
        attempt=1,
    )
    assert name.startswith("portal-sales-u1-a1-")


def test_uploads_made_at_once_get_different_numbers(postgres, team):
    """Two uploads of one team created in the same instant: the team's row is
    locked while a number is taken, so neither waits for nothing nor shares."""
    start = threading.Barrier(4, timeout=30)
    numbers: list[int] = []
    failures: list[BaseException] = []

    def create() -> None:
        try:
            start.wait()
            numbers.append(UploadFactory(team=team).number)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(numbers) == [1, 2, 3, 4]


def test_the_migration_numbers_existing_uploads_per_team(team, other_team):
    made = [UploadFactory(team=t) for t in (team, other_team, team, other_team, team)]
    # As they were before team numbers: none (bulk_create skips save(), so the
    # events have no number yet either; the migration writes them).
    Upload.objects.update(team_number=None)
    for upload in made:
        AuditEvent.objects.bulk_create(
            [AuditEvent(action="upload.created", upload=upload, team=upload.team)]
        )
    migration = importlib.import_module(
        "uploads.migrations.0018_upload_team_number_plan_items_checked"
    )
    state = MigrationExecutor(connection).loader.project_state(
        ("uploads", "0018_upload_team_number_plan_items_checked")
    )

    migration.number_uploads_per_team(state.apps, None)

    numbers = dict(Upload.objects.values_list("pk", "team_number"))
    assert [numbers[upload.pk] for upload in made] == [1, 1, 2, 2, 3]
    assert sorted(
        AuditEvent.objects.values_list("upload_id", "upload_number")
    ) == sorted(numbers.items())
