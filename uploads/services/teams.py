"""Teams, the people in them, and each team's External ID mapping.

The management commands and the team pages (/teams/) call the same services.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from uploads import csvformat
from uploads.models import (
    AuditEvent,
    Membership,
    PlanItem,
    Team,
    validate_no_control_characters,
    without_control_characters,
)
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
# Rows per INSERT of an import: large enough to be few statements, small enough
# to stay well under PostgreSQL's 65,535 parameters.
IMPORT_BATCH = 5000
TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", ""})
MAPPING_COLUMNS = "External ID, Name, Has Metric"


def team_create(
    *, slug: str, name: str = "", actor: AbstractBaseUser | None = None
) -> tuple[Team, bool]:
    """Create a team, or rename an existing one when a new name is given.

    Returns the team and whether it was created. Raises ServiceError for a slug
    that is not lowercase letters, digits and hyphens, or a name holding a line
    break or another control character.
    """
    if slugify(slug) != slug:
        raise ServiceError(
            f"'{slug}' is not a valid team slug: use lowercase letters, digits "
            f"and hyphens, e.g. '{slugify(slug) or 'finance'}'."
        )
    try:
        validate_no_control_characters(name)
    except ValidationError as error:
        raise ServiceError(
            f"That team name cannot be used. {error.messages[0]}"
        ) from None
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
    Raises ServiceError for a role that does not exist, or when a manager who is
    not staff would lower their own role (another manager or an operator must).
    """
    if role not in Membership.Role.values:
        raise ServiceError(
            f"'{role}' is not a role: use one of {', '.join(Membership.Role.values)}."
        )
    if _is_own(user, actor) and role != Membership.Role.MANAGER:
        raise ServiceError(
            "You cannot lower your own role: ask another manager or an operator."
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


def membership_remove(
    *, membership: Membership, actor: AbstractBaseUser | None
) -> None:
    """Take a person out of a team (their account stays); audited.

    Raises ServiceError when a manager who is not staff removes themselves: they
    would lock themselves out, so another manager or an operator must do it.
    """
    if _is_own(membership.user, actor):
        raise ServiceError(
            "You cannot remove yourself from the team: ask another manager or an "
            "operator."
        )
    with transaction.atomic():
        membership.delete()
        audit(
            action=Action.MEMBERSHIP_REMOVED,
            team=membership.team,
            actor=actor,
            username=membership.user.get_username(),
            role=membership.role,
        )


def _is_own(user: AbstractBaseUser, actor: AbstractBaseUser | None) -> bool:
    return actor is not None and actor.pk == user.pk and not actor.is_staff


def with_article(role: str) -> str:
    """A role's name as said of a person: 'a viewer', 'an uploader'."""
    return f"{'an' if role[:1] in 'aeiou' else 'a'} {role}"


# --- invitations ----------------------------------------------------------------


@dataclass(frozen=True)
class MemberAdded:
    membership: Membership
    created_user: bool  # an unknown email address made a new user
    invited: bool  # an invitation email went out


def set_password_link(user: AbstractBaseUser) -> str:
    """A link, valid once for PASSWORD_RESET_TIMEOUT, where the user sets a password
    (Django's password-reset token, so it dies when the password changes)."""
    return settings.PORTAL_BASE_URL + reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )


def invitation_send(
    *,
    user: AbstractBaseUser,
    team: Team | None = None,
    actor: AbstractBaseUser | None = None,
) -> bool:
    """Email the user a link to set their password and log in; audited.

    Returns False (and logs why) when the mail server refused it; raises nothing.
    """
    membership = (
        Membership.objects.filter(user=user, team=team).first() if team else None
    )
    role = membership.get_role_display().lower() if membership else ""
    context = {
        "user": user,
        "team": team,
        "role": with_article(role) if role else "",
        "inviter": actor.get_username() if actor else "",
        "link": set_password_link(user),
        "login_link": settings.PORTAL_BASE_URL + reverse("login"),
        "days": f"{settings.PASSWORD_RESET_TIMEOUT / 86400:g}",
    }
    subject = without_control_characters(
        render_to_string("emails/invitation-subject.txt", context)
    )
    body = render_to_string("emails/invitation-body.txt", context)
    try:
        send_mail(subject, body, None, [user.email])
    except OSError as error:  # smtplib errors are OSErrors
        logger.warning("could not send the invitation to %s: %s", user, error)
        return False
    audit(
        action=Action.USER_INVITED,
        team=team,
        actor=actor,
        username=user.get_username(),
    )
    return True


