from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from uploads import csvformat
from uploads.management.commands._base import PortalCommand
from uploads.models import Team
from uploads.services import column_mappings
from uploads.services.drafts import content_type_for


class Command(PortalCommand):
    help = (
        "Check a progress- or metric-update file (CSV, a workbook: .xlsx, .xlsm, "
        ".xls or .ods, or AchieveIt's JSON array in a .json file) exactly as an "
        "upload is checked. Exit 0 when it could be sent (warnings allowed), 1 when "
        "it has errors, 2 on a usage error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--team", help="also check the team's External IDs")
        parser.add_argument(
            "--format",
            choices=["text", "json", "csv"],
            default="text",
            help="csv prints exactly the normalized file that would be sent",
        )
        parser.add_argument("--max-rows", type=int, default=None)
        parser.add_argument(
            "--sheet", help="the workbook's sheet to read (when it has several)"
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        team: str | None,
        format: str,
        max_rows: int | None,
        sheet: str | None,
        **options: Any,
    ) -> None:
        team_obj = None
        if team:
            team_obj = Team.objects.filter(slug=team).first()
            if team_obj is None:
                self.usage_error(f"No team '{team}'.")
        if max_rows is not None and max_rows < 1:
            self.usage_error("--max-rows must be at least 1.")
        try:
            data = file.read_bytes()
        except OSError as error:
            self.usage_error(f"Cannot read {file}: {error.strerror}")

        options: dict[str, Any] = {
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "max_rows": max_rows or settings.UPLOAD_MAX_ROWS,
            "content_type": content_type_for(file.name),
            "sheet": sheet or None,
        }
        if team_obj is None:
            result = csvformat.parse(data, **options)
        else:
            # The team's plan items, and its saved column mapping for the header.
            result = column_mappings.check_for_team(team_obj, data, **options)
        if format == "json":
            self.stdout.write(json.dumps(_as_json(result), indent=2))
        elif format == "csv":
            if result.is_valid:
                sys.stdout.buffer.write(
                    csvformat.render_csv(result.updates, kind=result.kind)
                )
                sys.stdout.flush()
            for finding in result.findings:
                self.stderr.write(f"{finding.severity}: {finding.message}")
        else:
            self.stdout.write(_as_text(file, result))
        if not result.is_valid:
            sys.exit(1)


def _as_json(result: csvformat.Result) -> dict[str, Any]:
    return {
        "valid": result.is_valid,
        "kind": result.kind,
        "format": result.source_format,
        "encoding": result.encoding,
        "updates": [
            {
                "line": update.line,
                "external_id": update.external_id,
                "status": update.status,
                "current_value": csvformat.format_value(update.value),
                "as_of_date": update.as_of_date.isoformat(),
                "comment": update.comment,
            }
            for update in result.updates
        ],
        "findings": [asdict(finding) for finding in result.findings],
    }


def _as_text(file: Path, result: csvformat.Result) -> str:
    errors = len(result.errors)
    kind = "metric update(s)" if result.kind == csvformat.METRIC else "update(s)"
    lines = [
        f"{file}: {len(result.updates)} {kind} ready, {errors} error(s), "
        f"{len(result.findings) - errors} note(s)."
    ]
    lines += [
        f"  {finding.severity.upper():<7} {finding.message}"
        for finding in result.findings
    ]
    lines.append(
        "It can be sent." if result.is_valid else "Fix the errors, then check again."
    )
    return "\n".join(lines)
