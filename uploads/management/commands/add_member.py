from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from uploads.models import Membership, Team
from uploads.services.teams import membership_set


class Command(BaseCommand):
    help = "Give a user a role in a team (changes the role if already a member)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("team_slug")
        parser.add_argument(
            "--role", choices=Membership.Role.values, default=Membership.Role.VIEWER
        )

    def handle(
        self, *args: Any, username: str, team_slug: str, role: str, **options: Any
    ) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                f"No user named '{username}'. Create it with: "
                f"create_user {username} --email ADDRESS"
            )
        team = Team.objects.filter(slug=team_slug).first()
        if team is None:
            raise CommandError(
                f"No team '{team_slug}'. Create it with: create_team {team_slug}"
            )
        membership, created = membership_set(
            user=user, team=team, role=role, actor=None
        )
        verb = "Added" if created else "Updated"
        self.stdout.write(f"{verb} {username} in {team_slug} as {membership.role}")