def member_add(
    *, team: Team, who: str, role: str, actor: AbstractBaseUser | None
) -> MemberAdded:
    """Give a person a role in the team, found by username or email address.

    An email address nobody has yet creates the user (no usable password, their
    username the part before the @) and emails them an invitation; so does adding
    anyone who has never set a password (a lost invitation is sent again).
    Raises ServiceError for an unknown username, an invalid address, an address
    two users share, or a role that does not exist (then no user is created).
    """
    who = who.strip()
    user_model = get_user_model()
    user = user_model.objects.filter(username=who).first()
    if user is None and "@" not in who:
        raise ServiceError(
            f"No user named '{who}'. To invite someone new, enter their email "
            "address instead."
        )
    if user is None:
        try:
            validate_email(who)
        except ValidationError:
            raise ServiceError(
                f"'{who}' is not an email address: check it, e.g. 'dana@example.com'."
            ) from None
        matches = list(user_model.objects.filter(email__iexact=who)[:2])
        if len(matches) > 1:
            raise ServiceError(
                f"More than one user has the address {who}: add the one you mean "
                "by their username."
            )
        user = matches[0] if matches else None
    created_user = user is None
    with transaction.atomic():
        if user is None:
            user = user_create(username=_free_username(who), email=who, actor=actor)
        membership, _ = membership_set(user=user, team=team, role=role, actor=actor)
    invited = False
    if not user.has_usable_password() and user.email:
        invited = invitation_send(user=user, team=team, actor=actor)
    return MemberAdded(membership, created_user=created_user, invited=invited)


def _free_username(email: str) -> str:
    """The part of the address before the @, made unique with a number."""
    base = re.sub(r"[^\w.+-]", "", email.split("@", 1)[0])[:140] or "user"
    taken = set(
        get_user_model()
        .objects.filter(username__startswith=base)
        .values_list("username", flat=True)
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


# --- the External ID mapping ----------------------------------------------------


@dataclass(frozen=True)
class MappingRow:
    external_id: str
    name: str
    has_metric: bool
    # The row of the file it came from (0 when it came from elsewhere).
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MappingProblem:
    """One reason a mapping cannot be imported, where it is and what to do."""

    line: int  # 0 when the items did not come from a file
    column: str  # "" when it is about the whole row
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = f"Row {self.line}, {self.column}" if self.column else f"Row {self.line}"
        return f"{where}: {self.message}"


class MappingError(ServiceError):
    """A mapping that cannot be imported; `problems` names each row and column."""

    def __init__(self, problems: list[MappingProblem]) -> None:
        self.problems = problems
        super().__init__("Nothing imported:\n" + "\n".join(map(str, problems)))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class MappingChange:
    """An item of the team the import would change."""

    row: MappingRow
    old_name: str
    old_has_metric: bool
    was_active: bool

    @property
    def renamed(self) -> bool:
        return self.row.name != self.old_name

    @property
    def metric_changed(self) -> bool:
        return self.row.has_metric != self.old_has_metric

    @property
    def reactivated(self) -> bool:
        return not self.was_active


@dataclass(frozen=True)
class ImportPreview:
    """What importing a mapping would do, computed without writing anything."""

    new: list[MappingRow]
    changed: list[MappingChange]
    unchanged: int
    problems: list[MappingProblem]

    @property
    def edited(self) -> list[MappingChange]:
        """Items whose name or has-metric would change."""
        return [c for c in self.changed if c.renamed or c.metric_changed]

    @property
    def reactivated(self) -> list[MappingChange]:
        return [change for change in self.changed if change.reactivated]

    @property
    def change_count(self) -> int:
        """Items the import would write (new and changed)."""
        return len(self.new) + len(self.changed)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed)


