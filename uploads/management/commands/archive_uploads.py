from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from uploads.models import Upload
from uploads.services.archive import archivable, uploads_archive
from uploads.services.errors import ServiceError


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31."
        ) from None


class Command(BaseCommand):
    help = (
        "Archive finished uploads (succeeded, rejected, resolved, canceled): write "
        "each one with its rows, calls and events to a JSON-lines file, move its "
        "original file beside it, then remove it from the portal. One event per "
        "upload stays in the history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--before",
            metavar="YYYY-MM-DD",
            help="the finished uploads created before this day",
        )
        which.add_argument(
            "--upload", type=int, nargs="+", metavar="N", help="these upload numbers"
        )
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            help="folder of the archives (default: PRIVATE_STORAGE_DIR/archive)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be archived"
        )

    def handle(
        self,
        *args: Any,
        before: str | None,
        upload: list[int] | None,
        to: Path | None,
        dry_run: bool,
        **options: Any,
    ) -> None:
        if upload:
            uploads = Upload.objects.filter(pk__in=upload)
            missing = set(upload) - set(uploads.values_list("pk", flat=True))
            if missing:
                numbers = ", ".join(f"#{number}" for number in sorted(missing))
                raise CommandError(f"No upload {numbers}.")
        else:
            day = _day(before or "")
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            uploads = Upload.objects.filter(created_at__lt=start)
        if dry_run:
            result = archivable(uploads)
        else:
            try:
                result = uploads_archive(uploads=uploads, folder=to)
            except ServiceError as error:
                raise CommandError(str(error)) from None
        for number, reason in sorted(result.skipped.items()):
            self.stderr.write(f"Kept upload #{number}: {reason}.")
        numbers = ", ".join(f"#{number}" for number in result.archived) or "none"
        if dry_run:
            self.stdout.write(f"Would archive {len(result.archived)}: {numbers}")
        elif result.archived:
            self.stdout.write(
                f"Archived {len(result.archived)} upload"
                f"{'' if len(result.archived) == 1 else 's'} ({numbers}) "
                f"to {result.folder}"
            )
        else:
            self.stdout.write("Nothing to archive.")
        if upload and result.skipped:
            raise CommandError("Some of the uploads asked for were not archived.")
