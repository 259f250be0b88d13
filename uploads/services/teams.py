"""Teams, the people in them, and each team's External ID mapping.

The management commands call these today; the staff pages will call the same.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from uploads.models import AuditEvent, Membership, PlanItem, Team
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

Action = AuditEvent.Action
TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", ""})
MAPPING_COLUMNS = "External ID, Name, Has Metric"


def team_create(
    *, slug: str, name: str = "", actor: AbstractBaseUser | None = None
) -> tuple[Team, bool]:
    """Create a team, or rename an existing one when a new name is given.

    Returns the team and whether it was created. Raises ServiceError for a slug
    that is not lowercase letters, digits and hyphens.
    """
    if slugify(slug) != slug:
        raise ServiceError(
            f"'{slug}' is not a valid team slug: use lowercase letters, digits "
            f"and hyphens, e.g. '{slugify(slug) or 'finance'}'."
        )
    with transaction.atomic():
        team, created = Team.objects.get_or_create(
            slug=slug, defaults={"name": name or slug.replace("-", " ").title()}
        )
        if not created and name and team.name != name:
            team.name = name
            team.save(update_fields=["name"])
        if created:
            audit(action=Action.TEAM_CREATED, team=team, actor=actor, slug=slug)
    return team, created


def user_create(
    *,
    username: str,
    email: str,
    staff: bool = False,
    actor: AbstractBaseUser | None = None,
) -> AbstractBaseUser:
    """Create a user with no usable password (they set one through a link).

    Raises ServiceError when the username is taken.
    """
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise ServiceError(f"There is already a user named '{username}'.")
    with transaction.atomic():
        user = user_model.objects.create_user(username, email=email, password=None)
        if staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit(
            action=Action.USER_CREATED,
            actor=actor,
            username=username,
            staff=staff,
        )
    return user


def membership_set(
    *, user: AbstractBaseUser, team: Team, role: str, actor: AbstractBaseUser | None
) -> tuple[Membership, bool]:
    """Give a user a role in a team, or change the role they have.

    Returns the membership and whether it is new; only a change is audited.
    Raises ServiceError for a role that does not exist.
    """
    if role not in Membership.Role.values:
        raise ServiceError(
            f"'{role}' is not a role: use one of {', '.join(Membership.Role.values)}."
        )
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user, team=team, defaults={"role": role}
        )
        if created or membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
            audit(
                action=Action.MEMBERSHIP_SET,
                team=team,
                actor=actor,
                username=user.get_username(),
                role=role,
            )
    return membership, created


@dataclass(frozen=True)
class MappingRow:
    external_id: str
    name: str
    has_metric: bool


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


def read_mapping(data: bytes) -> list[MappingRow]:
    """Read a mapping CSV (External ID, Name, Has Metric; a header row optional).

    Raises ServiceError listing every problem by row and column, so nothing is
    imported from a file that is partly wrong.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            "The file is not UTF-8 text: save it as CSV UTF-8."
        ) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    first_line = 1
    if rows and rows[0] and rows[0][0].strip().lower() == "external id":
        rows, first_line = rows[1:], 2
    items: list[MappingRow] = []
    problems: list[str] = []
    for line, row in enumerate(rows, start=first_line):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) != 3:
            problems.append(
                f"Row {line}: expected 3 columns ({MAPPING_COLUMNS}), "
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
        items.append(MappingRow(external_id, name, has_metric.lower() in TRUE_WORDS))
    if problems:
        raise ServiceError("Nothing imported:\n" + "\n".join(problems))
    return items


def plan_items_import(
    *, team: Team, items: list[MappingRow], actor: AbstractBaseUser | None = None
) -> ImportResult:
    """Load or update a team's External ID mapping; every item becomes active.

    Raises ServiceError, importing nothing, when an External ID belongs to another
    team (only an operator may move it).
    """
    others = set(
        PlanItem.objects.filter(external_id__in=[item.external_id for item in items])
        .exclude(team=team)
        .values_list("external_id", flat=True)
    )
    if others:
        raise ServiceError(
            "Nothing imported:\n"
            + "\n".join(
                f"External ID '{external_id}' already belongs to another team; "
                "an operator must move it."
                for external_id in sorted(others)
            )
        )
    created = updated = 0
    with transaction.atomic():
        for item in items:
            _, was_created = PlanItem.objects.update_or_create(
                external_id=item.external_id,
                defaults={
                    "team": team,
                    "name": item.name,
                    "has_metric": item.has_metric,
                    "active": True,
                },
            )
            created += was_created
            updated += not was_created
        audit(
            action=Action.PLAN_ITEMS_IMPORTED,
            team=team,
            actor=actor,
            created=created,
            updated=updated,
        )
    return ImportResult(created=created, updated=updated)