def read_mapping(data: bytes) -> list[MappingRow]:
    """Read a mapping CSV (External ID, Name, Has Metric; a header row optional).

    Raises MappingError (a ServiceError) listing every problem by row and column,
    so nothing is imported from a file that is partly wrong.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            "The file is not UTF-8 text: save it as CSV UTF-8."
        ) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ServiceError(
            f"The file is not a readable CSV ({error}): save it as CSV UTF-8."
        ) from None
    first_line = 1
    if rows and rows[0] and rows[0][0].strip().lower() == "external id":
        rows, first_line = rows[1:], 2
    items: list[MappingRow] = []
    problems: list[MappingProblem] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=first_line):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) != 3:
            problems.append(
                MappingProblem(
                    line,
                    "",
                    f"expected 3 columns ({MAPPING_COLUMNS}), found {len(cells)}.",
                )
            )
            continue
        external_id, name, has_metric = cells
        if has_metric.lower() not in TRUE_WORDS | FALSE_WORDS:
            problems.append(
                MappingProblem(
                    line,
                    "Has Metric",
                    f"'{has_metric}' is not yes/no, true/false or 1/0.",
                )
            )
            continue
        if not external_id:
            problems.append(
                MappingProblem(
                    line,
                    "External ID",
                    "it is empty. Write the plan item's External ID as AchieveIt"
                    " has it, or delete the row.",
                )
            )
            continue
        id_problem = _id_problem(external_id, line)
        if id_problem is not None:
            problems.append(id_problem)
            continue
        if external_id in seen:
            problems.append(
                MappingProblem(
                    line,
                    "External ID",
                    f"'{external_id}' is already on row {seen[external_id]}; keep "
                    "one of the two.",
                )
            )
            continue
        seen[external_id] = line
        items.append(
            MappingRow(external_id, name, has_metric.lower() in TRUE_WORDS, line)
        )
    if problems:
        raise MappingError(problems)
    return items


def _id_problem(external_id: str, line: int) -> MappingProblem | None:
    """The upload's rules for an External ID (``csvformat.id_problem``): an ID the
    mapping takes must be one an upload, the team's template and AchieveIt can
    carry as it is."""
    problem = csvformat.id_problem(external_id.strip())
    if problem is not None:
        return MappingProblem(line, "External ID", problem.detail)
    if external_id != external_id.strip():
        return MappingProblem(
            line, "External ID", f"{external_id!r} has spaces around it: remove them."
        )
    return None


def plan_items_import_preview(*, team: Team, items: list[MappingRow]) -> ImportPreview:
    """What `plan_items_import` would do with these items; writes nothing.

    Another team's External IDs, and IDs an upload could not carry (see
    `read_mapping`), are listed in `problems` (the import refuses them).
    """
    # Items read from a file were checked by read_mapping; others (seed_demo's)
    # are checked here, so no way in stores an ID that breaks the rules.
    id_problems = [
        problem
        for item in items
        if (problem := _id_problem(item.external_id, item.line)) is not None
    ]
    if id_problems:
        return ImportPreview([], [], 0, id_problems)
    ids = [item.external_id for item in items]
    if len(set(ids)) != len(ids):
        duplicates = sorted(id_ for id_, count in Counter(ids).items() if count > 1)
        return ImportPreview(
            [],
            [],
            0,
            [
                MappingProblem(0, "", f"External ID '{id_}' is listed twice.")
                for id_ in duplicates
            ],
        )
    existing = _existing_items(ids)
    new: list[MappingRow] = []
    changed: list[MappingChange] = []
    unchanged = 0
    problems: list[MappingProblem] = []
    for item in items:
        found = existing.get(item.external_id)
        if found is None:
            new.append(item)
            continue
        team_id, name, has_metric, active = found
        if team_id != team.pk:
            problems.append(
                MappingProblem(
                    item.line,
                    "External ID",
                    f"{'' if item.line else 'External ID '}'{item.external_id}' "
                    "already belongs to another team; an operator must move it.",
                )
            )
        elif (name, has_metric, active) == (item.name, item.has_metric, True):
            unchanged += 1
        else:
            changed.append(MappingChange(item, name, has_metric, active))
    if not any(item.line for item in items):
        problems.sort(key=lambda problem: problem.message)
    return ImportPreview(new, changed, unchanged, problems)


def _existing_items(ids: list[str]) -> dict[str, tuple[int, str, bool, bool]]:
    """The stored items among these External IDs: one query (SQLite caps a
    statement's parameters, so there it is one per batch)."""
    columns = ("external_id", "team_id", "name", "has_metric", "active")
    if connection.vendor == "postgresql":
        # One array parameter rather than 100,000 literals in an IN list.
        with connection.cursor() as cursor:
            cursor.execute(_PG_EXISTING, [ids])
            return {external_id: tuple(rest) for external_id, *rest in cursor}
    batch = connection.features.max_query_params or len(ids) or 1
    found: dict[str, tuple[int, str, bool, bool]] = {}
    for start in range(0, len(ids), batch):
        rows = PlanItem.objects.filter(
            external_id__in=ids[start : start + batch]
        ).values_list(*columns)
        for external_id, *rest in rows:
            found[external_id] = tuple(rest)  # type: ignore[assignment]
    return found


def plan_items_import(
    *, team: Team, items: list[MappingRow], actor: AbstractBaseUser | None = None
) -> ImportResult:
    """Load or update a team's External ID mapping; every item becomes active.

    Bulk statements in one transaction (100,000 items take seconds): one read of
    the stored items, one INSERT of the new ones and one UPDATE of the changed
    ones (in batches off PostgreSQL); unchanged items are not written. Audited
    with the counts.
    Raises MappingError (a ServiceError), importing nothing, when an External ID
    belongs to another team (only an operator may move it), or ServiceError when
    someone else changed the mapping at the same moment.
    """
    preview = plan_items_import_preview(team=team, items=items)
    if preview.problems:
        raise MappingError(preview.problems)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _write_postgresql(team, preview)
            else:
                _write_orm(team, preview)
            result = ImportResult(
                created=len(preview.new),
                updated=len(preview.changed),
                unchanged=preview.unchanged,
            )
            audit(
                action=Action.PLAN_ITEMS_IMPORTED,
                team=team,
                actor=actor,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            )
    except IntegrityError:
        raise ServiceError(
            "Nothing imported: someone changed the plan items at the same moment. "
            "Import the file again."
        ) from None
    return result


# PostgreSQL statements of an import: each takes whole columns as arrays.
_PG_EXISTING = (
    "SELECT external_id, team_id, name, has_metric, active FROM uploads_planitem "
    "WHERE external_id = ANY(%s::varchar[])"
)
_PG_INSERT = (
    "INSERT INTO uploads_planitem "
    "(team_id, external_id, name, has_metric, active, updated_at) "
    "SELECT %s, row.id, row.name, row.m, true, %s "
    "FROM unnest(%s::varchar[], %s::varchar[], %s::boolean[]) AS row (id, name, m)"
)
_PG_UPDATE = (
    "UPDATE uploads_planitem AS item "
    "SET name = row.name, has_metric = row.m, active = true, updated_at = %s "
    "FROM unnest(%s::varchar[], %s::varchar[], %s::boolean[]) AS row (id, name, m) "
    "WHERE item.external_id = row.id AND item.team_id = %s"
)


def _write_postgresql(team: Team, preview: ImportPreview) -> None:
    """The new and changed items as three arrays per statement (unnest): two
    statements for 100,000 items, and no model instance built for any of them."""
    now = timezone.now()
    with connection.cursor() as cursor:
        if preview.new:
            cursor.execute(_PG_INSERT, [team.pk, now, *_columns(preview.new)])
        if preview.changed:
            # The team condition keeps another team's item untouched even if it
            # was moved between the check and this statement.
            cursor.execute(
                _PG_UPDATE,
                [now, *_columns([c.row for c in preview.changed]), team.pk],
            )


def _columns(rows: list[MappingRow]) -> list[list[str] | list[bool]]:
    return [
        [row.external_id for row in rows],
        [row.name for row in rows],
        [row.has_metric for row in rows],
    ]


def _write_orm(team: Team, preview: ImportPreview) -> None:
    """The same writes through the ORM, in batches (SQLite caps parameters)."""
    PlanItem.objects.bulk_create(
        _plan_items(team, preview.new), batch_size=IMPORT_BATCH
    )
    if preview.changed:
        # INSERT ... ON CONFLICT (external_id) DO UPDATE: one statement per
        # batch, where bulk_update would build a CASE per row.
        PlanItem.objects.bulk_create(
            _plan_items(team, [change.row for change in preview.changed]),
            batch_size=IMPORT_BATCH,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=["name", "has_metric", "active", "updated_at"],
        )


def _plan_items(team: Team, rows: list[MappingRow]) -> Iterator[PlanItem]:
    return (
        PlanItem(
            team=team,
            external_id=row.external_id,
            name=row.name,
            has_metric=row.has_metric,
        )
        for row in rows
    )


def plan_item_set_active(
    *, plan_item: PlanItem, active: bool, actor: AbstractBaseUser | None
) -> bool:
    """Deactivate a plan item (its updates are then refused) or reactivate it.

    Returns whether anything changed; only a change is audited. Raises nothing.
    """
    with transaction.atomic():
        changed = bool(
            PlanItem.objects.filter(pk=plan_item.pk)
            .exclude(active=active)
            .update(active=active, updated_at=timezone.now())
        )
        if changed:
            plan_item.active = active
            audit(
                action=(
                    Action.PLAN_ITEM_REACTIVATED
                    if active
                    else Action.PLAN_ITEM_DEACTIVATED
                ),
                team=plan_item.team,
                actor=actor,
                external_id=plan_item.external_id,
            )
    return changed


# --- a mapping kept between its preview and "Apply" -----------------------------


def mapping_store(*, team: Team, data: bytes) -> str:
    """Keep an uploaded mapping in private storage until it is applied.

    Returns the random token that names it (the preview's address holds it).
    """
    token = secrets.token_hex(16)
    path = _mapping_path(team, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return token


def mapping_load(*, team: Team, token: str) -> bytes:
    """The mapping kept under this token for this team.

    Raises ServiceError when there is none (applied already, or never made).
    """
    try:
        return _mapping_path(team, token).read_bytes()
    except (OSError, ValueError):
        raise ServiceError(
            "This import is no longer here (it may have been applied already): "
            "choose the file again."
        ) from None


def mapping_discard(*, team: Team, token: str) -> None:
    """Forget a kept mapping (after it was applied); raises nothing."""
    with contextlib.suppress(ValueError):
        _mapping_path(team, token).unlink(missing_ok=True)


def _mapping_path(team: Team, token: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        raise ValueError("not a mapping token")
    return Path(settings.PRIVATE_STORAGE_DIR) / "mappings" / team.slug / f"{token}.csv"
