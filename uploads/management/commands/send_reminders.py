"""`manage.py send_reminders [--dry-run]`: email today's weekly reminders of
stale plan items (one a person a week), or with --dry-run print who would get
what and send nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from uploads.management.commands._base import PortalCommand
from uploads.services import reminders


class Command(PortalCommand):
    help = (
        "Email today's reminders of stale plan items to the people who may upload "
        "for teams whose reminder day is today (at most one a person a week)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print who would get which items; send nothing",
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        done = reminders.send_reminders(dry_run=dry_run)
        for reminder in done:
            self.stdout.write(
                ("would send " if dry_run else "sent ") + reminder.describe()
            )
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(
            f"{len(done)} reminder{'' if len(done) == 1 else 's'} {verb}."
        )
