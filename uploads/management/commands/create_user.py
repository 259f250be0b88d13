from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from uploads.models import Membership, Team
from uploads.services.errors import ServiceError
from uploads.services.teams import (
    invitation_send,
    membership_set,
    set_password_link,
    user_create,
)


class Command(BaseCommand):
    help = (
        "Create a user and print a one-time link where they set their password "
        "(with --invite, email it to them instead). With --team, also give them a "
        "role in that team."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--team", help="team slug")
        parser.add_argument(
            "--role", choices=Membership.Role.values, default=Membership.Role.VIEWER
        )
        parser.add_argument(
            "--staff", action="store_true", help="an operator: sees every team"
        )
        parser.add_argument(
            "--invite",
            action="store_true",
            help="email them an invitation with the set-password link",
        )

    def handle(
        self,
        *args: Any,
        username: str,
        email: str,
        team: str | None,
        role: str,
        staff: bool,
        invite: bool = False,
        **options: Any,
    ) -> None:
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"'{email}' is not an email address.") from None
        team_obj = None
        if team:
            team_obj = Team.objects.filter(slug=team).first()
            if team_obj is None:
                raise CommandError(
                    f"No team '{team}'. Create it with: create_team {team}"
                )
        try:
            with transaction.atomic():
                user = user_create(username=username, email=email, staff=staff)
                if team_obj is not None:
                    membership_set(user=user, team=team_obj, role=role, actor=None)
        except ServiceError as error:
            raise CommandError(str(error)) from None

        where = f" as {role} of {team}" if team_obj else ""
        kind = "staff user" if staff else "user"
        self.stdout.write(f"Created {kind} {username}{where}.")
        if invite and invitation_send(user=user, team=team_obj):
            self.stdout.write(f"Emailed them an invitation to set a password: {email}")
            return
        if invite:
            self.stderr.write(
                f"Could not email the invitation to {email} (see the log); send "
                "them the link below yourself."
            )
        days = settings.PASSWORD_RESET_TIMEOUT / 86400
        self.stdout.write(
            f"Send them this link to set their password (works once, for "
            f"{days:g} days):\n{set_password_link(user)}"
        )
