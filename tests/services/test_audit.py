"""The audit history: every action has words a person reads, an event describes
itself with the detail that makes it specific, and events are append-only."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError

from uploads import services
from uploads.models import AuditEvent, Upload

Action = AuditEvent.Action


def test_every_action_has_a_label_a_person_reads():
    for action in Action:
        assert action.label, action
        assert action.label != action.value, action
    assert len({action.label for action in Action}) == len(Action)
    assert AuditEvent(action=Action.UPLOAD_CONFIRMED).description == (
        "Confirmed for sending"
    )


def test_an_accepted_file_is_described_with_its_job():
    event = AuditEvent(action=Action.SUBMIT_QUEUED, details={"job_id": "J-1"})
    assert event.description == "AchieveIt accepted the file as job J-1"
    assert AuditEvent(action=Action.SUBMIT_QUEUED).description == (
        "AchieveIt accepted the file"
    )


def test_a_second_attempt_says_which_it_was():
    first = AuditEvent(action=Action.SUBMIT_STARTED, details={"attempt": 1})
    second = AuditEvent(action=Action.SUBMIT_STARTED, details={"attempt": 2})
    assert first.description == "Sent to AchieveIt"
    assert second.description == "Sent to AchieveIt (attempt 2)"


def test_a_reason_or_a_note_follows_the_label():
    failed = AuditEvent(
        action=Action.UPLOAD_FAILED, details={"reason": "AchieveIt refused the key"}
    )
    resolved = AuditEvent(
        action=Action.UPLOAD_RESOLVED, details={"note": "Applied by hand"}
    )
    assert failed.description == "Failed: AchieveIt refused the key"
    assert resolved.description == "Resolved: Applied by hand"


def test_an_event_records_who_the_team_and_the_details(draft, alice):
    event = services.audit(
        action=Action.UPLOAD_CONFIRMED, upload=draft, actor=alice, source="test"
    )
    event.refresh_from_db()
    assert (event.actor, event.team, event.upload) == (alice, draft.team, draft)
    assert event.details == {"source": "test"}
    system = services.audit(action=Action.UPLOAD_SUCCEEDED, upload=draft)
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


def test_team_management_events_read_as_sentences(team, operator):
    from uploads.services.audit import audit

    events = [
        audit(
            action=Action.MEMBERSHIP_REMOVED,
            team=team,
            actor=operator,
            username="bob",
            role="viewer",
        ),
        audit(action=Action.USER_INVITED, team=team, actor=operator, username="dana"),
        audit(
            action=Action.PLAN_ITEM_DEACTIVATED,
            team=team,
            actor=operator,
            external_id="SALES-Q4-01",
        ),
        audit(
            action=Action.PLAN_ITEM_REACTIVATED,
            team=team,
            actor=operator,
            external_id="SALES-Q4-01",
        ),
    ]
    assert [event.sentence for event in events] == [
        "operator removed bob from the team",
        "operator invited dana",
        "operator deactivated SALES-Q4-01",
        "operator reactivated SALES-Q4-01",
    ]
    assert [event.get_action_display() for event in events] == [
        "Member removed",
        "Invitation sent",
        "Plan item deactivated",
        "Plan item reactivated",
    ]


def test_a_draft_replaced_by_a_revision_says_how(team, alice):
    from uploads.services.audit import audit

    left_out = audit(
        action=Action.UPLOAD_REJECTED, team=team, actor=alice, replaced_by=8
    )
    corrected = audit(
        action=Action.UPLOAD_REJECTED,
        team=team,
        actor=alice,
        replaced_by=9,
        note="corrected 2 cells in the browser",
    )
    assert left_out.sentence == "alice left out the rows with errors (new draft #8)"
    assert corrected.sentence == "alice corrected 2 cells in the browser (new draft #9)"


def test_an_event_keeps_who_and_which_upload_as_written(draft, alice):
    event = services.audit(action=Action.UPLOAD_CONFIRMED, upload=draft, actor=alice)
    alice.username = "alice.new"
    alice.save()

    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_username, event.upload_number) == ("alice", draft.pk)
    assert event.actor_name == "alice"
    assert event.sentence == "alice sent 4 updates"


def test_an_event_made_directly_still_gets_its_snapshots(draft, alice):
    event = AuditEvent.objects.create(
        action=Action.UPLOAD_CANCELED, upload=draft, actor=alice
    )
    assert (event.actor_username, event.upload_number) == ("alice", draft.pk)
    system = AuditEvent.objects.create(action=Action.UPLOAD_SUCCEEDED, upload=draft)
    assert (system.actor_username, system.actor_name) == ("", "system")


def test_a_user_with_events_cannot_be_deleted(team, operator):
    # Only events name the operator (no upload of theirs protects them too).
    event = services.audit(
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


def test_an_admin_change_reads_as_a_sentence(team, operator):
    added = services.audit(
        action=Action.ADMIN_CHANGED,
        team=team,
        actor=operator,
        model="membership",
        object="alice in Sales (uploader)",
        operation="changed",
        changes={"role": ["uploader", "manager"], "team": ["Sales", "Finance"]},
    )
    deleted = services.audit(
        action=Action.ADMIN_CHANGED,
        team=team,
        actor=operator,
        model="plan item",
        object="SALES-Q4-01",
        operation="deleted",
        changes={},
    )
    assert added.sentence == (
        "operator changed the membership 'alice in Sales (uploader)' in the admin: "
        "role uploader → manager; team Sales → Finance"
    )
    assert deleted.sentence == (
        "operator deleted the plan item 'SALES-Q4-01' in the admin"
    )
    assert added.get_action_display() == "Changed in the admin"


def test_an_archived_upload_reads_by_its_number(team):
    event = services.audit(
        action=Action.UPLOAD_ARCHIVED,
        team=team,
        upload_number=41,
        archive="uploads-20260101-000000-41",
        rows=4,
        events=1,
    )
    assert (event.upload, event.upload_number) == (None, 41)
    assert event.sentence == (
        "The portal archived upload #41 (4 updates, 1 event) "
        "to uploads-20260101-000000-41"
    )
