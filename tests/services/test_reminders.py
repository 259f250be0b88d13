"""Weekly reminders of stale items (issue 18): to each person who may upload,
their own items where AchieveIt names an assignee, one a person a week even with
two workers, a dry run that sends nothing, and a switch to stop them."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.helpers import make_user
from uploads.models import Membership, PersonReminder, PlanItem, Team
from uploads.services import reminders

# A Wednesday.
NOW = timezone.make_aware(datetime(2026, 12, 2, 7, 0))
WEDNESDAY = 2


@pytest.fixture
def sales(team: Team, plan_items: list[PlanItem]) -> Team:
    """Sales sends reminders on Wednesdays; none of its items was ever updated."""
    reminders.set_team_reminders(team=team, on=True, weekday=WEDNESDAY)
    return team


@pytest.fixture
def uploaders(sales: Team):
    """Alice uploads, Mona manages, Bob only looks."""
    return (
        make_user("alice", sales, Membership.Role.UPLOADER),
        make_user("mona", sales, Membership.Role.MANAGER),
        make_user("bob", sales, Membership.Role.VIEWER),
    )


def assign(external_id: str, email: str) -> None:
    PlanItem.objects.filter(external_id=external_id).update(assignee_email=email)


def sent_to() -> dict[str, str]:
    return {message.to[0]: message.body for message in mail.outbox}


def test_each_person_who_may_upload_gets_the_teams_stale_items(uploaders):
    sent = reminders.send_reminders(now=NOW)
    assert sorted(reminder.user.username for reminder in sent) == ["alice", "mona"]
    bodies = sent_to()
    assert set(bodies) == {"alice@example.com", "mona@example.com"}
    body = bodies["alice@example.com"]
    for external_id in ("SALES-Q4-01", "SALES-Q4-02", "HR-RETENTION", "IT-MIGRATION"):
        assert external_id in body
    assert "FIN-CLOSE" not in body  # another team's
    assert f"{settings.PORTAL_BASE_URL}/teams/sales/entry/" in body
    assert f"{settings.PORTAL_BASE_URL}/reminders/" in body
    assert mail.outbox[0].subject == "4 plan items to update in AchieveIt"


def test_an_item_assigned_in_achieveit_goes_only_to_its_assignee(uploaders):
    assign("SALES-Q4-01", "ALICE@example.com")  # any case
    assign("SALES-Q4-02", "someone@elsewhere.example")  # not in the portal
    bodies = {}
    for reminder in reminders.send_reminders(now=NOW):
        bodies[reminder.user.username] = [
            item.external_id for part in reminder.teams for item in part.items
        ]
    assert "SALES-Q4-01" in bodies["alice"]
    assert "SALES-Q4-01" not in bodies["mona"]
    # Assigned to nobody who may upload: everyone's.
    assert "SALES-Q4-02" in bodies["alice"]
    assert "SALES-Q4-02" in bodies["mona"]
    assert "SALES-Q4-01" not in sent_to()["mona@example.com"]


def test_fresh_items_inactive_items_and_other_days_are_left_out(uploaders, sales):
    PlanItem.objects.filter(external_id="SALES-Q4-01").update(
        last_updated_at=NOW - timedelta(days=1)
    )
    # Updated in AchieveIt directly: fresh too.
    PlanItem.objects.filter(external_id="SALES-Q4-02").update(
        achieveit_last_updated=NOW - timedelta(days=2)
    )
    PlanItem.objects.filter(external_id="HR-RETENTION").update(active=False)
    due = reminders.reminders_due(now=NOW)
    assert {item.external_id for item in due[0].teams[0].items} == {"IT-MIGRATION"}
    assert reminders.reminders_due(now=NOW + timedelta(days=1)) == []
    reminders.set_team_reminders(team=sales, on=False, weekday=WEDNESDAY)
    assert reminders.reminders_due(now=NOW) == []


def test_one_reminder_a_person_a_week(uploaders):
    assert len(reminders.send_reminders(now=NOW)) == 2
    assert reminders.send_reminders(now=NOW + timedelta(hours=3)) == []
    assert len(mail.outbox) == 2
    next_week = NOW + timedelta(days=7)
    assert len(reminders.send_reminders(now=next_week)) == 2
    assert len(mail.outbox) == 4


def test_a_person_can_turn_them_off_and_on_again(client, uploaders):
    alice = uploaders[0]
    client.force_login(alice)
    page = client.get("/reminders/").content.decode()
    assert "They are on for you." in page
    assert "Sales (Wednesday)" in page
    client.post("/reminders/", {"reminders": "off"})
    assert "You turned them off" in client.get("/reminders/").content.decode()
    sent = reminders.send_reminders(now=NOW)
    assert [reminder.user.username for reminder in sent] == ["mona"]
    client.post("/reminders/", {"reminders": "on"})
    assert not PersonReminder.objects.get(user=alice).opted_out
    assert [r.user.username for r in reminders.reminders_due(now=NOW)] == ["alice"]


def test_a_manager_turns_the_teams_reminders_on_with_a_weekday(client, team):
    client.force_login(make_user("mona", team, Membership.Role.MANAGER))
    page = client.get(f"/teams/{team.slug}/manage/").content.decode()
    assert 'data-testid="team-reminders"' in page
    client.post(
        f"/teams/{team.slug}/manage/reminders/",
        {"reminders_on": "on", "reminder_weekday": "4"},
    )
    team.refresh_from_db()
    assert (team.reminders_on, team.reminder_weekday) == (True, 4)
    client.post(f"/teams/{team.slug}/manage/reminders/", {"reminder_weekday": "4"})
    team.refresh_from_db()
    assert not team.reminders_on


def test_an_uploader_cannot_change_the_teams_reminders(client, team):
    client.force_login(make_user("alice", team, Membership.Role.UPLOADER))
    response = client.post(
        f"/teams/{team.slug}/manage/reminders/",
        {"reminders_on": "on", "reminder_weekday": "1"},
    )
    assert response.status_code == 404
    team.refresh_from_db()
    assert not team.reminders_on


def test_the_dry_run_prints_who_would_get_what_and_sends_nothing(
    uploaders, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "would send alice@example.com: 4 stale item(s) (sales: " in text
    assert "would send mona@example.com" in text
    assert "2 reminders would be sent." in text
    assert mail.outbox == []
    assert not PersonReminder.objects.filter(week__isnull=False).exists()
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "sent alice@example.com" in out.getvalue()
    assert len(mail.outbox) == 2


def test_a_failed_send_stays_due(uploaders, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", refuse)
    assert reminders.send_reminders(now=NOW) == []
    monkeypatch.undo()
    assert len(reminders.send_reminders(now=NOW + timedelta(hours=1))) == 2


def test_two_workers_send_one_reminder_a_person(postgres, team, plan_items):
    reminders.set_team_reminders(team=team, on=True, weekday=WEDNESDAY)
    make_user("alice", team, Membership.Role.UPLOADER)
    make_user("mona", team, Membership.Role.MANAGER)
    # Both workers find the same reminders due before either claims one.
    both_read = threading.Barrier(2, timeout=30)
    real_due = reminders.reminders_due

    def due_then_wait(**kwargs):
        found = real_due(**kwargs)
        both_read.wait()
        return found

    sent: list[list[str]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            sent.append([r.user.username for r in reminders.send_reminders(now=NOW)])
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    reminders.reminders_due = due_then_wait
    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        reminders.reminders_due = real_due
    assert errors == []
    assert sorted(name for names in sent for name in names) == ["alice", "mona"]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.com",
        "mona@example.com",
    ]


def test_beat_runs_the_reminders_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "uploads.tasks.send_reminders"
    assert entry["schedule"].hour == {settings.REMINDER_HOUR}
    assert entry["schedule"].day_of_week == set(range(7))
