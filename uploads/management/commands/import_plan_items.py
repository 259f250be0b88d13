from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from uploads.models import Team
from uploads.services.errors import ServiceError
from uploads.services.mapping import plan_items_import, read_mapping


class Command(BaseCommand):
    help = (
        "Load or update a team's External ID mapping from a CSV with the columns "
        "External ID, Name, Has Metric (yes/no, true/false or 1/0)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--team", required=True, help="team slug")

    def handle(self, *args: Any, file: Path, team: str, **options: Any) -> None:
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team '{team}'. Create it with: create_team {team}")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            items = read_mapping(data)
            result = plan_items_import(team=team_obj, items=items)
        except ServiceError as error:
            raise CommandError(f"{file}: {error}") from None
        self.stdout.write(
            f"Imported {result.total} plan items for {team}: "
            f"{result.created} new, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
