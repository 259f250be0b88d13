"""The Django admin stays for staff to look, never to change: uploads, their rows,
their calls to AchieveIt and the audit history are read-only there (a change
must go through the portal, which audits it), and an upload's page opens quickly
even for a 100,000-row upload (its rows are a paginated list of their own)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.factories import UploadFactory
from uploads.models import (
    Attempt,
    AuditEvent,
    Membership,
    PlanItem,
    SignInIdentity,
    Team,
    Upload,
    UploadRow,
)
from uploads.services.audit import audit

Action = AuditEvent.Action
State = Upload.State


@pytest.fixture
def failed(team):
    return UploadFactory(team=team, state=State.FAILED, error_text="AchieveIt said no")


@pytest.fixture
def big_upload(team):
    upload = UploadFactory(
        team=team,
        state=State.FAILED,
        row_count=100_000,
        normalized_csv="External ID,Status,Current Value,As Of Date\n"
        + "ITEM-000001,On Track,0.5,2026-10-31\n" * 100_000,
        findings=[{"severity": "warning", "message": "x" * 40}] * 2_000,
    )
    UploadRow.objects.bulk_create(
        (
            UploadRow(
                upload=upload,
                line=line,
                external_id=f"ITEM-{line:06d}",
                status="On Track",
                value="0.5",
                as_of_date="2026-10-31",
            )
            for line in range(2, 100_002)
        ),
        batch_size=5_000,
    )
    return upload


def test_a_100000_row_upload_opens_quickly(admin_client, big_upload):
    started = time.monotonic()
    response = admin_client.get(f"/admin/uploads/upload/{big_upload.pk}/change/")
    elapsed = time.monotonic() - started

    page = response.content.decode()
    assert response.status_code == 200
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert "ITEM-050000" not in page  # neither the rows nor the payload inline
    assert len(page) < 200_000
    assert f"?upload__id__exact={big_upload.pk}" in page
    assert "100000 rows" in page


def test_its_rows_are_a_paginated_list(admin_client, big_upload):
    started = time.monotonic()
    response = admin_client.get(
        f"/admin/uploads/uploadrow/?upload__id__exact={big_upload.pk}"
    )
    elapsed = time.monotonic() - started

    page = response.content.decode()
    assert response.status_code == 200
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert "ITEM-000002" in page
    assert "ITEM-000102" not in page  # 100 a page
    assert page.count('class="field-line"') == 100


def test_an_upload_cannot_be_changed_or_deleted_there(admin_client, failed):
    url = f"/admin/uploads/upload/{failed.pk}/"
    page = admin_client.get(f"{url}change/").content.decode()
    assert 'name="_save"' not in page
    assert 'name="resolution_note"' not in page

    response = admin_client.post(
        f"{url}change/", {"state": "resolved", "resolution_note": "by hand"}
    )
    assert response.status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/uploads/upload/add/").status_code == 403
    failed.refresh_from_db()
    assert (failed.state, failed.resolution_note) == (State.FAILED, "")
    assert not AuditEvent.objects.exists()


def test_attempts_are_read_only(admin_client, failed):
    attempt = Attempt.objects.create(
        upload=failed,
        kind=Attempt.Kind.POLL,
        started_at=timezone.now(),
        status_code=500,
        outcome="failed",
    )
    url = f"/admin/uploads/attempt/{attempt.pk}/"
    assert admin_client.get(f"{url}change/").status_code == 200
    assert admin_client.post(f"{url}change/", {"status_code": 200}).status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.status_code == 500


def test_nobody_can_add_change_or_delete_an_audit_event(admin_client, failed):
    event = AuditEvent.objects.create(
        action=AuditEvent.Action.UPLOAD_FAILED, upload=failed, team=failed.team
    )
    url = f"/admin/uploads/auditevent/{event.pk}/"
    assert admin_client.get(f"{url}change/").status_code == 200
    assert admin_client.get("/admin/uploads/auditevent/add/").status_code == 403
    assert admin_client.post(f"{url}change/", {"action": "x"}).status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        "/admin/uploads/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditEvent.objects.get(pk=event.pk).action == "upload.failed"


def test_a_non_staff_user_gets_a_404_not_the_admin_login(client, alice, failed):
    """A staff page is a 404 for anyone else signed in (DESIGN.md), never a login
    form that confirms it and invites them to sign in as someone else."""
    client.force_login(alice)
    for url in (f"/admin/uploads/upload/{failed.pk}/change/", "/admin/login/"):
        assert client.get(url).status_code == 404, url


def test_a_visitor_not_signed_in_is_sent_to_the_admin_login(client, failed):
    response = client.get(f"/admin/uploads/upload/{failed.pk}/change/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_uploads_have_no_delete_action(admin_client, failed):
    page = admin_client.get("/admin/uploads/upload/").content.decode()
    assert "delete_selected" not in page

    admin_client.post(
        "/admin/uploads/upload/",
        {"action": "delete_selected", "_selected_action": [failed.pk], "post": "yes"},
    )
    assert Upload.objects.filter(pk=failed.pk).exists()


def test_a_user_with_events_cannot_be_deleted_and_keeps_their_name(
    admin_client, team, alice, failed
):
    audit(action=Action.UPLOAD_CANCELED, upload=failed, actor=alice)
    url = f"/admin/auth/user/{alice.pk}/delete/"

    page = admin_client.get(url)
    posted = admin_client.post(url, {"post": "yes"})
    bulk = admin_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [alice.pk], "post": "yes"},
    )

    for response in (page, posted, bulk):
        assert response.status_code == 200
        assert "Cannot delete user" in response.content.decode()
        assert "protected related objects" in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
    event = failed.events.get()
    assert (event.actor, event.actor_name) == (alice, "alice")
    assert event.sentence == "alice canceled the upload"


def test_a_membership_changed_there_is_an_audit_event(admin_client, team, alice):
    membership = Membership.objects.get(user=alice, team=team)
    url = f"/admin/uploads/membership/{membership.pk}/change/"

    response = admin_client.post(
        url, {"user": alice.pk, "team": team.pk, "role": "manager"}
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.ADMIN_CHANGED)
    assert (event.actor_username, event.team) == ("admin", team)
    assert event.details["changes"] == {"role": ["uploader", "manager"]}
    assert event.details["operation"] == "changed"
    assert event.sentence == (
        "admin changed the membership 'alice in Sales (manager)' in the admin: "
        "role uploader → manager"
    )


def test_saving_without_a_change_writes_no_event(admin_client, team, alice):
    membership = Membership.objects.get(user=alice, team=team)
    response = admin_client.post(
        f"/admin/uploads/membership/{membership.pk}/change/",
        {"user": alice.pk, "team": team.pk, "role": "uploader"},
    )
    assert response.status_code == 302  # saved, not sent back with an error
    assert not AuditEvent.objects.filter(action=Action.ADMIN_CHANGED).exists()


def test_members_changed_on_the_team_page_are_audit_events(
    admin_client, team, alice, bob
):
    alice_membership = Membership.objects.get(user=alice, team=team)
    bob_membership = Membership.objects.get(user=bob, team=team)
    form = {
        "slug": "sales",
        "name": "Sales",
        "stale_after_days": 30,
        "reminder_weekday": 0,
        "memberships-TOTAL_FORMS": 2,
        "memberships-INITIAL_FORMS": 2,
        "memberships-0-id": alice_membership.pk,
        "memberships-0-team": team.pk,
        "memberships-0-user": alice.pk,
        "memberships-0-role": "viewer",
        "memberships-1-id": bob_membership.pk,
        "memberships-1-team": team.pk,
        "memberships-1-user": bob.pk,
        "memberships-1-role": "viewer",
        "memberships-1-DELETE": "on",
    }

    response = admin_client.post(f"/admin/uploads/team/{team.pk}/change/", form)

    assert response.status_code == 302
    events = AuditEvent.objects.filter(action=Action.ADMIN_CHANGED).order_by("pk")
    assert [
        (event.details["operation"], event.details["object_id"]) for event in events
    ] == [
        ("changed", alice_membership.pk),
        ("deleted", bob_membership.pk),
    ]
    assert events[0].details["changes"] == {"role": ["uploader", "viewer"]}
    assert events[1].sentence == (
        "admin deleted the membership 'bob in Sales (viewer)' in the admin"
    )
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()


def test_plan_items_added_and_deleted_there_are_audit_events(admin_client, team):
    response = admin_client.post(
        "/admin/uploads/planitem/add/",
        {"team": team.pk, "external_id": "SALES-NEW", "name": "New", "active": "on"},
    )
    assert response.status_code == 302
    item = PlanItem.objects.get(external_id="SALES-NEW")
    admin_client.post(f"/admin/uploads/planitem/{item.pk}/delete/", {"post": "yes"})

    added, deleted = AuditEvent.objects.filter(action=Action.ADMIN_CHANGED).order_by(
        "pk"
    )
    assert added.details["operation"] == "added"
    assert added.details["changes"]["external_id"] == [None, "SALES-NEW"]
    assert added.team == team
    assert (deleted.details["operation"], deleted.details["object_id"]) == (
        "deleted",
        item.pk,
    )
    assert not PlanItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize(
    ("external_id", "says"),
    [
        ("=HYPERLINK(1)", "starts with '='"),
        ("SALES,1", "contains a comma"),
        ('SALES"1', "contains a quotation mark"),
        ("my-external-1", "contains the word 'external'"),
        ("SALES\t1", "invisible character"),
    ],
)
def test_a_plan_item_there_follows_the_imports_external_id_rules(
    admin_client, team, external_id, says
):
    response = admin_client.post(
        "/admin/uploads/planitem/add/",
        {"team": team.pk, "external_id": external_id, "name": "New", "active": "on"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["external_id"]
    assert says in errors[0]
    assert not PlanItem.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_plan_items_id_is_kept_without_the_spaces_around_it(admin_client, team):
    response = admin_client.post(
        "/admin/uploads/planitem/add/",
        {"team": team.pk, "external_id": "  SALES-9 ", "name": "Nine"},
    )
    assert response.status_code == 302
    assert PlanItem.objects.get().external_id == "SALES-9"


def test_a_user_made_staff_there_is_an_audit_event_without_the_password(
    admin_client, alice
):
    # Whole seconds, as the admin's date and time fields post them back.
    User.objects.filter(pk=alice.pk).update(
        date_joined=alice.date_joined.replace(microsecond=0)
    )
    page = admin_client.get(f"/admin/auth/user/{alice.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("groups", "user_permissions")
    }
    data.update(
        {
            "is_staff": "on",
            "is_active": "on",
            "date_joined_0": form.initial["date_joined"].strftime("%Y-%m-%d"),
            "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
        }
    )
    data.pop("date_joined")
    data.pop("last_login", None)
    for inline in page.context["inline_admin_formsets"]:  # as the page posts them
        management = inline.formset.management_form
        data.update(
            {
                management.add_prefix(name): value
                for name, value in management.initial.items()
            }
        )

    response = admin_client.post(f"/admin/auth/user/{alice.pk}/change/", data)
    assert response.status_code == 302
    admin_client.post(
        f"/admin/auth/user/{alice.pk}/password/",
        {"password1": "An0ther-long-secret", "password2": "An0ther-long-secret"},
    )

    staff, password = AuditEvent.objects.filter(action=Action.ADMIN_CHANGED).order_by(
        "pk"
    )
    assert staff.details["changes"] == {"is_staff": [False, True]}
    assert password.details["changes"] == {"password": [None, "set"]}
    written = str(list(AuditEvent.objects.values()))
    assert "An0ther-long-secret" not in written
    assert "pbkdf2" not in written


def test_a_team_name_with_a_line_break_is_refused_there(admin_client, team):
    response = admin_client.post(
        f"/admin/uploads/team/{team.pk}/change/",
        {
            "slug": "sales",
            "name": "Sales\nTeam",
            "stale_after_days": 30,
            "reminder_weekday": 0,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "no line breaks" in response.content.decode()
    team.refresh_from_db()
    assert team.name == "Sales"


def test_a_team_deleted_there_is_an_audit_event_that_names_it(admin_client, db):
    team = Team.objects.create(slug="pilots", name="Pilots")

    response = admin_client.post(
        f"/admin/uploads/team/{team.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    event = AuditEvent.objects.get(action=Action.ADMIN_CHANGED)
    assert (event.team, event.details["object"], event.details["object_id"]) == (
        None,
        "Pilots",
        team.pk,
    )
    assert event.sentence == "admin deleted the team 'Pilots' in the admin"


def test_a_user_who_made_an_upload_gets_the_cannot_delete_page(admin_client, bob):
    UploadFactory(created_by=bob, state=State.SUCCEEDED)

    response = admin_client.post(f"/admin/auth/user/{bob.pk}/delete/", {"post": "yes"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Cannot delete user" in page
    assert "protected related objects" in page
    assert User.objects.filter(pk=bob.pk).exists()


def test_plan_items_deleted_in_bulk_are_one_event_each(admin_client, plan_items):
    chosen = [item.pk for item in plan_items[:2]]

    admin_client.post(
        "/admin/uploads/planitem/",
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )

    events = AuditEvent.objects.filter(action=Action.ADMIN_CHANGED)
    assert sorted(event.details["object_id"] for event in events) == sorted(chosen)
    assert {event.details["operation"] for event in events} == {"deleted"}
    assert not PlanItem.objects.filter(pk__in=chosen).exists()


def test_an_operator_sees_and_may_remove_a_users_sign_in_identity(admin_client, alice):
    identity = SignInIdentity.objects.create(
        user=alice, issuer="https://idp.example.test", subject="alice-at-idp"
    )
    User.objects.filter(pk=alice.pk).update(
        date_joined=alice.date_joined.replace(microsecond=0)
    )
    page = admin_client.get(f"/admin/auth/user/{alice.pk}/change/")
    assert "alice-at-idp" in page.content.decode()
    formset = page.context["inline_admin_formsets"][0].formset
    assert formset.max_num == 0  # removed here, never added or edited by hand
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None
        and name not in ("groups", "user_permissions", "date_joined", "last_login")
    }
    data.update(
        {
            "is_active": "on",
            "date_joined_0": form.initial["date_joined"].strftime("%Y-%m-%d"),
            "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
        }
    )
    management = formset.management_form
    data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data[f"{formset.prefix}-0-id"] = str(identity.pk)
    data[f"{formset.prefix}-0-user"] = str(alice.pk)
    data[f"{formset.prefix}-0-DELETE"] = "on"
    response = admin_client.post(f"/admin/auth/user/{alice.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    assert not SignInIdentity.objects.exists()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.ADMIN_CHANGED).last()
    assert event.details["operation"] == "deleted"
