"""Each audit event in a person's words (uploads/wording/history.py): every action
has a label, a description adds the detail that makes it specific, and a sentence
says who did it first."""

from __future__ import annotations

from uploads.models import AuditEvent
from uploads.services.audit import audit
from uploads.wording import history

Action = AuditEvent.Action


def test_every_action_has_a_label_a_person_reads():
    for action in Action:
        assert action.label, action
        assert action.label != action.value, action
    assert len({action.label for action in Action}) == len(Action)
    assert history.description(AuditEvent(action=Action.UPLOAD_CONFIRMED)) == (
        "Confirmed for sending"
    )


def test_an_accepted_file_is_described_with_its_job():
    event = AuditEvent(action=Action.SUBMIT_QUEUED, details={"job_id": "J-1"})
    assert history.description(event) == "AchieveIt accepted the file as job J-1"
    assert history.description(AuditEvent(action=Action.SUBMIT_QUEUED)) == (
        "AchieveIt accepted the file"
    )


def test_a_second_attempt_says_which_it_was():
    first = AuditEvent(action=Action.SUBMIT_STARTED, details={"attempt": 1})
    second = AuditEvent(action=Action.SUBMIT_STARTED, details={"attempt": 2})
    assert history.description(first) == "Sent to AchieveIt"
    assert history.description(second) == "Sent to AchieveIt (attempt 2)"


def test_a_reason_or_a_note_follows_the_label():
    failed = AuditEvent(
        action=Action.UPLOAD_FAILED, details={"reason": "AchieveIt refused the key"}
    )
    resolved = AuditEvent(
        action=Action.UPLOAD_RESOLVED, details={"note": "Applied by hand"}
    )
    assert history.description(failed) == "Failed: AchieveIt refused the key"
    assert history.description(resolved) == "Resolved: Applied by hand"


def test_the_model_says_the_same_words():
    event = AuditEvent(action=Action.UPLOAD_FAILED, details={"reason": "No key"})
    assert event.description == history.description(event) == "Failed: No key"
    assert event.sentence == history.sentence(event) == "Sending failed: No key"


def test_team_management_events_read_as_sentences(team, operator):
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
    assert [history.sentence(event) for event in events] == [
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


def test_a_role_takes_its_article(team, operator):
    uploader = audit(
        action=Action.MEMBERSHIP_SET,
        team=team,
        actor=operator,
        username="bob",
        role="uploader",
    )
    viewer = audit(
        action=Action.MEMBERSHIP_SET,
        team=team,
        actor=operator,
        username="bob",
        role="viewer",
    )
    assert history.sentence(uploader) == "operator made bob an uploader"
    assert history.sentence(viewer) == "operator made bob a viewer"


def test_a_draft_replaced_by_a_revision_says_how(team, alice):
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
    assert history.sentence(left_out) == (
        "alice left out the rows with errors (new draft #8)"
    )
    assert history.sentence(corrected) == (
        "alice corrected 2 cells in the browser (new draft #9)"
    )


def test_an_admin_change_reads_as_a_sentence(team, operator):
    added = audit(
        action=Action.ADMIN_CHANGED,
        team=team,
        actor=operator,
        model="membership",
        object="alice in Sales (uploader)",
        operation="changed",
        changes={"role": ["uploader", "manager"], "team": ["Sales", "Finance"]},
    )
    deleted = audit(
        action=Action.ADMIN_CHANGED,
        team=team,
        actor=operator,
        model="plan item",
        object="SALES-Q4-01",
        operation="deleted",
        changes={},
    )
    assert history.sentence(added) == (
        "operator changed the membership 'alice in Sales (uploader)' in the admin: "
        "role uploader → manager; team Sales → Finance"
    )
    assert history.sentence(deleted) == (
        "operator deleted the plan item 'SALES-Q4-01' in the admin"
    )
    assert added.get_action_display() == "Changed in the admin"


def test_an_archived_upload_reads_by_its_number(team):
    event = audit(
        action=Action.UPLOAD_ARCHIVED,
        team=team,
        upload_number=41,
        archive="uploads-20260101-000000-41",
        rows=4,
        events=1,
    )
    assert (event.upload, event.upload_number) == (None, 41)
    assert history.sentence(event) == (
        "The portal archived upload #41 (4 updates, 1 event) "
        "to uploads-20260101-000000-41"
    )
