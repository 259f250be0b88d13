"""Weekly reminders of stale plan items (issue 18).

A team turns them on and picks a weekday (Team.reminders_on, reminder_weekday).
On that day each person who may upload for it (uploader or manager, active, with
an email address, not opted out: PersonReminder.opted_out) gets one email listing
the stale items of their teams that send reminders, with a link to each team's
prefilled form. An item AchieveIt names an assignee for goes only to that person
(PlanItem.assignee_email, any case) when they may upload for the team; otherwise
to everyone who may.

At most one email per person per week, however many workers run it: the send is
claimed first with a conditional update of PersonReminder.week (as the problem
emails claim theirs), and a failed send lets the claim go so the next run tries
again. A person in several teams gets one email, on the first of their teams'
days, listing them all.
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from uploads.models import AuditEvent, Membership, PersonReminder, PlanItem, Team
from uploads.selectors.items import stale_q
from uploads.services.audit import audit
from uploads.wording import emails

logger = logging.getLogger(__name__)

UPLOAD_ROLES = (Membership.Role.UPLOADER, Membership.Role.MANAGER)
# The items one email lists per team; the form has them all.
ITEMS_IN_EMAIL = 50


@dataclass(frozen=True)
class TeamReminder:
    """One team's part of a reminder: its stale items for this person."""

    team: Team
    items: list[PlanItem]
    link: str  # the team's prefilled form (the entry page)

    @property
    def shown(self) -> list[PlanItem]:
        return self.items[:ITEMS_IN_EMAIL]

    @property
    def not_shown(self) -> int:
        return max(0, len(self.items) - ITEMS_IN_EMAIL)


@dataclass(frozen=True)
class Reminder:
    """The email one person would get."""

    user: AbstractBaseUser
    teams: list[TeamReminder]

    @property
    def item_count(self) -> int:
        return sum(len(part.items) for part in self.teams)

    def describe(self) -> str:
        """One line, as `send_reminders --dry-run` prints it."""
        parts = ", ".join(
            f"{part.team.slug}: {', '.join(item.external_id for item in part.items)}"
            for part in self.teams
        )
        return f"{self.user.email}: {self.item_count} stale item(s) ({parts})"


def week_of(day: date) -> date:
    """The Monday of the week `day` is in (the unit of 'one a week')."""
    return day - timedelta(days=day.weekday())


