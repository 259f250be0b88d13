from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from uploads.models import Membership, PlanItem
from uploads.services.mapping import MappingRow, plan_items_import
from uploads.services.teams import membership_set, team_create

# (external id, name, has metric): the mapping of shared/samples/plan_items.csv.
DEMO_ITEMS = [
    ("SALES-Q4-01", "Q4 pipeline coverage", True),
    ("SALES-Q4-02", "Q4 bookings", True),
    ("HR-RETENTION", "Staff retention", True),
    ("IT-MIGRATION", "Data centre migration", False),
]
OTHER_TEAM_ITEMS = [("FIN-CLOSE-DAYS", "Days to close the books", True)]
# username: (password, staff, role in the demo team or None)
DEMO_USERS = {
    "alice": ("alice-demo-1", False, Membership.Role.UPLOADER),
    "bob": ("bob-demo-1", False, Membership.Role.VIEWER),
    "operator": ("operator-demo-1", True, None),
}


class Command(BaseCommand):
    help = (
        "Create the demo teams, plan items and users (an operator with a published "
        "password among them). Safe to run again. Runs only with DEBUG=true."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="seed even with DEBUG off (a test instance nobody relies on)",
        )

    def handle(self, *args: Any, not_production: bool = False, **options: Any) -> None:
        if not (settings.DEBUG or not_production):
            raise CommandError(
                "seed_demo creates users whose passwords are published in the README, "
                "a superuser among them, so it runs only with DEBUG=true (the local "
                "run). On a test instance nobody relies on, add "
                "--i-know-this-is-not-production."
            )
        with transaction.atomic():
            demo, _ = team_create(slug="demo", name="Demo Strategy Team")
            finance, _ = team_create(slug="finance", name="Finance")
            known = set(PlanItem.objects.values_list("external_id", flat=True))
            for team, items in ((demo, DEMO_ITEMS), (finance, OTHER_TEAM_ITEMS)):
                missing = [MappingRow(*item) for item in items if item[0] not in known]
                if missing:
                    plan_items_import(team=team, items=missing)
            user_model = get_user_model()
            for username, (password, staff, role) in DEMO_USERS.items():
                user, created = user_model.objects.get_or_create(
                    username=username,
                    defaults={"email": f"{username}@example.com"},
                )
                if created:
                    user.set_password(password)
                user.is_staff = staff
                user.is_superuser = staff
                user.save()
                if role:
                    membership_set(user=user, team=demo, role=role, actor=None)
        self.stdout.write("Demo data ready. Log in at http://127.0.0.1:8000/ as:")
        for username, (password, staff, role) in DEMO_USERS.items():
            what = "staff operator" if staff else f"{role} of the demo team"
            self.stdout.write(f"  {username:<9} password {password:<16} ({what})")
