from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from uploads.management.commands._base import PortalCommand
from uploads.models import Team, Upload
from uploads.permissions import can_upload
from uploads.services.drafts import upload_confirm, upload_create, upload_reject


class Command(PortalCommand):
    help = (
        "Validate a file (CSV, JSON or a workbook) exactly like an upload, send it "
        "to AchieveIt as USERNAME, and with --wait follow it to its verdict. Exit 0 "
        "only when it succeeded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--team", required=True, help="team slug")
        parser.add_argument("--user", required=True, help="an uploader of the team")
        parser.add_argument("--wait", action="store_true")
        parser.add_argument(
            "--sheet", help="the workbook's sheet to read (when it has several)"
        )
        parser.add_argument(
            "--timeout", type=float, default=600.0, help="seconds to wait (--wait)"
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        team: str,
        user: str,
        wait: bool,
        timeout: float,
        sheet: str | None,
        **options: Any,
    ) -> None:
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            self.usage_error(f"No team '{team}'.")
        user_obj = get_user_model().objects.filter(username=user).first()
        if user_obj is None:
            self.usage_error(f"No user '{user}'.")
        if not can_upload(user_obj, team_obj):
            self.usage_error(f"{user} is not an uploader of team {team}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            self.usage_error(f"Cannot read {file}: {error.strerror}")

        upload = upload_create(
            team=team_obj,
            user=user_obj,
            data=data,
            original_name=file.name,
            sheet=sheet or "",
        )
        for finding in upload.findings:
            self.stderr.write(f"{finding['severity']}: {finding['message']}")
        if not upload.is_sendable:
            upload_reject(upload=upload, user=user_obj)
            self.stderr.write(f"Upload {upload.number} rejected: nothing was sent.")
            sys.exit(1)
        upload_confirm(upload=upload, user=user_obj)
        kind = "metric updates" if upload.kind == Upload.Kind.METRIC else "updates"
        self.stdout.write(f"Upload {upload.number} queued ({upload.row_count} {kind})")
        if not wait:
            return

        deadline = time.monotonic() + timeout
        state = upload.state
        while time.monotonic() < deadline:
            upload.refresh_from_db()
            if upload.state != state:
                state = upload.state
                self.stdout.write(f"Upload {upload.number}: {state}")
            if upload.state in (Upload.TERMINAL_STATES | Upload.REVIEWABLE_STATES):
                break
            time.sleep(0.5)
        else:
            self.stderr.write(
                f"Upload {upload.number} is still {upload.state} after {timeout:g} s; "
                "it goes on in the background."
            )
            sys.exit(1)
        self.stdout.write(f"Upload {upload.number} {upload.state}")
        if upload.state != Upload.State.SUCCEEDED:
            if upload.error_text:
                self.stderr.write(upload.error_text)
            sys.exit(1)
