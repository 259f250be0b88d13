from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from uploads.models import Team
from uploads.services import audit


class Command(BaseCommand):
    help = "Create a team (or rename an existing one). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, slug: str, name: str, **options: Any) -> None:
        if slugify(slug) != slug:
            raise CommandError(
                f"'{slug}' is not a valid team slug: use lowercase letters, digits "
                f"and hyphens, e.g. '{slugify(slug) or 'finance'}'."
            )
        team, created = Team.objects.get_or_create(
            slug=slug, defaults={"name": name or slug.replace("-", " ").title()}
        )
        if not created and name and team.name != name:
            team.name = name
            team.save(update_fields=["name"])
        if created:
            audit(action="team.created", team=team, slug=slug)
        verb = "Created" if created else "Already had"
        self.stdout.write(f"{verb} team {team.slug} ({team.name})")
