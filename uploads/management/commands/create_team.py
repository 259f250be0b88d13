from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from uploads.services.errors import ServiceError
from uploads.services.teams import team_create


class Command(BaseCommand):
    help = "Create a team (or rename an existing one). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, slug: str, name: str, **options: Any) -> None:
        try:
            team, created = team_create(slug=slug, name=name)
        except ServiceError as error:
            raise CommandError(str(error)) from None
        verb = "Created" if created else "Already had"
        self.stdout.write(f"{verb} team {team.slug} ({team.name})")
