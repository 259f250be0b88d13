from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from uploads.models import Team
from uploads.services.errors import ServiceError
from uploads.services.tokens import token_create


class Command(BaseCommand):
    help = (
        "Create a named API token for a team and print it once (only its hash is "
        "kept). Scripts send it as 'Authorization: API-KEY <token>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("team_slug")
        parser.add_argument("--name", required=True, help="what uses the token")

    def handle(self, *args: Any, team_slug: str, name: str, **options: Any) -> None:
        team = Team.objects.filter(slug=team_slug).first()
        if team is None:
            raise CommandError(
                f"No team '{team_slug}'. Create it with: create_team {team_slug}"
            )
        try:
            token, plaintext = token_create(team=team, name=name, actor=None)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            f"Created the API token '{token.name}' for {team.slug}. It is shown "
            "only now: keep it where the script keeps secrets."
        )
        self.stdout.write(plaintext)
