"""The simulator's AchieveIt plans: seeded items, paged reads, updates applied.

Plans are seeded as JSON (``--plans FILE`` at start-up, ``POST /_simulator/plans`` at
run time)::

    {"plans": [{"id": "plan-1", "name": "FY27 plan",
                "items": [{"externalId": "SALES-Q4-01", "name": "Q4 pipeline",
                           "target": 1}, ...],
                "generate": {"count": 100000, "externalIdPrefix": "GEN-"}}]}

`items` and `generate` are both optional. Nothing here locks: SimulatorState holds its
lock around every call.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from simulator.csvrules import Update

# The vendor's documented sort keys for GET /plans/<id>/items.
SORT_KEYS = (
    "name",
    "sequenceId",
    "level",
    "status",
    "start",
    "due",
    "currentValue",
    "lastUpdated",
    "assignedToFullName",
    "assignedToEmailAddress",
    "assignedByFullName",
    "updates",
    "alignsTo",
    "baseline",
    "target",
    "created",
    "dependentOn",
    "description",
)
DEFAULT_TAKE = 100
# The older export form's cap; the simulator refuses a larger page (400).
MAX_TAKE = 1500
# Guards the seed endpoint against a typo that would eat the machine's memory.
MAX_GENERATED_ITEMS = 1_000_000
MAX_ID_LENGTH = 200


class PlanError(ValueError):
    """A plan seed or a paging request was refused (the message says why)."""


@dataclass
class Plan:
    """One plan and its items (JSON-ready dicts, in seed order)."""

    plan_id: str
    name: str
    items: list[dict[str, Any]]
    # (sort key, descending) -> items in that order; cleared whenever an item changes.
    _orders: dict[tuple[str, bool], list[dict[str, Any]]] = field(
        default_factory=dict, repr=False
    )

    def ordered(self, sort_key: str, descending: bool) -> list[dict[str, Any]]:
        """The items sorted by one key, None last (ties keep seed order)."""
        order = self._orders.get((sort_key, descending))
        if order is None:
            # Python's sort is stable in both directions, so ties keep seed order.
            order = sorted(
                self.items,
                key=lambda item: _sort_value(item.get(sort_key)),
                reverse=descending,
            )
            self._orders[(sort_key, descending)] = order
        return order

    def changed(self) -> None:
        """Forget cached orders after an item changed."""
        self._orders.clear()


def parse_plans(payload: object) -> dict[str, Plan]:
    """Plans from a seed payload (see the module docstring); raises PlanError."""
    if not isinstance(payload, dict) or not isinstance(payload.get("plans"), list):
        raise PlanError('a plan seed must be {"plans": [{"id": ..., "items": [...]}]}')
    unknown = sorted(set(payload) - {"plans"})
    if unknown:
        raise PlanError(f"unknown key(s) in a plan seed: {', '.join(unknown)}")
    plans: dict[str, Plan] = {}
    for number, plan_seed in enumerate(payload["plans"], start=1):
        plan = _parse_plan(number, plan_seed)
        if plan.plan_id in plans:
            raise PlanError(f"plan '{plan.plan_id}' appears twice in the seed")
        plans[plan.plan_id] = plan
    return plans


def _parse_plan(number: int, seed: object) -> Plan:
    if not isinstance(seed, dict):
        raise PlanError(f"plan {number} must be a JSON object")
    unknown = sorted(set(seed) - {"id", "name", "items", "generate"})
    if unknown:
        raise PlanError(f"plan {number}: unknown key(s) {', '.join(unknown)}")
    plan_id = seed.get("id")
    if not _is_safe_id(plan_id):
        raise PlanError(
            f"plan {number}: id must be a non-empty string without '/' or '?'"
        )
    name = seed.get("name", plan_id)
    if not isinstance(name, str):
        raise PlanError(f"plan '{plan_id}': name must be a string")
    item_seeds = seed.get("items", [])
    if not isinstance(item_seeds, list):
        raise PlanError(f"plan '{plan_id}': items must be a list")
    items = [
        _item_from_seed(plan_id, position, item_seed)
        for position, item_seed in enumerate(item_seeds, start=1)
    ]
    if "generate" in seed:
        items += _generated_items(plan_id, len(items), seed["generate"])
    seen: set[object] = set()
    for item in items:
        if item["id"] in seen:
            raise PlanError(f"plan '{plan_id}': item id {item['id']!r} repeats")
        seen.add(item["id"])
    return Plan(plan_id, name, items)


def _item_from_seed(plan_id: str, position: int, seed: object) -> dict[str, Any]:
    if not isinstance(seed, dict):
        raise PlanError(f"plan '{plan_id}': item {position} must be a JSON object")
    external_id = seed.get("externalId")
    if external_id is not None and not isinstance(external_id, str):
        raise PlanError(
            f"plan '{plan_id}': item {position}: externalId must be a string or null"
        )
    item_id = seed.get("id", f"{plan_id}-item-{position}")
    if not isinstance(item_id, str | int) or isinstance(item_id, bool):
        raise PlanError(f"plan '{plan_id}': item {position}: id must be a string")
    # Defaults first, so the seed's own keys (any extra ones too) win and are kept.
    return {**_default_item(item_id, position), **copy.deepcopy(seed)}


def _generated_items(plan_id: str, already: int, spec: object) -> list[dict[str, Any]]:
    if not isinstance(spec, dict) or set(spec) - {"count", "externalIdPrefix"}:
        raise PlanError(
            f"plan '{plan_id}': generate must be "
            '{"count": N, "externalIdPrefix": "..."}'
        )
    count = spec.get("count")
    prefix = spec.get("externalIdPrefix", f"{plan_id}-")
    if (
        not isinstance(count, int)
        or isinstance(count, bool)
        or not 0 <= count <= MAX_GENERATED_ITEMS
    ):
        raise PlanError(
            f"plan '{plan_id}': generate.count must be 0..{MAX_GENERATED_ITEMS}"
        )
    if not isinstance(prefix, str) or "external" in prefix.casefold():
        raise PlanError(
            f"plan '{plan_id}': externalIdPrefix must be a string without 'external'"
        )
    items = []
    for offset in range(1, count + 1):
        position = already + offset
        item = _default_item(f"{plan_id}-item-{position}", position)
        item["externalId"] = f"{prefix}{offset}"
        item["name"] = f"Generated item {offset}"
        items.append(item)
    return items


def _default_item(item_id: str | int, position: int) -> dict[str, Any]:
    return {
        "id": item_id,
        "externalId": None,
        "name": "",
        "sequenceId": position,
        "level": 1,
        "status": "Not Started",
        "currentValue": None,
        "lastUpdated": None,
        "assignedToFullName": None,
        "assignedToEmailAddress": None,
        "target": None,
        "latestUpdate": None,
    }


def _is_safe_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and not any(char in value for char in "/?#")
        and value.strip() == value
    )


def _sort_value(value: object) -> tuple[int, Any]:
    # Mixed types never compare with each other: numbers, then text, then the rest.
    if value is None:
        return (3, 0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    if isinstance(value, str):
        return (1, value.casefold())
    return (2, repr(value))


@dataclass(frozen=True)
class PageRequest:
    """The query of GET /plans/<id>/items, checked."""

    skip: int = 0
    take: int = DEFAULT_TAKE
    sort_key: str = "sequenceId"
    descending: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, list[str]]) -> PageRequest:
        """Read skip, take, sortKey and sortDirection; raises PlanError (a 400)."""
        skip = _whole_number(query, "skip", 0)
        take = _whole_number(query, "take", DEFAULT_TAKE)
        if skip < 0:
            raise PlanError("skip must be a whole number >= 0")
        if not 1 <= take <= MAX_TAKE:
            raise PlanError(f"take must be between 1 and {MAX_TAKE}")
        sort_key = _last(query, "sortKey") or "sequenceId"
        if sort_key not in SORT_KEYS:
            raise PlanError(f"sortKey must be one of: {', '.join(SORT_KEYS)}")
        direction = (_last(query, "sortDirection") or "asc").casefold()
        if direction not in ("asc", "desc"):
            raise PlanError("sortDirection must be asc or desc")
        return cls(skip, take, sort_key, direction == "desc")


def _last(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _whole_number(query: Mapping[str, list[str]], name: str, default: int) -> int:
    text = _last(query, name)
    if text is None or text == "":
        return default
    if not text.isdigit():
        raise PlanError(f"{name} must be a whole number, not {text!r}")
    return int(text)


class PlanStore:
    """Every seeded plan, and an index from External ID to the items carrying it."""

    def __init__(self, plans: Mapping[str, Plan] | None = None) -> None:
        self._plans: dict[str, Plan] = {}
        self._by_external_id: dict[str, list[tuple[Plan, dict[str, Any]]]] = {}
        self.seed(plans or {})

    def seed(self, plans: Mapping[str, Plan]) -> None:
        """Add plans, replacing any of the same id."""
        self._plans.update(plans)
        self._reindex()

    def _reindex(self) -> None:
        self._by_external_id = {}
        for plan in self._plans.values():
            for item in plan.items:
                external_id = item.get("externalId")
                if isinstance(external_id, str):
                    self._by_external_id.setdefault(external_id, []).append(
                        (plan, item)
                    )

    def get(self, plan_id: str) -> Plan | None:
        """The plan with this id, or None."""
        return self._plans.get(plan_id)

    def page(self, plan: Plan, request: PageRequest) -> list[dict[str, Any]]:
        """One page of a plan's items (the stored dicts: serialize before unlocking)."""
        ordered = plan.ordered(request.sort_key, request.descending)
        return ordered[request.skip : request.skip + request.take]

    def apply(
        self,
        updates: Iterable[Update],
        *,
        kind: str,
        applied_at: datetime,
        job_id: str,
    ) -> int:
        """Apply a completed job's updates, in file order; returns how many updates
        reached an item (an External ID on no seeded item changes nothing)."""
        applied = 0
        touched: set[str] = set()
        last_updated = applied_at.isoformat(timespec="milliseconds")
        for update in updates:
            for plan, item in self._by_external_id.get(update.external_id, ()):
                if update.status is not None:
                    item["status"] = update.status
                if update.value is not None:
                    item["currentValue"] = _json_number(update.value)
                item["lastUpdated"] = last_updated
                item["latestUpdate"] = {
                    "kind": kind,
                    "jobId": job_id,
                    "status": update.status,
                    "currentValue": _json_number(update.value)
                    if update.value is not None
                    else None,
                    "asOfDate": update.as_of_date,
                    "comment": update.comment,
                    "appliedAt": last_updated,
                }
                touched.add(plan.plan_id)
                applied += 1
        for plan_id in touched:
            self._plans[plan_id].changed()
        return applied

    def describe(self, hidden: Iterable[str]) -> list[dict[str, Any]]:
        """A summary of every plan, as GET /_simulator/plans lists them."""
        hidden_ids = set(hidden)
        return [
            {
                "id": plan.plan_id,
                "name": plan.name,
                "items": len(plan.items),
                "hidden": plan.plan_id in hidden_ids,
            }
            for plan in self._plans.values()
        ]


def _json_number(text: str) -> int | float:
    number = Decimal(text)
    if number == number.to_integral_value() and "." not in text:
        return int(number)
    return float(number)
