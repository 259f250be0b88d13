"""Teams, users, memberships and the External ID mapping: what each service
changes, the audit event it writes, and the message a bad request gets (naming the
row and column)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from tests.factories import PlanItemFactory
from uploads.models import AuditEvent, Membership, PlanItem, Team
from uploads.services import ServiceError
from uploads.services.teams import (
    MappingError,
    MappingRow,
    member_add,
    membership_remove,
    membership_set,
    plan_item_set_active,
    plan_items_import,
    plan_items_import_preview,
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
        "Row 5, External ID: it is empty. Write the plan item's External ID as"
        " AchieveIt has it, or delete the row."
    )


def test_external_ids_are_checked_with_the_rules_of_an_upload():
    with pytest.raises(MappingError) as error:
        read_mapping(
            b"External ID,Name,Has Metric\n"
            b"A-1,Fine,yes\n"
            b'"A,2",Comma,no\n'
            b'"=HYPERLINK(""http://evil.example/"")",Quoted formula,no\n'
            b"=1+2,Formula,no\n"
            b"@cmd,At sign,no\n"
            b"-A,Minus,no\n"
            b"+A,Plus,no\n"
            b"My External KPI,The word,no\n"
            b'"A\x07B",Bell,no\n'
            b'"A\tB",Tab,no\n'
            b"A=B,Fine inside,no\n"
        )
    problems = [(p.line, p.column) for p in error.value.problems]
    assert problems == [(n, "External ID") for n in range(3, 12)]
    messages = [p.message for p in error.value.problems]
    assert messages[0] == (
        "'A,2' contains a comma, which AchieveIt does not allow in an External ID."
        " Correct the ID, or delete the row."
    )
    assert str(error.value.problems[3]) == (
        "Row 6, External ID: '@cmd' starts with '@', which makes a spreadsheet run"
        " the cell as a formula, so the portal takes no External ID starting with ="
        " + - or @. Correct the ID, or delete the row."
    )
    assert "invisible character" in messages[7]


def test_items_from_elsewhere_are_checked_too(team):
    with pytest.raises(MappingError) as error:
        plan_items_import(team=team, items=[MappingRow("@cmd", "Sneaky", False)])
    assert "starts with '@'" in str(error.value)
    assert not PlanItem.objects.filter(external_id="@cmd").exists()


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
    assert event.details == {"created": 1, "updated": 1, "unchanged": 0}


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


def test_a_bulk_import_adds_changes_and_leaves_unchanged_items_unwritten(
    team, operator
):
    long_ago = timezone.now() - timedelta(days=30)
    PlanItemFactory(team=team, external_id="SAME", name="Same", has_metric=True)
    PlanItemFactory(team=team, external_id="RENAMED", name="Old", has_metric=True)
    PlanItemFactory(team=team, external_id="NOT-IN-FILE", name="Kept", active=False)
    PlanItem.objects.update(updated_at=long_ago)
    items = read_mapping(
        b"SAME,Same,yes\nRENAMED,New,yes\n"
        + b"".join(f"NEW-{n:05d},Item {n},no\n".encode() for n in range(2500))
    )
    result = plan_items_import(team=team, items=items, actor=operator)
    assert (result.created, result.updated, result.unchanged) == (2500, 1, 1)
    assert result.total == 2502
    assert PlanItem.objects.filter(team=team).count() == 2503
    assert PlanItem.objects.get(external_id="NEW-02499").name == "Item 2499"
    renamed = PlanItem.objects.get(external_id="RENAMED")
    assert (renamed.name, renamed.updated_at > long_ago) == ("New", True)
    # Neither the unchanged item nor one missing from the file is touched.
    assert PlanItem.objects.get(external_id="SAME").updated_at == long_ago
    assert PlanItem.objects.get(external_id="NOT-IN-FILE").active is False
    (event,) = events(Action.PLAN_ITEMS_IMPORTED)
    assert event.details == {"created": 2500, "updated": 1, "unchanged": 1}


def test_an_import_keeps_when_an_item_last_had_an_update(team):
    sent_at = timezone.now() - timedelta(days=3)
    PlanItemFactory(team=team, external_id="A-1", name="Old", last_updated_at=sent_at)
    plan_items_import(team=team, items=[MappingRow("A-1", "New", True)])
    assert PlanItem.objects.get(external_id="A-1").last_updated_at == sent_at


def test_another_teams_id_in_a_file_is_named_by_row(team, other_team):
    PlanItemFactory(team=other_team, external_id="FIN-1", name="Theirs")
    items = read_mapping(b"External ID,Name,Has Metric\nA-1,Mine,yes\nFIN-1,X,no\n")
    with pytest.raises(ServiceError) as error:
        plan_items_import(team=team, items=items)
    assert str(error.value) == (
        "Nothing imported:\nRow 3, External ID: 'FIN-1' already belongs to another "
        "team; an operator must move it."
    )
    assert list(PlanItem.objects.values_list("external_id", "name")) == [
        ("FIN-1", "Theirs")
    ]


def test_an_external_id_twice_in_a_file_is_refused_naming_both_rows():
    with pytest.raises(ServiceError) as error:
        read_mapping(b"A-1,First,yes\nA-2,Second,no\nA-1,Again,no\n")
    assert str(error.value) == (
        "Nothing imported:\nRow 3, External ID: 'A-1' is already on row 1; keep "
        "one of the two."
    )


def test_a_preview_tells_what_an_import_would_do_and_writes_nothing(team, other_team):
    PlanItemFactory(team=team, external_id="SAME", name="Same", has_metric=True)
    PlanItemFactory(team=team, external_id="OLD", name="Old", has_metric=True)
    PlanItemFactory(team=team, external_id="OFF", name="Off", active=False)
    PlanItemFactory(team=other_team, external_id="THEIRS")
    preview = plan_items_import_preview(
        team=team,
        items=read_mapping(
            b"SAME,Same,yes\nOLD,Renamed,no\nOFF,Off,yes\nNEW,New,no\nTHEIRS,X,no\n"
        ),
    )
    assert [row.external_id for row in preview.new] == ["NEW"]
    assert [change.row.external_id for change in preview.edited] == ["OLD"]
    assert (preview.edited[0].renamed, preview.edited[0].metric_changed) == (
        True,
        True,
    )
    assert [change.row.external_id for change in preview.reactivated] == ["OFF"]
    assert preview.unchanged == 1
    assert [str(problem) for problem in preview.problems] == [
        "Row 5, External ID: 'THEIRS' already belongs to another team; an "
        "operator must move it."
    ]
    assert PlanItem.objects.get(external_id="OLD").name == "Old"
    assert not PlanItem.objects.filter(external_id="NEW").exists()


# --- membership_remove ----------------------------------------------------------


def test_removing_a_member_keeps_their_account_and_is_audited(team, bob, operator):
    membership_remove(membership=Membership.objects.get(user=bob), actor=operator)
    assert not Membership.objects.filter(user=bob).exists()
    assert User.objects.filter(username="bob").exists()
    (event,) = events("membership.removed")
    assert (event.team, event.actor, event.details) == (
        team,
        operator,
        {"username": "bob", "role": "viewer"},
    )


def test_a_manager_cannot_remove_themselves(team):
    maria = User.objects.create_user("maria")
    membership, _ = membership_set(user=maria, team=team, role="manager", actor=None)
    with pytest.raises(ServiceError, match="cannot remove yourself"):
        membership_remove(membership=membership, actor=maria)
    assert Membership.objects.filter(user=maria).exists()
    assert events("membership.removed") == []


# --- plan_item_set_active -------------------------------------------------------


def test_an_item_is_deactivated_then_reactivated_each_audited_once(team, operator):
    item = PlanItemFactory(team=team, external_id="A-1")
    assert plan_item_set_active(plan_item=item, active=False, actor=operator)
    assert not plan_item_set_active(plan_item=item, active=False, actor=operator)
    assert PlanItem.objects.get(pk=item.pk).active is False
    assert plan_item_set_active(plan_item=item, active=True, actor=operator)
    assert PlanItem.objects.get(pk=item.pk).active is True
    assert [
        (event.action, event.team, event.details) for event in AuditEvent.objects.all()
    ] == [
        ("plan_item.deactivated", team, {"external_id": "A-1"}),
        ("plan_item.reactivated", team, {"external_id": "A-1"}),
    ]


# --- member_add and the invitation ----------------------------------------------


def test_an_unknown_address_gets_an_account_and_an_invitation(team, operator, settings):
    added = member_add(team=team, who="dana@example.com", role="viewer", actor=operator)
    assert (added.created_user, added.invited) == (True, True)
    dana = added.membership.user
    assert (dana.username, dana.email) == ("dana", "dana@example.com")
    assert not dana.has_usable_password()
    (email,) = mail.outbox
    assert email.to == ["dana@example.com"]
    assert email.subject == (
        "[AchieveIt portal] You are invited to Sales: set your password"
    )
    assert "Your username: dana" in email.body
    assert "as a viewer of Sales" in email.body
    link = re.search(r"^http\S+$", email.body, re.M).group(0)
    assert link.startswith(f"{settings.PORTAL_BASE_URL}/accounts/reset/")
    assert events("user.invited")[0].details == {"username": "dana"}


def test_a_taken_username_gets_a_number(team, alice):
    added = member_add(team=team, who="alice@elsewhere.org", role="viewer", actor=None)
    assert added.membership.user.username == "alice2"


def test_someone_with_a_password_is_added_without_an_email(team, charlie):
    added = member_add(team=team, who="charlie", role="uploader", actor=None)
    assert (added.created_user, added.invited) == (False, False)
    assert mail.outbox == []


def test_someone_who_never_set_a_password_is_invited_again(team):
    member_add(team=team, who="dana@example.com", role="viewer", actor=None)
    again = member_add(team=team, who="dana@example.com", role="viewer", actor=None)
    assert (again.created_user, again.invited) == (False, True)
    assert len(mail.outbox) == 2
    assert User.objects.filter(email="dana@example.com").count() == 1


def test_a_mail_server_failure_keeps_the_member_and_says_so(team, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("uploads.services.teams.send_mail", refuse)
    added = member_add(team=team, who="dana@example.com", role="viewer", actor=None)
    assert (added.created_user, added.invited) == (True, False)
    assert Membership.objects.filter(user__username="dana", team=team).exists()
    assert events("user.invited") == []


def test_an_address_two_users_share_must_be_a_username(team):
    User.objects.create_user("dana1", email="dana@example.com")
    User.objects.create_user("dana2", email="DANA@example.com")
    with pytest.raises(ServiceError, match="More than one user has the address"):
        member_add(team=team, who="dana@example.com", role="viewer", actor=None)
    assert not Membership.objects.exists()


def test_a_bad_role_or_address_creates_no_one(team):
    with pytest.raises(ServiceError, match="'owner' is not a role"):
        member_add(team=team, who="dana@example.com", role="owner", actor=None)
    with pytest.raises(ServiceError, match="'dana@' is not an email address"):
        member_add(team=team, who="dana@", role="viewer", actor=None)
    assert not User.objects.exists()
    assert mail.outbox == []
