"""Teams, users, memberships and invitations: what each service changes, the
audit event it writes, and the message a bad request gets. (The External ID
mapping is tests/services/test_mapping.py.)"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

from uploads.models import AuditEvent, Membership, Team
from uploads.services.errors import ServiceError
from uploads.services.teams import (
    member_add,
    membership_remove,
    membership_set,
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


@pytest.fixture
def manager(team):
    """Mia manages sales only."""
    mia = User.objects.create_user("mia", email="mia@example.com", password="x-9")
    Membership.objects.create(user=mia, team=team, role=Membership.Role.MANAGER)
    return mia


@pytest.fixture
def outsider(db):
    """Olga has an account, with a password, in a team Mia has nothing to do with."""
    olga = User.objects.create_user("olga", email="olga@example.com", password="x-9")
    hr = Team.objects.create(slug="hr", name="HR")
    Membership.objects.create(user=olga, team=hr, role=Membership.Role.VIEWER)
    return olga


def test_a_manager_finds_by_username_only_the_people_of_their_teams(
    team, manager, outsider
):
    for who in ("olga", "ghost"):
        with pytest.raises(ServiceError) as raised:
            member_add(team=team, who=who, role="viewer", actor=manager)
        # Word for word the same, whether the account exists or not.
        assert str(raised.value) == (
            f"No one in your teams is named '{who}'. To add anyone else, enter "
            "their email address: they get an invitation."
        )
    assert not Membership.objects.filter(user=outsider, team=team).exists()


def test_a_managers_address_of_someone_outside_is_an_invitation_like_a_new_one(
    team, manager, outsider
):
    known = member_add(team=team, who="olga@example.com", role="viewer", actor=manager)
    new = member_add(team=team, who="dana@example.com", role="viewer", actor=manager)

    for added, address in ((known, "olga@example.com"), (new, "dana@example.com")):
        assert (added.by_invitation, added.invited) == (True, True)
        assert added.address == address
    assert known.membership.user == outsider  # no second account for Olga
    assert [email.to for email in mail.outbox] == [
        ["olga@example.com"],
        ["dana@example.com"],
    ]
    to_olga, to_dana = mail.outbox
    assert to_olga.subject == "[AchieveIt portal] You are invited to Sales"
    assert "Your username: olga" in to_olga.body
    assert "Log in with your password" in to_olga.body
    assert "/accounts/reset/" not in to_olga.body  # her password stays hers
    assert "/accounts/reset/" in to_dana.body
    assert [event.details for event in events("user.invited")] == [
        {"username": "olga"},
        {"username": "dana"},
    ]


def test_staff_still_find_anyone_by_username(team, operator, outsider):
    added = member_add(team=team, who="olga", role="viewer", actor=operator)
    assert (added.by_invitation, added.invited) == (False, False)
    assert added.membership.user == outsider


def test_a_bad_role_or_address_creates_no_one(team):
    with pytest.raises(ServiceError, match="'owner' is not a role"):
        member_add(team=team, who="dana@example.com", role="owner", actor=None)
    with pytest.raises(ServiceError, match="'dana@' is not an email address"):
        member_add(team=team, who="dana@", role="viewer", actor=None)
    assert not User.objects.exists()
    assert mail.outbox == []
