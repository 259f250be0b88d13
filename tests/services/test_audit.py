"""The audit history: an event records who, the team and the details, keeps who
and which upload as written, and is append-only. Its words: tests/wording/."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError

from uploads.models import AuditEvent, Upload
from uploads.services.audit import audit

Action = AuditEvent.Action


def test_an_event_records_who_the_team_and_the_details(draft, alice):
    event = audit(
        action=Action.UPLOAD_CONFIRMED, upload=draft, actor=alice, source="test"
    )
    event.refresh_from_db()
    assert (event.actor, event.team, event.upload) == (alice, draft.team, draft)
    assert event.details == {"source": "test"}
    system = audit(action=Action.UPLOAD_SUCCEEDED, upload=draft)
    assert system.actor is None  # the system, not a person


def test_audit_events_cannot_be_changed_or_deleted(queued):
    event = AuditEvent.objects.first()
    event.action = "something else"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()


def test_events_cannot_be_rewritten_in_bulk(queued):
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(upload=queued).update(action="upload.succeeded")
    assert list(queued.events.values_list("action", flat=True)) == [
        "upload.created",
        "upload.confirmed",
    ]


def test_an_event_keeps_who_and_which_upload_as_written(draft, alice):
    event = audit(action=Action.UPLOAD_CONFIRMED, upload=draft, actor=alice)
    alice.username = "alice.new"
    alice.save()

    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_username, event.upload_number) == ("alice", draft.number)
    assert event.actor_name == "alice"
    assert event.sentence == "alice sent 4 updates"


def test_an_event_made_directly_still_gets_its_snapshots(draft, alice):
    event = AuditEvent.objects.create(
        action=Action.UPLOAD_CANCELED, upload=draft, actor=alice
    )
    assert (event.actor_username, event.upload_number) == ("alice", draft.number)
    system = AuditEvent.objects.create(action=Action.UPLOAD_SUCCEEDED, upload=draft)
    assert (system.actor_username, system.actor_name) == ("", "system")


def test_a_user_with_events_cannot_be_deleted(team, operator):
    # Only events name the operator (no upload of theirs protects them too).
    event = audit(
        action=Action.MEMBERSHIP_SET, team=team, actor=operator, username="bob"
    )
    with pytest.raises(ProtectedError):
        operator.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor, event.sentence) == (operator, "operator made bob a member")


def test_an_upload_with_events_cannot_be_deleted(draft):
    with pytest.raises(ProtectedError):
        draft.delete()
    assert Upload.objects.filter(pk=draft.pk).exists()
    assert draft.rows.count() == 4


def test_the_migration_fills_the_snapshots_of_existing_events(draft, alice):
    # Rows as they were before the snapshots: bulk_create skips save().
    (old,) = AuditEvent.objects.bulk_create(
        [AuditEvent(action=Action.UPLOAD_CONFIRMED, upload=draft, actor=alice)]
    )
    assert (old.actor_username, old.upload_number) == ("", None)
    fill = importlib.import_module("uploads.migrations.0012_fill_audit_snapshots").fill
    state = MigrationExecutor(connection).loader.project_state(
        ("uploads", "0012_fill_audit_snapshots")
    )

    fill(state.apps, None)

    old = AuditEvent.objects.get(pk=old.pk)
    assert (old.actor_username, old.upload_number) == ("alice", draft.pk)
