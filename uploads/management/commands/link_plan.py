"""`manage.py link_plan TEAM PLAN_ID [--remove]`: link an AchieveIt plan to a team."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from uploads.management.commands._base import PortalCommand
from uploads.models import Team
from uploads.services import plans
from uploads.services.errors import ServiceError


class Command(PortalCommand):
    help = (
        "Link an AchieveIt plan (its ID from the plan's options menu) to a team, "
        "or with --remove unlink it. Then sync it with sync_plan_items."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("team", help="team slug")
        parser.add_argument("plan_id", help="the AchieveIt plan ID")
        parser.add_argument("--remove", action="store_true", help="unlink the plan")

    def handle(
        self, *args: Any, team: str, plan_id: str, remove: bool, **options: Any
    ) -> None:
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team '{team}'. Create it with: create_team {team}")
        if remove:
            if not plans.plan_unlink(team=team_obj, plan_id=plan_id.strip()):
                raise CommandError(f"Plan {plan_id} is not linked to {team}.")
            self.stdout.write(f"Unlinked plan {plan_id.strip()} from {team}.")
            return
        try:
            link = plans.plan_link(team=team_obj, plan_id=plan_id)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Linked plan {link.plan_id} to {team}. Sync it with: "
            f"sync_plan_items --team {team}"
        )
