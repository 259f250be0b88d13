"""A team's management page (/teams/<slug>/manage/) and its actions: members
(add by username or email, change a role, remove) and plan items (deactivate,
reactivate). A manager runs only their own teams, staff any team; a viewer, an
uploader or another team's member gets a 404 and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

from tests.factories import TeamFactory
from tests.helpers import login_url, make_user
from uploads.models import AuditEvent, Membership, PlanItem

MANAGE = "/teams/sales/manage/"


@pytest.fixture
def maria(team, other_team):
    """Maria manages the sales team and only looks at finance."""
    maria = make_user("maria", team, Membership.Role.MANAGER)
    Membership.objects.create(user=maria, team=other_team, role="viewer")
    return maria


def membership(username: str, slug: str = "sales") -> Membership:
    return Membership.objects.get(user__username=username, team__slug=slug)


def actions(membership_id: int, item_id: int) -> list[str]:
    """Every POST action of the page, for the access matrix."""
    return [
        "/teams/sales/manage/members/",
        f"/teams/sales/manage/members/{membership_id}/role/",
        f"/teams/sales/manage/members/{membership_id}/remove/",
        f"/teams/sales/manage/items/{item_id}/active/",
    ]


# --- who may ----------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client, team):
    response = client.get(MANAGE)
    assert response.status_code == 302
    assert response["Location"] == login_url(MANAGE)


@pytest.mark.parametrize("who", ["bob", "alice", "charlie"])
def test_viewers_uploaders_and_other_teams_get_404_and_change_nothing(
    client, request, who, alice, bob, plan_items
):
    client.force_login(request.getfixturevalue(who))
    item = plan_items[0]
    assert client.get(MANAGE).status_code == 404
    for url in actions(membership("bob").pk, item.pk):
        data = {"who": "charlie@example.com", "role": "manager", "active": "0"}
        assert client.post(url, data).status_code == 404, url
    assert membership("bob").role == "viewer"
    assert PlanItem.objects.get(pk=item.pk).active is True
    assert not Membership.objects.filter(team__slug="sales", role="manager").exists()
    assert not AuditEvent.objects.exists()


def test_a_manager_cannot_manage_a_team_they_only_view(client, maria, charlie):
    client.force_login(maria)
    assert client.get("/teams/finance/manage/").status_code == 404
    response = client.post(
        f"/teams/finance/manage/members/{membership('charlie', 'finance').pk}/remove/"
    )
    assert response.status_code == 404
    assert Membership.objects.filter(user=charlie).exists()


def test_another_teams_member_or_item_is_a_404_through_ones_own_team(
    client, maria, charlie, plan_items
):
    client.force_login(maria)
    theirs = membership("charlie", "finance")
    fin_close = PlanItem.objects.get(external_id="FIN-CLOSE")
    assert client.post(f"{MANAGE}members/{theirs.pk}/remove/").status_code == 404
    assert (
        client.post(f"{MANAGE}members/{theirs.pk}/role/", {"role": "viewer"})
    ).status_code == 404
    assert (
        client.post(f"{MANAGE}items/{fin_close.pk}/active/", {"active": "0"})
    ).status_code == 404
    assert membership("charlie", "finance").role == "uploader"
    assert PlanItem.objects.get(pk=fin_close.pk).active is True


# --- the page ---------------------------------------------------------------------


def test_a_manager_sees_the_members_and_plan_items_of_their_team(
    client, maria, alice, bob, charlie, plan_items
):
    client.force_login(maria)
    response = client.get(MANAGE)
    page = response.content.decode()
    assert response.status_code == 200
    members = page.split('data-testid="member-row"')[1:]
    names = [re.search(r'data-label="Username"><div>(\w+)', row) for row in members]
    assert [name.group(1) for name in names] == [
        "alice",
        "bob",
        "maria",
    ]
    assert "alice@example.com" in members[0]
    assert '<option value="viewer" selected>Viewer</option>' in members[1]
    assert "charlie" not in page
    items = page.split('data-testid="item-row"')[1:]
    assert len(items) == 4
    assert "FIN-CLOSE" not in page
    assert "Deactivate" in items[0]


def test_staff_manage_any_team(client, operator, charlie, plan_items):
    client.force_login(operator)
    page = client.get("/teams/finance/manage/").content.decode()
    assert "charlie@example.com" in page
    assert "FIN-CLOSE" in page


def test_a_team_with_no_one_and_nothing_says_what_to_do(client, operator, team):
    client.force_login(operator)
    page = client.get(MANAGE).content.decode()
    assert "No members yet" in page
    assert "No plan items yet" in page
    assert 'href="/teams/sales/manage/import/"' in page


def test_plan_items_are_found_by_external_id_or_name(client, maria, plan_items):
    client.force_login(maria)
    page = client.get(MANAGE, {"q": "bookings"}).content.decode()
    assert page.count('data-testid="item-row"') == 1
    assert "SALES-Q4-02" in page
    page = client.get(MANAGE, {"q": "nothing-like-it"}).content.decode()
    assert "No plan item matches" in page


# --- members ----------------------------------------------------------------------


def test_a_manager_adds_an_existing_user_by_username(client, maria, charlie):
    client.force_login(maria)
    response = client.post(
        f"{MANAGE}members/", {"who": "charlie", "role": "uploader"}, follow=True
    )
    assert response.redirect_chain == [(MANAGE, 302)]
    assert "charlie is an uploader of Sales." in response.content.decode()
    assert membership("charlie").role == "uploader"
    assert mail.outbox == []  # charlie has a password: no invitation
    event = AuditEvent.objects.get(action="membership.set")
    assert (event.actor, event.details["username"]) == (maria, "charlie")


def test_a_manager_adds_an_existing_user_by_email(client, maria, charlie):
    client.force_login(maria)
    client.post(f"{MANAGE}members/", {"who": "Charlie@Example.com", "role": "viewer"})
    assert membership("charlie").role == "viewer"


def test_an_unknown_email_creates_the_user_and_invites_them(client, maria, settings):
    client.force_login(maria)
    response = client.post(
        f"{MANAGE}members/",
        {"who": "dana.lee@example.com", "role": "uploader"},
        follow=True,
    )
    assert "Invited dana.lee@example.com as an uploader" in response.content.decode()
    dana = User.objects.get(email="dana.lee@example.com")
    assert dana.username == "dana.lee"
    assert not dana.has_usable_password()
    assert membership("dana.lee").role == "uploader"
    (email,) = mail.outbox
    assert email.to == ["dana.lee@example.com"]
    assert "Sales" in email.subject
    assert "maria has given you an account" in email.body
    assert "as an uploader of Sales" in email.body
    link = re.search(r"^(http\S+/accounts/reset/\S+)$", email.body, re.M).group(1)
    assert link.startswith(settings.PORTAL_BASE_URL)
    # The link sets the password, and the invited person then logs in.
    client.logout()
    form = client.get(link.removeprefix(settings.PORTAL_BASE_URL), follow=True)
    assert b"new_password1" in form.content
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-9x", "new_password2": "a-long-pass-9x"},
    )
    dana.refresh_from_db()
    assert dana.check_password("a-long-pass-9x")
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["user.created", "membership.set", "user.invited"]


def test_an_unknown_username_is_explained_and_kept_in_the_form(client, maria):
    client.force_login(maria)
    response = client.post(f"{MANAGE}members/", {"who": "ghost", "role": "viewer"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "No one in your teams is named &#x27;ghost&#x27;. To add anyone" in page
    assert 'value="ghost"' in page
    assert not User.objects.filter(username="ghost").exists()


@pytest.fixture
def olga(db):
    """Olga has an account in a team Maria has nothing to do with."""
    return make_user("olga", TeamFactory(slug="hr", name="HR"), "viewer")


def errors_for(client, who: str) -> str:
    response = client.post(f"{MANAGE}members/", {"who": who, "role": "viewer"})
    assert response.status_code == 400
    (error,) = re.findall(
        r"<div[^>]*invalid-feedback[^>]*>(.*?)</div>", response.content.decode(), re.S
    )
    return error.replace(who, "NAME").strip()


def test_a_username_outside_the_managers_teams_is_answered_as_an_unknown_one(
    client, maria, olga
):
    client.force_login(maria)
    assert errors_for(client, "olga") == errors_for(client, "ghost")
    assert not Membership.objects.filter(user=olga, team__slug="sales").exists()


def test_an_address_outside_the_managers_teams_is_answered_as_an_unknown_one(
    client, maria, olga
):
    client.force_login(maria)
    said = []
    for address in ("olga@example.com", "dana@example.com"):
        response = client.post(
            f"{MANAGE}members/", {"who": address, "role": "viewer"}, follow=True
        )
        page = response.content.decode()
        (message,) = re.findall(r"Invited [^<]*", page)
        said.append(message.replace(address, "ADDRESS"))
    assert (
        said[0]
        == said[1]
        == (
            "Invited ADDRESS as a viewer of Sales: they have an email with a link to "
            "log in."
        )
    )
    assert [email.to for email in mail.outbox] == [
        ["olga@example.com"],
        ["dana@example.com"],
    ]
    assert membership("olga").user == olga


def test_a_bad_role_creates_no_one(client, maria):
    client.force_login(maria)
    response = client.post(
        f"{MANAGE}members/", {"who": "x@example.com", "role": "owner"}
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="x@example.com").exists()
    assert mail.outbox == []


def test_a_manager_changes_a_role(client, maria, bob):
    client.force_login(maria)
    response = client.post(
        f"{MANAGE}members/{membership('bob').pk}/role/",
        {"role": "uploader"},
        follow=True,
    )
    assert "bob is now an uploader." in response.content.decode()
    assert membership("bob").role == "uploader"


def test_a_manager_cannot_lower_their_own_role(client, maria):
    client.force_login(maria)
    response = client.post(
        f"{MANAGE}members/{membership('maria').pk}/role/",
        {"role": "viewer"},
        follow=True,
    )
    assert "You cannot lower your own role" in response.content.decode()
    assert membership("maria").role == "manager"


def test_a_manager_removes_a_member_and_it_is_audited(client, maria, bob):
    client.force_login(maria)
    response = client.post(
        f"{MANAGE}members/{membership('bob').pk}/remove/", follow=True
    )
    assert "Removed bob from Sales." in response.content.decode()
    assert not Membership.objects.filter(user=bob).exists()
    assert User.objects.filter(username="bob").exists()
    event = AuditEvent.objects.get(action="membership.removed")
    assert (event.actor, event.details) == (
        maria,
        {"username": "bob", "role": "viewer"},
    )


def test_a_manager_cannot_remove_themselves(client, maria):
    client.force_login(maria)
    response = client.post(
        f"{MANAGE}members/{membership('maria').pk}/remove/", follow=True
    )
    assert "You cannot remove yourself" in response.content.decode()
    assert Membership.objects.filter(user=maria, team__slug="sales").exists()


# --- plan items -------------------------------------------------------------------


def test_a_manager_deactivates_and_reactivates_an_item(client, maria, plan_items):
    client.force_login(maria)
    item = plan_items[1]
    url = f"{MANAGE}items/{item.pk}/active/"
    response = client.post(url, {"active": "0", "q": "Q4"}, follow=True)
    assert response.redirect_chain == [(f"{MANAGE}?q=Q4#plan-items", 302)]
    assert "SALES-Q4-02 is inactive" in response.content.decode()
    assert PlanItem.objects.get(pk=item.pk).active is False
    client.post(url, {"active": "1"})
    assert PlanItem.objects.get(pk=item.pk).active is True
    assert list(AuditEvent.objects.values_list("action", "details__external_id")) == [
        ("plan_item.deactivated", "SALES-Q4-02"),
        ("plan_item.reactivated", "SALES-Q4-02"),
    ]


def test_items_stored_with_an_id_no_file_can_carry_are_pointed_out(
    client, maria, plan_items
):
    # Stored before imports checked External IDs.
    for external_id in ("SALES,Q4", "=HYPERLINK(1)", "@cmd"):
        PlanItem.objects.create(team=plan_items[0].team, external_id=external_id)
    PlanItem.objects.create(team=plan_items[0].team, external_id="-OLD", active=False)
    client.force_login(maria)

    page = client.get(MANAGE).content.decode()

    (warning,) = re.findall(r'data-testid="unwritable-ids">(.*?)</div>', page, re.S)
    assert "3 active plan items cannot be sent" in warning
    found = re.findall(r"<code[^>]*>(.*?)</code>", warning)
    assert sorted(found) == ["=HYPERLINK(1)", "@cmd", "SALES,Q4"]
    assert "Deactivate them" in warning


def test_a_team_whose_ids_are_all_fine_gets_no_warning(client, maria, plan_items):
    client.force_login(maria)
    assert 'data-testid="unwritable-ids"' not in client.get(MANAGE).content.decode()
