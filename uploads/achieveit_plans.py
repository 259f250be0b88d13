"""Reading a plan's items from AchieveIt ("Get Plan Items", a beta call).

``AchieveItClient.plan_items`` calls ``read_plan``: ``GET /plans/{planId}/items`` page
by page, each page read leniently (``read_plan_page``, ``plan_item_from``) into
frozen ``PlanItemRead`` values. A read that fails raises one ``PlanReadError``
subclass per way it can fail, its message one sentence for a person, never the key.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import requests

from uploads.achieveit import BODY_TRUNCATED_MARKER, PLAN_PAGE_SIZE, AchieveItClient

# The client's logger, so one logger still covers every call to AchieveIt.
logger = logging.getLogger("uploads.achieveit")

# A page of 1,500 items is a few hundred KB; more than this is not a plan page.
PLAN_PAGE_MAX_BYTES = 32 * 1024 * 1024
# How much of the raw answer is kept for an operator.
PLAN_RAW_KEPT_CHARS = 8000
# Where an object holding the list may keep it (compared without case, "_" or "-").
_LIST_KEYS = ("items", "data", "results", "value", "records", "planitems", "rows")
_TOTAL_KEYS = ("total", "totalcount", "count", "totalitems")
# An item's fields under the names AchieveIt's sort keys use, then likely others.
_ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "external_id": ("externalid", "extid", "externalidentifier"),
    "name": ("name", "title"),
    "status": ("status", "statusname"),
    "current_value": ("currentvalue", "currentmetricvalue", "metricvalue", "value"),
    "last_updated": ("lastupdated", "lastupdatedat", "updatedat", "modified"),
    "assignee_name": ("assignedtofullname", "assigneename", "assignedtoname"),
    "assignee_email": (
        "assignedtoemailaddress",
        "assignedtoemail",
        "assigneeemail",
        "assigneeemailaddress",
    ),
    "target": ("target", "targetvalue"),
    "comment": ("comment",),
}


class PlanReadError(Exception):
    """A plan could not be read; the message is one sentence for a person, and
    never holds the key. ``raw`` is the start of the answer, if one came."""

    def __init__(self, message: str, *, status_code: int | None = None, raw: str = ""):
        super().__init__(message)
        self.status_code = status_code
        self.raw = raw


class PlanForbidden(PlanReadError):
    """401/403: the key, or its user, may not see the plan."""


class PlanNotFound(PlanReadError):
    """404: AchieveIt knows no plan by that ID."""


class PlanTransientError(PlanReadError):
    """5xx, a timeout or a dropped connection: reading again later may work."""


class PlanBadAnswer(PlanReadError):
    """An answer that is not a list of plan items (HTML, another object, a page
    that never ends)."""


@dataclass(frozen=True)
class PlanItemRead:
    """One item as AchieveIt showed it; ``raw`` keeps every key it came with."""

    external_id: str | None
    name: str
    status: str
    current_value: Decimal | None
    last_updated: datetime | None
    assignee_name: str
    assignee_email: str
    target: Decimal | None
    # The comment of its latest update, when the answer carries one.
    comment: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class PlanRead:
    """Every item of one plan, with what an operator needs to see the answer."""

    plan_id: str
    items: list[PlanItemRead]
    pages: int
    raw_answer: str  # the start of the first page, truncated


def read_plan_page(text: str) -> tuple[list[dict[str, Any]], int | None]:
    """The items of one page of a plan-items answer, and the total if it says.

    Lenient: a JSON list of objects, or an object holding that list under a key
    such as ``items`` or ``data`` (or its only list of objects). Raises
    PlanBadAnswer for anything else.
    """
    try:
        value = json.loads(text.lstrip("\ufeff"), parse_float=Decimal)
    except ValueError:
        raise PlanBadAnswer(
            "AchieveIt's answer is not JSON (a sign-in or error page?), so no plan "
            "item was read."
        ) from None
    total: int | None = None
    if isinstance(value, dict):
        keyed = {_key(key): inner for key, inner in value.items()}
        for key in _TOTAL_KEYS:
            if isinstance(keyed.get(key), int) and not isinstance(keyed[key], bool):
                total = keyed[key]
                break
        found = next(
            (keyed[key] for key in _LIST_KEYS if isinstance(keyed.get(key), list)),
            None,
        )
        if found is None:
            lists = [inner for inner in value.values() if isinstance(inner, list)]
            found = lists[0] if len(lists) == 1 else None
        value = found
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        raise PlanBadAnswer(
            "AchieveIt's answer is not a list of plan items, so no plan item was read."
        )
    return value, total


def plan_item_from(raw: dict[str, Any]) -> PlanItemRead:
    """One item, its fields found under any of the likely names; a value of an
    unexpected type is read as absent (and kept in ``raw``)."""
    keyed = {_key(key): value for key, value in raw.items()}

    def field(name: str) -> Any:
        for key in _ITEM_KEYS[name]:
            if keyed.get(key) is not None:
                return keyed[key]
        return None

    comment = field("comment")
    latest = keyed.get("latestupdate")
    if comment is None and isinstance(latest, dict):
        comment = {_key(key): value for key, value in latest.items()}.get("comment")
    external_id = _text(field("external_id")).strip() or None
    return PlanItemRead(
        external_id=external_id,
        name=_text(field("name")),
        status=_text(field("status")),
        current_value=_decimal(field("current_value")),
        last_updated=_datetime(field("last_updated")),
        assignee_name=_text(field("assignee_name")),
        assignee_email=_text(field("assignee_email")),
        target=_decimal(field("target")),
        comment=comment if isinstance(comment, str) else None,
        raw=raw,
    )


def _key(key: object) -> str:
    # A plan's items repeat the same dozen keys 100,000 times: normalize each once.
    return _normalized_key(str(key))


@functools.lru_cache(maxsize=4096)
def _normalized_key(key: str) -> str:
    return re.sub(r"[\s_-]", "", key).lower()


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return ""


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    # A time without a zone is taken as UTC, the API's (assumed) default.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_plan(
    client: AchieveItClient, plan_id: str, *, take: int, max_pages: int
) -> PlanRead:
    """Every item of plan ``plan_id``, read with ``client`` (see
    ``AchieveItClient.plan_items``, which calls this, for the errors raised)."""
    if not plan_id.strip():
        raise ValueError("plan_id must not be empty")
    if not 1 <= take <= PLAN_PAGE_SIZE:
        raise ValueError(f"take must be within 1..{PLAN_PAGE_SIZE}, got {take}")
    url = f"{client.base_url}/plans/{quote(plan_id.strip(), safe='')}/items"
    items: list[PlanItemRead] = []
    raw_answer = ""
    previous_first: Any = None
    started = time.monotonic()
    for page in range(max_pages):
        skip = page * take
        text = _plan_page(client, url, plan_id, skip=skip, take=take)
        if page == 0:
            raw_answer = _kept(text)
        try:
            raw_items, total = read_plan_page(text)
        except PlanBadAnswer as error:
            raise PlanBadAnswer(str(error), status_code=200, raw=_kept(text)) from None
        # A server that ignores `skip` serves the first page forever.
        if page and raw_items and raw_items[0] == previous_first:
            raise PlanBadAnswer(
                f"AchieveIt served the same page again for plan {plan_id} (skip "
                f"{skip}): the read stopped, no plan item was changed.",
                raw=_kept(text),
            )
        previous_first = raw_items[0] if raw_items else None
        items.extend(plan_item_from(raw) for raw in raw_items)
        if len(raw_items) < take or (total is not None and skip + take >= total):
            logger.info(
                "AchieveIt plan %s: %d items in %d pages, %d ms",
                plan_id,
                len(items),
                page + 1,
                round((time.monotonic() - started) * 1000),
            )
            return PlanRead(plan_id, items, page + 1, raw_answer)
    raise PlanBadAnswer(
        f"Plan {plan_id} has more than {max_pages} pages of {take} items; the "
        "read stopped there and no plan item was changed."
    )


def _plan_page(
    client: AchieveItClient, url: str, plan_id: str, *, skip: int, take: int
) -> str:
    """One page's body; raises a PlanReadError for anything but a 200."""
    params = {
        "skip": skip,
        "take": take,
        "sortKey": "sequenceId",
        "sortDirection": "asc",
    }
    try:
        response = requests.get(
            url,
            params=params,
            auth=client._authorize,
            timeout=(client.connect_timeout, client.read_timeout),
            stream=True,
            headers={"Accept": "application/json"},
        )
    except requests.RequestException as error:
        reason = client._no_answer(error).reason
        logger.info(
            "AchieveIt GET plan %s items (skip %d) -> %s", plan_id, skip, reason
        )
        raise PlanTransientError(
            f"Could not read plan {plan_id} from AchieveIt ({reason}); nothing "
            "was changed, reading again later is safe."
        ) from None
    received = bytearray()
    try:
        for chunk in response.iter_content(chunk_size=65536):
            received += chunk
            if len(received) > PLAN_PAGE_MAX_BYTES:
                break
    except requests.RequestException:
        response.close()
        raise PlanTransientError(
            f"The connection dropped while reading plan {plan_id} from AchieveIt; "
            "nothing was changed, reading again later is safe."
        ) from None
    finally:
        response.close()
    text = received.decode("utf-8", errors="replace").replace(
        client._api_key, "[redacted]"
    )
    code = response.status_code
    logger.info("AchieveIt GET plan %s items (skip %d) -> %s", plan_id, skip, code)
    if len(received) > PLAN_PAGE_MAX_BYTES:
        raise PlanBadAnswer(
            f"A page of plan {plan_id} is larger than "
            f"{PLAN_PAGE_MAX_BYTES // (1024 * 1024)} MB: no plan item was read.",
            status_code=code,
        )
    raw = _kept(text)
    if code == 200:
        return text
    if code in {401, 403}:
        whose = "the key" if code == 401 else "the key's user"
        raise PlanForbidden(
            f"AchieveIt refused to show plan {plan_id} (HTTP {code}): {whose} may "
            "not see it. Give the API user access to the plan in AchieveIt, or "
            "check the plan ID.",
            status_code=code,
            raw=raw,
        )
    if code == 404:
        raise PlanNotFound(
            f"AchieveIt knows no plan {plan_id} (HTTP 404): copy the plan ID "
            "from the plan's options menu in AchieveIt.",
            status_code=code,
            raw=raw,
        )
    if 500 <= code < 600:
        raise PlanTransientError(
            f"AchieveIt could not serve plan {plan_id} (HTTP {code}); nothing was "
            "changed, reading again later is safe.",
            status_code=code,
            raw=raw,
        )
    raise PlanReadError(
        f"AchieveIt answered HTTP {code} for plan {plan_id}; nothing was changed.",
        status_code=code,
        raw=raw,
    )


def _kept(text: str) -> str:
    if len(text) <= PLAN_RAW_KEPT_CHARS:
        return text
    return text[: PLAN_RAW_KEPT_CHARS - len(BODY_TRUNCATED_MARKER)] + (
        BODY_TRUNCATED_MARKER
    )
