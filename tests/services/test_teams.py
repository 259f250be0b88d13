"""Teams, users, memberships and the External ID mapping: what each service
changes, the audit event it writes, and the message a bad request gets (naming the
row and column)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.factories import PlanItemFactory
from uploads.models import AuditEvent, Membership, PlanItem, Team
from uploads.services import ServiceError
from uploads.services.teams import (
    MappingRow,
    membership_set,
    plan_items_import,
    read_mapping,
    team_create,
    user_create,
)

Action = AuditEvent.Action


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- team_create ----------------------------------------------------------------


def test_a_new_team_is_named_after_its_slug_and_audited(operator):
    team, created = team_create(slug="field-ops", actor=operator)
    assert created is True
    assert (team.slug, team.name) == ("field-ops", "Field Ops")
    (event,) = events(Action.TEAM_CREATED)
    assert (event.team, event.actor, event.details) == (
        team,
        operator,
        {"slug": "field-ops"},
    )


def test_creating_a_team_again_renames_it_without_a_second_event(db):
    team_create(slug="ops", name="Ops")
    _, created = team_create(slug="ops", name="Operations")
    assert created is False
    assert Team.objects.get(slug="ops").name == "Operations"
    assert team_create(slug="ops")[0].name == "Operations"  # no name: kept
    assert len(events(Action.TEAM_CREATED)) == 1


def test_a_bad_slug_is_refused_with_a_suggestion(db):
    with pytest.raises(ServiceError) as error:
        team_create(slug="Sales Team")
    assert str(error.value) == (
        "'Sales Team' is not a valid team slug: use lowercase letters, digits "
        "and hyphens, e.g. 'sales-team'."
    )
    assert not Team.objects.exists()
    assert events(Action.TEAM_CREATED) == []


# --- user_create ----------------------------------------------------------------


def test_a_new_user_sets_their_own_password_later(operator):
    user = user_create(username="dana", email="dana@example.com", actor=operator)
    user.refresh_from_db()
    assert user.email == "dana@example.com"
    assert not user.has_usable_password()
    assert not user.is_staff
    (event,) = events(Action.USER_CREATED)
    assert event.actor == operator
    assert event.details == {"username": "dana", "staff": False}


def test_a_staff_user_is_staff(db):
    user = user_create(username="olga", email="olga@example.com", staff=True)
    assert User.objects.get(pk=user.pk).is_staff
    assert events(Action.USER_CREATED)[0].details["staff"] is True


def test_a_taken_username_is_refused(alice):
    with pytest.raises(ServiceError, match="There is already a user named 'alice'"):
        user_create(username="alice", email="other@example.com")
    assert User.objects.get(username="alice").email == "alice@example.com"
    assert events(Action.USER_CREATED) == []


# --- membership_set -------------------------------------------------------------


def test_a_role_is_given_then_changed_and_each_is_audited(team, operator):
    dana = User.objects.create_user("dana")
    membership, created = membership_set(
        user=dana, team=team, role="viewer", actor=operator
    )
    assert created is True
    membership, created = membership_set(
        user=dana, team=team, role="uploader", actor=operator
    )
    assert created is False
    assert Membership.objects.get(user=dana, team=team).role == "uploader"
    assert membership.role == "uploader"
    assert [event.details for event in events(Action.MEMBERSHIP_SET)] == [
        {"username": "dana", "role": "viewer"},
        {"username": "dana", "role": "uploader"},
    ]
    assert {event.team for event in events(Action.MEMBERSHIP_SET)} == {team}


def test_an_unknown_role_is_refused_and_names_the_roles(team, bob):
    with pytest.raises(ServiceError) as error:
        membership_set(user=bob, team=team, role="owner", actor=None)
    assert str(error.value) == (
        "'owner' is not a role: use one of viewer, uploader, manager."
    )
    assert Membership.objects.get(user=bob).role == "viewer"
    assert events(Action.MEMBERSHIP_SET) == []


# --- read_mapping ---------------------------------------------------------------


def test_a_mapping_is_read_with_or_without_a_header():
    with_header = read_mapping(
        b"\xef\xbb\xbfExternal ID,Name,Has Metric\r\nA-1,First,yes\r\n\r\n"
        b"A-2, Second ,0\r\nA-3,Third,TRUE\r\n"
    )
    assert with_header == [
        MappingRow("A-1", "First", True),
        MappingRow("A-2", "Second", False),
        MappingRow("A-3", "Third", True),
    ]
    assert read_mapping(b"A-1,First,yes\n") == [MappingRow("A-1", "First", True)]


def test_every_bad_row_is_named_by_row_and_column():
    with pytest.raises(ServiceError) as error:
        read_mapping(
            b"External ID,Name,Has Metric\n"
            b"A-1,First,yes\n"
            b"A-2,Second\n"
            b"A-3,Third,maybe\n"
            b",Nameless,no\n"
        )
    assert str(error.value) == (
        "Nothing imported:\n"
        "Row 3: expected 3 columns (External ID, Name, Has Metric), found 2.\n"
        "Row 4, Has Metric: 'maybe' is not yes/no, true/false or 1/0.\n"
        "Row 5, External ID: it is empty."
    )


def test_a_file_that_is_not_utf8_is_refused_with_what_to_do():
    with pytest.raises(ServiceError, match="not UTF-8 text: save it as CSV UTF-8"):
        read_mapping("A-1,Café,yes\n".encode("cp1252"))


# --- plan_items_import ----------------------------------------------------------


def test_an_import_creates_updates_and_reactivates_items(team, operator):
    PlanItemFactory(team=team, external_id="A-1", name="Old", active=False)
    result = plan_items_import(
        team=team,
        items=[MappingRow("A-1", "Renamed", False), MappingRow("A-2", "New", True)],
        actor=operator,
    )
    assert (result.created, result.updated, result.total) == (1, 1, 2)
    assert list(
        PlanItem.objects.values_list("external_id", "name", "has_metric", "active")
    ) == [("A-1", "Renamed", False, True), ("A-2", "New", True, True)]
    (event,) = events(Action.PLAN_ITEMS_IMPORTED)
    assert (event.team, event.actor) == (team, operator)
    assert event.details == {"created": 1, "updated": 1}


def test_an_import_will_not_take_another_teams_items(team, other_team):
    PlanItemFactory.create_batch(3, team=other_team)
    theirs = list(PlanItem.objects.values_list("external_id", flat=True))
    items = [MappingRow("MINE-1", "Mine", True)] + [
        MappingRow(external_id, "Stolen", True) for external_id in theirs
    ]
    with pytest.raises(ServiceError) as error:
        plan_items_import(team=team, items=items)
    assert str(error.value).splitlines() == ["Nothing imported:"] + [
        f"External ID '{external_id}' already belongs to another team; "
        "an operator must move it."
        for external_id in sorted(theirs)
    ]
    assert not PlanItem.objects.filter(team=team).exists()
    assert events(Action.PLAN_ITEMS_IMPORTED) == []
