"""A team's plan-item mapping: which External IDs are the team's, their names and
whether they have a metric. Imported from a file (csvformat.mapping reads it)
through a preview, item by item activated and deactivated.

The management command import_plan_items and the team pages call the same services.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from uploads.csvformat import mapping
from uploads.csvformat.mapping import (
    MappingProblem,
    MappingRow,
    id_problem_at,
    id_unavailable,
)
from uploads.models import AuditEvent, PlanItem, Team
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

__all__ = [
    "ImportPreview",
    "ImportResult",
    "MappingChange",
    "MappingError",
    "MappingProblem",
    "MappingRow",
    "mapping_discard",
    "mapping_load",
    "mapping_store",
    "plan_item_set_active",
    "plan_items_import",
    "plan_items_import_check",
    "plan_items_import_preview",
    "read_mapping",
]

Action = AuditEvent.Action
# Rows per INSERT of an import: large enough to be few statements, small enough
# to stay well under PostgreSQL's 65,535 parameters.
IMPORT_BATCH = 5000


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
    """Read a mapping CSV (External ID, Name, Has Metric; a header row optional)
    with ``csvformat.mapping.read_mapping``.

    Raises MappingError (a ServiceError) listing every problem by row and column,
    so nothing is imported from a file that is partly wrong, and ServiceError for
    bytes that are no UTF-8 CSV text.
    """
    try:
        return mapping.read_mapping(data)
    except mapping.MappingUnreadable as error:
        raise ServiceError(str(error)) from None
    except mapping.MappingInvalid as error:
        raise MappingError(error.problems) from None


def plan_items_import_preview(*, team: Team, items: list[MappingRow]) -> ImportPreview:
    """What `plan_items_import` would do with these items; writes nothing.

    External IDs another team has (said as `id_unavailable` says it, never by
    whom), and IDs an upload could not carry (see `read_mapping`), are listed in
    `problems` (the import refuses them).
    """
    # Items read from a file were checked by read_mapping; others (seed_demo's)
    # are checked here, so no way in stores an ID that breaks the rules.
    id_problems = [
        problem
        for item in items
        if (problem := id_problem_at(item.external_id, item.line)) is not None
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
            problems.append(id_unavailable(item.external_id, item.line))
        elif (name, has_metric, active) == (item.name, item.has_metric, True):
            unchanged += 1
        else:
            changed.append(MappingChange(item, name, has_metric, active))
    if not any(item.line for item in items):
        problems.sort(key=lambda problem: problem.message)
    return ImportPreview(new, changed, unchanged, problems)


def plan_items_import_check(
    *, team: Team, items: list[MappingRow], actor: AbstractBaseUser | None
) -> ImportPreview:
    """`plan_items_import_preview` as a person asks for it: audited
    (PLAN_ITEMS_CHECKED, with counts and never the IDs), since a preview tells
    which IDs the organization already has and must leave a trace. Raises
    nothing."""
    preview = plan_items_import_preview(team=team, items=items)
    _audit_check(team, items, preview, actor)
    return preview


def _audit_check(
    team: Team,
    items: list[MappingRow],
    preview: ImportPreview,
    actor: AbstractBaseUser | None,
) -> None:
    audit(
        action=Action.PLAN_ITEMS_CHECKED,
        team=team,
        actor=actor,
        rows=len(items),
        created=len(preview.new),
        updated=len(preview.changed),
        unchanged=preview.unchanged,
        refused=len(preview.problems),
    )


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
        # A refused import tells what a preview does: audited the same.
        _audit_check(team, items, preview, actor)
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
