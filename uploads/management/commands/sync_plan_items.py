"""`manage.py sync_plan_items --team TEAM | --all`: apply what the linked plans
show to the team's plan items, and print the counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from uploads.management.commands._base import PortalCommand
from uploads.models import Team
from uploads.services import plans


class Command(PortalCommand):
    help = (
        "Sync a team's plan items from its linked AchieveIt plans (adds and "
        "updates; missing items are flagged, never deactivated). Exit 1 when a "
        "plan cannot be read; nothing is changed for that team."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--team", help="team slug")
        which.add_argument(
            "--all", action="store_true", help="every team with a linked plan"
        )

    def handle(self, *args: Any, team: str | None, all: bool, **options: Any) -> None:
        if all:
            teams = list(Team.objects.filter(plans__isnull=False).distinct())
        else:
            found = Team.objects.filter(slug=team).first()
            if found is None:
                raise CommandError(f"No team '{team}'.")
            teams = [found]
        failed = []
        for team_obj in teams:
            try:
                result = plans.sync_apply(team=team_obj)
            except plans.PlanSyncError as error:
                failed.append(f"{team_obj.slug}: {error}")
                continue
            self.stdout.write(f"{team_obj.slug}: {result.summary()}.")
        if failed:
            # One line per team that failed; the first is the command's error.
            for line in failed[1:]:
                self.stderr.write(line)
            raise CommandError(failed[0])