def reminders_due(*, now: datetime | None = None) -> list[Reminder]:
    """The reminders today's run would send: people with a team whose reminder
    day is today, not reminded this week, not opted out, with stale items."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week = week_of(today)
    memberships = list(
        Membership.objects.filter(
            team__reminders_on=True,
            role__in=UPLOAD_ROLES,
            user__is_active=True,
        )
        .exclude(user__email="")
        .exclude(user__reminder__opted_out=True)
        .select_related("team", "user")
        .order_by("user__email", "team__name")
    )
    due_users = {
        membership.user_id
        for membership in memberships
        if membership.team.reminder_weekday == today.weekday()
    }
    already = set(
        PersonReminder.objects.filter(
            user_id__in=due_users, week__gte=week
        ).values_list("user_id", flat=True)
    )
    memberships = [
        membership
        for membership in memberships
        if membership.user_id in due_users and membership.user_id not in already
    ]
    if not memberships:
        return []
    teams = {membership.team_id: membership.team for membership in memberships}
    # Who may upload for each team (of those with reminders on), by address.
    uploaders: dict[int, set[str]] = defaultdict(set)
    for team_id, email in Membership.objects.filter(
        team_id__in=teams, role__in=UPLOAD_ROLES, user__is_active=True
    ).values_list("team_id", "user__email"):
        if email:
            uploaders[team_id].add(email.casefold())
    stale: dict[int, list[PlanItem]] = defaultdict(list)
    stale_filter = Q()
    for team in teams.values():
        cutoff = now - timedelta(days=team.stale_after_days)
        stale_filter |= Q(team=team) & stale_q(cutoff)
    for item in PlanItem.objects.filter(stale_filter, active=True).order_by(
        "team_id", "external_id"
    ):
        stale[item.team_id].append(item)

    by_user: dict[int, list[TeamReminder]] = defaultdict(list)
    users: dict[int, AbstractBaseUser] = {}
    for membership in memberships:
        address = membership.user.email.casefold()
        mine = [
            item
            for item in stale[membership.team_id]
            if _is_for(item, address, uploaders[membership.team_id])
        ]
        if mine:
            users[membership.user_id] = membership.user
            by_user[membership.user_id].append(
                TeamReminder(
                    team=membership.team,
                    items=mine,
                    link=settings.PORTAL_BASE_URL
                    + reverse("entry", kwargs={"slug": membership.team.slug}),
                )
            )
    return [
        Reminder(user=users[user_id], teams=parts) for user_id, parts in by_user.items()
    ]


def _is_for(item: PlanItem, address: str, uploaders: set[str]) -> bool:
    assignee = item.assignee_email.strip().casefold()
    # An item AchieveIt assigns to someone who may upload is theirs alone; one
    # assigned to nobody (or to someone outside the portal) is everyone's.
    if assignee and assignee in uploaders:
        return assignee == address
    return True


def send_reminders(
    *, dry_run: bool = False, now: datetime | None = None
) -> list[Reminder]:
    """Send today's reminders; returns those sent (with `dry_run`, those that
    would be, and nothing is sent or claimed). A reminder another worker
    claimed first is skipped; a failed send is logged and stays due."""
    now = now or timezone.now()
    due = reminders_due(now=now)
    if dry_run:
        return due
    week = week_of(timezone.localdate(now))
    sent = []
    for reminder in due:
        if not claim(reminder.user, week):
            continue
        email = emails.stale_reminder(reminder)
        try:
            send_mail(email.subject, email.body, None, [reminder.user.email])
        except (OSError, ValueError):  # smtplib errors; BadHeaderError is a ValueError
            logger.exception(
                "could not send the reminder to user %s; the next run tries again",
                reminder.user.pk,
            )
            PersonReminder.objects.filter(user=reminder.user, week=week).update(
                week=week - timedelta(days=7)
            )
            continue
        PersonReminder.objects.filter(user=reminder.user).update(sent_at=timezone.now())
        logger.info(
            "reminder sent to user %s: %d stale item(s)",
            reminder.user.pk,
            reminder.item_count,
        )
        sent.append(reminder)
    return sent


def claim(user: AbstractBaseUser, week: date) -> bool:
    """Claim this week's reminder for the person; True for the one caller that
    got it (a conditional update: a second worker's finds the week taken)."""
    # Another worker may make the row between get_or_create's look and insert.
    with contextlib.suppress(IntegrityError):
        PersonReminder.objects.get_or_create(user=user)
    return bool(
        PersonReminder.objects.filter(user=user)
        .filter(Q(week__isnull=True) | Q(week__lt=week))
        .update(week=week)
    )


def set_opted_out(*, user: AbstractBaseUser, opted_out: bool) -> None:
    """The person's own switch: stop (or start again) their reminder emails."""
    PersonReminder.objects.update_or_create(
        user=user, defaults={"opted_out": opted_out}
    )


def opted_out(user: AbstractBaseUser) -> bool:
    """Whether the person turned their reminders off."""
    return PersonReminder.objects.filter(user=user, opted_out=True).exists()


def set_team_reminders(
    *, team: Team, on: bool, weekday: int, actor: AbstractBaseUser | None = None
) -> None:
    """A manager's switch for the team: reminders on or off, and the weekday.
    A change is an audited event (a save that changes nothing is not)."""
    if weekday not in range(7):
        raise ValueError("weekday must be 0 (Monday) .. 6 (Sunday)")
    with transaction.atomic():
        before = Team.objects.select_for_update().get(pk=team.pk)
        if (before.reminders_on, before.reminder_weekday) == (on, weekday):
            team.reminders_on, team.reminder_weekday = on, weekday
            return
        Team.objects.filter(pk=team.pk).update(
            reminders_on=on, reminder_weekday=weekday
        )
        audit(
            action=AuditEvent.Action.TEAM_REMINDERS_SET,
            team=team,
            actor=actor,
            on=on,
            weekday=weekday,
            was_on=before.reminders_on,
            was_weekday=before.reminder_weekday,
        )
    team.reminders_on, team.reminder_weekday = on, weekday
