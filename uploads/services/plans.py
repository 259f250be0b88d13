"""AchieveIt plans linked to a team, and its plan items synced from them.

A manager (or staff) links plan IDs to a team; "Sync from AchieveIt" reads every
linked plan (AchieveItClient.plan_items), shows what would change (new, renamed,
changed, missing in AchieveIt, items AchieveIt has without an External ID) and
applies it. Beat syncs every linked team (PLAN_SYNC_EVERY): it adds and updates
and never deactivates an item; one missing from every plan is flagged for a
person. A read that fails (403, 5xx, an answer of the wrong shape) changes no
plan item and is one sentence (PlanSyncError).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from uploads import achieveit, achieveit_plans
from uploads.achieveit_plans import PlanItemRead, PlanRead
from uploads.csvformat.mapping import id_problem_at
from uploads.models import AuditEvent, PlanItem, Team, TeamPlan
from uploads.models import validate_no_control_characters as _no_control
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
WRITE_BATCH = 5000
PLAN_ID_MAX = 200
# The fields a sync writes from what AchieveIt shows (PlanItem's achieveit_*).
SYNCED_FIELDS = (
    "achieveit_plan_id",
    "achieveit_name",
    "achieveit_status",
    "achieveit_value",
    "achieveit_last_updated",
    "assignee_name",
    "assignee_email",
    "target",
)


class PlanSyncError(ServiceError):
    """A linked plan could not be read: nothing was changed. The message is one
    sentence naming the plan and what to do."""


@dataclass(frozen=True)
class PlanChange:
    """An item of the team whose name or AchieveIt values the sync would change."""

    external_id: str
    old_name: str
    new_name: str
    changed_fields: tuple[str, ...]
    read: PlanItemRead
    pk: int = 0

    @property
    def renamed(self) -> bool:
        return self.old_name != self.new_name


@dataclass
class SyncPreview:
    """What syncing the team would do, computed from one read of its plans."""

    plans: list[PlanRead]
    new: list[tuple[str, PlanItemRead]] = field(default_factory=list)
    changed: list[PlanChange] = field(default_factory=list)
    unchanged_ids: list[str] = field(default_factory=list)
    # External IDs of the team's items that no linked plan shows.
    missing: list[str] = field(default_factory=list)
    # Flagged as missing before, shown again now.
    found_again: list[str] = field(default_factory=list)
    # AchieveIt items without an External ID: "give it one in AchieveIt".
    without_id: list[PlanItemRead] = field(default_factory=list)
    # External IDs another team has (only an operator may move them); shown in
    # the words of csvformat.mapping.id_unavailable, never saying whose they are.
    other_team: list[str] = field(default_factory=list)
    # External IDs no upload could carry, with the reason.
    unusable: list[tuple[str, str]] = field(default_factory=list)
    plan_of: dict[str, str] = field(default_factory=dict)

    @property
    def renamed(self) -> list[PlanChange]:
        return [change for change in self.changed if change.renamed]

    @property
    def values_changed(self) -> list[PlanChange]:
        return [change for change in self.changed if not change.renamed]

    @property
    def item_count(self) -> int:
        return sum(len(plan.items) for plan in self.plans)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or self.missing or self.found_again)


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int
    missing: int
    without_id: int
    skipped: int

    def summary(self) -> str:
        """The counts in one line, as the command prints them."""
        return (
            f"{self.created} new, {self.updated} updated, {self.unchanged} "
            f"unchanged, {self.missing} missing in AchieveIt, {self.without_id} "
            f"without an External ID, {self.skipped} skipped"
        )


# --- linking ------------------------------------------------------------------


def clean_plan_id(plan_id: str) -> str:
    """The plan ID as it is kept. Raises ServiceError for one that is empty, too
    long or holds control characters."""
    plan_id = plan_id.strip()
    if not plan_id:
        raise ServiceError("Give the plan ID: copy it from the plan's options menu.")
    if len(plan_id) > PLAN_ID_MAX:
        raise ServiceError(f"A plan ID has at most {PLAN_ID_MAX} characters.")
    try:
        _no_control(plan_id)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages)) from None
    return plan_id


def plan_link(
    *, team: Team, plan_id: str, actor: AbstractBaseUser | None = None
) -> TeamPlan:
    """Link an AchieveIt plan to the team (audited). Linking it twice keeps one
    link. Raises ServiceError for an unusable plan ID. Reads nothing from
    AchieveIt: the first sync says whether the key may see the plan."""
    plan_id = clean_plan_id(plan_id)
    try:
        with transaction.atomic():
            link, created = TeamPlan.objects.get_or_create(
                team=team, plan_id=plan_id, defaults={"added_by": actor}
            )
            if created:
                audit(
                    action=Action.PLAN_LINKED, team=team, actor=actor, plan_id=plan_id
                )
    except IntegrityError:
        link = TeamPlan.objects.get(team=team, plan_id=plan_id)
    return link


def plan_unlink(
    *, team: Team, plan_id: str, actor: AbstractBaseUser | None = None
) -> bool:
    """Remove the link (audited); the team's items stay as they are. Returns
    whether there was one."""
    with transaction.atomic():
        removed, _ = TeamPlan.objects.filter(team=team, plan_id=plan_id).delete()
        if removed:
            audit(action=Action.PLAN_UNLINKED, team=team, actor=actor, plan_id=plan_id)
    return bool(removed)


# --- reading --------------------------------------------------------------------


def read_team_plans(team: Team) -> list[PlanRead]:
    """Every item of every plan linked to the team, one paged read a plan.

    Records on each link what its last read showed (the start of the raw answer,
    the error). Raises PlanSyncError (nothing changed) for the first plan that
    cannot be read, or when AchieveIt is not configured.
    """
    links = list(team.plans.all())
    if not links:
        raise PlanSyncError(
            f"{team.name} has no linked AchieveIt plan: link one first."
        )
    try:
        client = achieveit.client_from_settings()
    except achieveit.ConfigurationError as error:
        raise PlanSyncError(f"The portal cannot reach AchieveIt: {error}") from None
    reads: list[PlanRead] = []
    for link in links:
        try:
            read = client.plan_items(link.plan_id)
        except achieveit_plans.PlanReadError as error:
            TeamPlan.objects.filter(pk=link.pk).update(
                last_error=str(error), last_raw_answer=error.raw
            )
            raise PlanSyncError(f"Nothing changed: {error}") from None
        TeamPlan.objects.filter(pk=link.pk).update(
            last_error="", last_raw_answer=read.raw_answer, item_count=len(read.items)
        )
        reads.append(read)
    return reads


def items_by_external_id(reads: list[PlanRead]) -> dict[str, PlanItemRead]:
    """The items of several plans by External ID (the first plan showing an ID
    wins); items without one are left out."""
    found: dict[str, PlanItemRead] = {}
    for read in reads:
        for item in read.items:
            if item.external_id is not None:
                found.setdefault(item.external_id, item)
    return found


# --- preview and apply ------------------------------------------------------------

# How long a shown preview may be confirmed: after that, read AchieveIt again.
PREVIEW_KEPT_SECONDS = 24 * 3600


def preview_store(*, team: Team, reads: list[PlanRead]) -> str:
    """Keep the plans a preview was made from in private storage, so that the
    confirmation applies what the person saw (not a second read). Returns the
    random token that names them (the confirmation form holds it)."""
    token = secrets.token_hex(16)
    payload = {
        "read_at": timezone.now().isoformat(),
        "plans": [
            {
                "plan_id": read.plan_id,
                "pages": read.pages,
                "raw_answer": read.raw_answer,
                "items": [item.raw for item in read.items],
            }
            for read in reads
        ],
    }
    path = _preview_path(team, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Numbers were read as Decimal: kept as their exact text, read back the same way.
    path.write_text(json.dumps(payload, default=str), encoding="utf-8")
    return token


def preview_load(*, team: Team, token: str) -> list[PlanRead]:
    """The plans kept under this token for this team. Raises PlanSyncError when
    there are none (applied already, never made, or older than a day)."""
    gone = PlanSyncError(
        "This preview is no longer here (it may have been applied already): "
        "sync from AchieveIt again."
    )
    try:
        payload = json.loads(_preview_path(team, token).read_text(encoding="utf-8"))
        read_at = datetime.fromisoformat(payload["read_at"])
    except (OSError, ValueError, KeyError, TypeError):
        raise gone from None
    if (timezone.now() - read_at).total_seconds() > PREVIEW_KEPT_SECONDS:
        raise gone
    return [
        PlanRead(
            plan["plan_id"],
            [achieveit_plans.plan_item_from(raw) for raw in plan["items"]],
            plan["pages"],
            plan["raw_answer"],
        )
        for plan in payload["plans"]
    ]


def preview_discard(*, team: Team, token: str) -> None:
    """Forget a kept preview (after it was applied); raises nothing."""
    with contextlib.suppress(ValueError):
        _preview_path(team, token).unlink(missing_ok=True)


def _preview_path(team: Team, token: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        raise ValueError("not a preview token")
    return (
        Path(settings.PRIVATE_STORAGE_DIR)
        / "plan-previews"
        / team.slug
        / f"{token}.json"
    )


def sync_preview(*, team: Team, reads: list[PlanRead] | None = None) -> SyncPreview:
    """What `sync_apply` would do; writes no plan item. Reads the team's plans
    unless `reads` is given. Raises PlanSyncError when a plan cannot be read."""
    reads = read_team_plans(team) if reads is None else reads
    preview = SyncPreview(plans=reads)
    shown: dict[str, PlanItemRead] = {}
    for read in reads:
        for item in read.items:
            if item.external_id is None:
                preview.without_id.append(item)
            elif item.external_id not in shown:
                shown[item.external_id] = item
                preview.plan_of[item.external_id] = read.plan_id
    stored = _stored_items(list(shown))
    for external_id, item in shown.items():
        found = stored.get(external_id)
        if found is None:
            problem = id_problem_at(external_id, 0)
            if problem is not None:
                preview.unusable.append((external_id, problem.message))
            else:
                preview.new.append((preview.plan_of[external_id], item))
            continue
        if found["team_id"] != team.pk:
            preview.other_team.append(external_id)
            continue
        wanted = _synced_values(preview.plan_of[external_id], item)
        differs = tuple(name for name, value in wanted.items() if found[name] != value)
        new_name = item.name[:300] or found["name"]
        if found["missing_in_achieveit"]:
            preview.found_again.append(external_id)
        if differs or new_name != found["name"]:
            preview.changed.append(
                PlanChange(
                    external_id,
                    found["name"],
                    new_name,
                    differs,
                    item,
                    pk=int(found["id"]),
                )
            )
        else:
            preview.unchanged_ids.append(external_id)
    preview.missing = sorted(
        external_id
        for external_id in PlanItem.objects.filter(
            team=team, missing_in_achieveit=False
        ).values_list("external_id", flat=True)
        if external_id not in shown
    )
    return preview


def sync_apply(
    *,
    team: Team,
    actor: AbstractBaseUser | None = None,
    reads: list[PlanRead] | None = None,
) -> SyncResult:
    """Sync the team's plan items from its linked plans: add the new ones, write
    names and AchieveIt's values, flag the missing ones (never deactivated).

    One read of the plans (unless `reads` is given), then the writes in one
    transaction, audited with the counts. Raises PlanSyncError, changing
    nothing, when a plan cannot be read.
    """
    preview = sync_preview(team=team, reads=reads)
    now = timezone.now()
    with transaction.atomic():
        _write(team, preview, now)
        TeamPlan.objects.filter(team=team).update(last_synced_at=now)
        result = SyncResult(
            created=len(preview.new),
            updated=len(preview.changed),
            unchanged=len(preview.unchanged_ids),
            missing=len(preview.missing),
            without_id=len(preview.without_id),
            skipped=len(preview.other_team) + len(preview.unusable),
        )
        audit(
            action=Action.PLAN_ITEMS_SYNCED,
            team=team,
            actor=actor,
            plans=[read.plan_id for read in preview.plans],
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            missing=result.missing,
            without_id=result.without_id,
            skipped=result.skipped,
        )
    return result


def plans_sync_all() -> dict[str, int]:
    """Beat: sync every team with a linked plan. A team whose plans cannot be
    read is left as it was (the reason kept on its link) and the others go on.
    Returns how many teams were synced and how many failed."""
    counts = {"synced": 0, "failed": 0}
    teams = Team.objects.filter(plans__isnull=False).distinct()
    for team in teams:
        try:
            result = sync_apply(team=team)
        except PlanSyncError as error:
            logger.warning("plan sync of team %s: %s", team.slug, error)
            counts["failed"] += 1
        else:
            logger.info("plan sync of team %s: %s", team.slug, result.summary())
            counts["synced"] += 1
    return counts


def _synced_values(plan_id: str, item: PlanItemRead) -> dict[str, object]:
    return {
        "achieveit_plan_id": plan_id[:200],
        "achieveit_name": item.name[:300],
        "achieveit_status": item.status[:64],
        "achieveit_value": _number(item.current_value),
        "achieveit_last_updated": item.last_updated,
        "assignee_name": item.assignee_name[:200],
        "assignee_email": item.assignee_email[:254],
        "target": _number(item.target),
    }


def _number(value: object) -> str:
    return "" if value is None else str(value)[:64]


_STORED_COLUMNS = ("id", "external_id", "team_id", "name", "missing_in_achieveit") + (
    SYNCED_FIELDS
)


def _stored_items(ids: list[str]) -> dict[str, dict[str, object]]:
    """The stored items among these External IDs, in batches (SQLite caps a
    statement's parameters)."""
    batch = connection.features.max_query_params or WRITE_BATCH
    batch = min(batch, WRITE_BATCH)
    found: dict[str, dict[str, object]] = {}
    for start in range(0, len(ids), batch):
        rows = PlanItem.objects.filter(
            external_id__in=ids[start : start + batch]
        ).values(*_STORED_COLUMNS)
        for row in rows:
            found[row["external_id"]] = row
    return found


def _write(team: Team, preview: SyncPreview, now: datetime) -> None:
    new_rows = [
        {
            "team_id": team.pk,
            "external_id": external_id,
            "name": item.name[:300],
            # A target or a value says the item is measured.
            "has_metric": item.target is not None or item.current_value is not None,
            "read_at": now,
            "updated_at": now,
            **_synced_values(plan_id, item),
        }
        for plan_id, item in preview.new
        if (external_id := item.external_id) is not None
    ]
    _insert_many(new_rows)
    _update_many(
        [
            {
                "id": change.pk,
                "name": change.new_name,
                **_synced_values(preview.plan_of[change.external_id], change.read),
                "read_at": now,
                "missing_in_achieveit": False,
                "updated_at": now,
            }
            for change in preview.changed
        ]
    )
    for start in range(0, len(preview.unchanged_ids), WRITE_BATCH):
        PlanItem.objects.filter(
            team=team,
            external_id__in=preview.unchanged_ids[start : start + WRITE_BATCH],
        ).update(read_at=now, missing_in_achieveit=False)
    for start in range(0, len(preview.missing), WRITE_BATCH):
        PlanItem.objects.filter(
            team=team, external_id__in=preview.missing[start : start + WRITE_BATCH]
        ).update(missing_in_achieveit=True)


# A 100,000-item plan is 100,000 rows of 20 columns: bulk_create and bulk_update
# prepare every value through the field (and SQLite's 999-parameter cap makes
# bulk_create send 2,000 statements; bulk_update's CASE WHEN grows with the batch),
# which was most of a large sync's time. One prepared statement run with
# executemany writes the same rows, the values adapted once per column type.


def _db_value(field: models.Field, value: object) -> object:
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(field, models.CharField | models.BooleanField | models.ForeignKey):
        return value
    return field.get_db_prep_save(value, connection)


def _column_default(field: models.Field, now: datetime) -> object:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def _insert_many(rows: list[dict[str, object]]) -> None:
    """Insert plan items given as {attname: value} (the other columns take their
    field's default), in batches, with one prepared INSERT."""
    if not rows:
        return
    fields = [
        field for field in PlanItem._meta.concrete_fields if not field.primary_key
    ]
    now = timezone.now()
    defaults = {field.attname: _column_default(field, now) for field in fields}
    quote = connection.ops.quote_name
    # Only the model's own table and column names are formatted in; every value is
    # a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(PlanItem._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(
                sql,
                [
                    tuple(
                        _db_value(
                            field, row.get(field.attname, defaults[field.attname])
                        )
                        for field in fields
                    )
                    for row in rows[start : start + WRITE_BATCH]
                ],
            )


def _update_many(rows: list[dict[str, object]]) -> None:
    """Update plan items given as {"id": pk, attname: value, ...} (every row the
    same names), in batches, with one prepared UPDATE."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    fields = [PlanItem._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from _meta)
        quote(PlanItem._meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in fields),
        quote(PlanItem._meta.pk.column),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(
                sql,
                [
                    (
                        *(_db_value(field, row[field.attname]) for field in fields),
                        row["id"],
                    )
                    for row in rows[start : start + WRITE_BATCH]
                ],
            )
