"""A manager's change to the team's weekly reminders is an audited event with a
sentence in the history; saving the same settings again writes nothing."""

from __future__ import annotations

from tests.helpers import make_user
from uploads.models import AuditEvent, Membership, Team
from uploads.services import reminders
from uploads.wording.history import sentence

Action = AuditEvent.Action


def events(team: Team) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(team=team, action=Action.TEAM_REMINDERS_SET).order_by(
            "pk"
        )
    )


def test_turning_reminders_on_and_off_is_audited_with_who_and_what(team: Team):
    mona = make_user("mona", team, Membership.Role.MANAGER)
    reminders.set_team_reminders(team=team, on=True, weekday=2, actor=mona)
    reminders.set_team_reminders(team=team, on=False, weekday=2, actor=mona)
    on, off = events(team)
    assert on.actor == mona
    assert on.details == {
        "on": True,
        "weekday": 2,
        "was_on": False,
        "was_weekday": 0,  # the default, Monday
    }
    assert sentence(on) == "mona turned the weekly reminders on, sent every Wednesday"
    assert sentence(off) == "mona turned the weekly reminders off"
    assert off.details["was_on"] is True


def test_saving_the_same_settings_again_writes_no_event(team: Team):
    reminders.set_team_reminders(team=team, on=True, weekday=4)
    reminders.set_team_reminders(team=team, on=True, weekday=4)
    assert len(events(team)) == 1
    team.refresh_from_db()
    assert (team.reminders_on, team.reminder_weekday) == (True, 4)


def test_the_team_page_switch_records_the_manager(client, team: Team):
    mona = make_user("mona", team, Membership.Role.MANAGER)
    client.force_login(mona)
    response = client.post(
        f"/teams/{team.slug}/manage/reminders/",
        {"reminders_on": "on", "reminder_weekday": 0},
    )
    assert response.status_code == 302
    [event] = events(team)
    assert event.actor == mona
    assert sentence(event) == "mona turned the weekly reminders on, sent every Monday"


def test_every_page_links_a_person_to_their_reminder_switch(client, alice):
    client.force_login(alice)
    page = client.get("/").content.decode()
    link = page.split('data-testid="menu-reminders"')[0].rsplit("<a ", 1)[1]
    assert 'href="/reminders/"' in link
