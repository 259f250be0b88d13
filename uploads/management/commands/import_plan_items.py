from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from uploads.models import PlanItem, Team
from uploads.services import audit

TRUE_WORDS = {"yes", "true", "1", "y"}
FALSE_WORDS = {"no", "false", "0", "n", ""}


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
            text = file.read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{file} is not UTF-8 text: save it as CSV UTF-8."
            ) from None
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if rows and rows[0] and rows[0][0].strip().lower() == "external id":
            rows = rows[1:]
            first_line = 2
        else:
            first_line = 1
        items: list[tuple[str, str, bool]] = []
        problems: list[str] = []
        for line, row in enumerate(rows, start=first_line):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if len(cells) != 3:
                problems.append(
                    f"Row {line}: expected 3 columns (External ID, Name, Has Metric), "
                    f"found {len(cells)}."
                )
                continue
            external_id, name, has_metric = cells
            if has_metric.lower() not in TRUE_WORDS | FALSE_WORDS:
                problems.append(
                    f"Row {line}, Has Metric: '{has_metric}' is not yes/no, "
                    "true/false or 1/0."
                )
                continue
            if not external_id:
                problems.append(f"Row {line}, External ID: it is empty.")
                continue
            items.append((external_id, name, has_metric.lower() in TRUE_WORDS))
        others = set(
            PlanItem.objects.filter(external_id__in=[item[0] for item in items])
            .exclude(team=team_obj)
            .values_list("external_id", flat=True)
        )
        for external_id in sorted(others):
            problems.append(
                f"External ID '{external_id}' already belongs to another team; "
                "an operator must move it."
            )
        if problems:
            raise CommandError("Nothing imported:\n" + "\n".join(problems))
        created = updated = 0
        with transaction.atomic():
            for external_id, name, has_metric in items:
                _, was_created = PlanItem.objects.update_or_create(
                    external_id=external_id,
                    defaults={
                        "team": team_obj,
                        "name": name,
                        "has_metric": has_metric,
                        "active": True,
                    },
                )
                created += was_created
                updated += not was_created
            audit(
                action="plan_items.imported",
                team=team_obj,
                created=created,
                updated=updated,
            )
        self.stdout.write(
            f"Imported {len(items)} plan items for {team}: "
            f"{created} new, {updated} updated."
        )
