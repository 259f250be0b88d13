"""The simulator's memory: every POST, the jobs, the plans and the live config.

One lock guards it all; request threads call its methods and never touch its parts.
"""

from __future__ import annotations

import heapq
import itertools
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.config import ConfigError, SimulatorConfig
from simulator.csvrules import (
    PROGRESS,
    CheckResult,
    RowError,
    check_updates,
    looks_like_json,
)
from simulator.plans import PageRequest, PlanError, PlanStore, parse_plans


@dataclass
class ReceivedPost:
    """One upload POST as the simulator saw it, queued or not."""

    filename: str
    body: bytes
    received_at: datetime
    kind: str = PROGRESS
    body_format: str = "csv"
    job_id: str | None = None
    answered_status: int | None = None
    # time.monotonic() after which the job counts as processed.
    ready_at: float = 0.0
    # The same moment on the wall clock: the lastUpdated of the items it changes.
    completes_at: datetime | None = None
    result: CheckResult = field(default_factory=lambda: CheckResult(0))
    polls: int = 0
    # Closed without an answer (queue_then_drop / hold_then_drop knobs).
    dropped: bool = False
    # How many updates reached a seeded plan item; None until the job completes.
    applied_items: int | None = None

    @property
    def state(self) -> str:
        """not_queued, processing, succeeded or failed."""
        if self.job_id is None:
            return "not_queued"
        if time.monotonic() < self.ready_at:
            return "processing"
        return "succeeded" if self.result.ok else "failed"


class SimulatorState:
    """The job store, the plans and the live config, shared by all request threads."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._lock = threading.Lock()
        self._startup_config = config
        self._config = config
        self._posts: list[ReceivedPost] = []
        self._jobs: dict[str, ReceivedPost] = {}
        # Queued jobs not yet applied to the plans: (ready_at, order, post).
        self._pending: list[tuple[float, int, ReceivedPost]] = []
        self._order = itertools.count()
        self._plans = self._startup_plans()

    def _startup_plans(self) -> PlanStore:
        seed = self._startup_config.plans
        try:
            return PlanStore(parse_plans(seed) if seed is not None else None)
        except PlanError as error:
            raise ConfigError(f"plans: {error}") from error

    @property
    def config(self) -> SimulatorConfig:
        """The config in force now (an immutable snapshot)."""
        with self._lock:
            return self._config

    def update_config(self, changes: Mapping[str, Any]) -> SimulatorConfig:
        """Merge knob changes into the live config; raises ConfigError."""
        with self._lock:
            self._config = self._config.with_changes(changes)
            return self._config

    def reset(self) -> SimulatorConfig:
        """Forget every POST, go back to the start-up config and plans."""
        plans = self._startup_plans()
        with self._lock:
            self._posts.clear()
            self._jobs.clear()
            self._pending.clear()
            self._plans = plans
            self._config = self._startup_config
            return self._config

    def settle(self) -> None:
        """Apply every job whose processing time has passed to the plan items.

        Called at the start of each request, so a job takes effect at its completion
        time whether or not anyone polls it (lastUpdated is that time, not now).
        """
        with self._lock:
            self._settle_locked()

    def _settle_locked(self) -> None:
        now = time.monotonic()
        while self._pending and self._pending[0][0] <= now:
            _, _, post = heapq.heappop(self._pending)
            assert post.job_id is not None
            assert post.completes_at is not None
            if not post.result.ok:
                # A failed file changes nothing (an assumption: the vendor is silent).
                post.applied_items = 0
                continue
            post.applied_items = self._plans.apply(
                post.result.updates,
                kind=post.kind,
                applied_at=post.completes_at,
                job_id=post.job_id,
            )

    def record_rejected(
        self, filename: str, body: bytes, kind: str = PROGRESS, content_type: str = ""
    ) -> ReceivedPost:
        """Record a POST refused before queueing (bad key, name or body)."""
        post = ReceivedPost(
            filename,
            body,
            datetime.now(UTC),
            kind=kind,
            body_format="json" if looks_like_json(body, content_type) else "csv",
        )
        with self._lock:
            self._posts.append(post)
        return post

    def receive(
        self,
        filename: str,
        body: bytes,
        kind: str = PROGRESS,
        content_type: str = "",
    ) -> tuple[ReceivedPost, SimulatorConfig]:
        """Queue a well-formed upload, unless a knob says otherwise.

        In this order, one knob per POST: hold_then_drop_next_posts (not queued,
        dropped), fail_next_posts (not queued, 500), queue_then_drop_next_posts
        (queued, dropped). Returns the record and the config it was received under.
        """
        result = check_updates(
            body,
            kind=kind,
            mapping=self._startup_config.mapping,
            content_type=content_type,
        )
        received_at = datetime.now(UTC)
        with self._lock:
            config = self._config
            post = ReceivedPost(
                filename, body, received_at, kind=kind, body_format=result.body_format
            )
            if config.hold_then_drop_next_posts > 0:
                self._config = replace(
                    config,
                    hold_then_drop_next_posts=config.hold_then_drop_next_posts - 1,
                )
                post.dropped = True
            elif config.fail_next_posts > 0:
                self._config = replace(
                    config, fail_next_posts=config.fail_next_posts - 1
                )
            else:
                if config.queue_then_drop_next_posts > 0:
                    self._config = replace(
                        config,
                        queue_then_drop_next_posts=(
                            config.queue_then_drop_next_posts - 1
                        ),
                    )
                    post.dropped = True
                post.job_id = secrets.token_hex(8)
                post.ready_at = time.monotonic() + config.processing_delay
                post.completes_at = received_at + timedelta(
                    seconds=config.processing_delay
                )
                post.result = _forced(result, config.status_verdict)
                self._jobs[post.job_id] = post
                heapq.heappush(self._pending, (post.ready_at, next(self._order), post))
                # A zero delay completes now, not at the next request.
                self._settle_locked()
            self._posts.append(post)
        return post, config

    def mark_answered(self, post: ReceivedPost, status_code: int) -> None:
        """Note the status code a POST was (about to be) answered with."""
        with self._lock:
            post.answered_status = status_code

    def poll(self, job_id: str, kind: str = PROGRESS) -> ReceivedPost | None:
        """Count a status request for a job; None when no job of this kind has
        this id (a metric job is not found at the progress status path)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.kind != kind:
                return None
            job.polls += 1
            return job

    def take_status_500(self) -> bool:
        """True when this status request is to be answered 500 (status_500, or
        one of the status_500_next, which counts down)."""
        return self._take_500("status_500", "status_500_next")

    def take_plan_items_500(self) -> bool:
        """True when this plan-items request is to be answered 500 (plan_items_500,
        or one of the plan_items_500_next, which counts down)."""
        return self._take_500("plan_items_500", "plan_items_500_next")

    def _take_500(self, always_knob: str, next_knob: str) -> bool:
        with self._lock:
            config = self._config
            if getattr(config, always_knob):
                return True
            remaining = getattr(config, next_knob)
            if remaining > 0:
                self._config = replace(config, **{next_knob: remaining - 1})
                return True
            return False

    def seed_plans(self, payload: object) -> list[dict[str, Any]]:
        """Add or replace plans from a seed payload; raises PlanError."""
        plans = parse_plans(payload)
        with self._lock:
            self._plans.seed(plans)
            return self._plans.describe(self._config.hidden_plans)

    def describe_plans(self) -> list[dict[str, Any]]:
        """A summary of every plan, as GET /_simulator/plans lists them."""
        with self._lock:
            self._settle_locked()
            return self._plans.describe(self._config.hidden_plans)

    def plan_items_json(
        self, plan_id: str, request: PageRequest | None, shape: str = "list"
    ) -> str | None:
        """One page of a plan's items as JSON text (request None: every item, for
        inspection); None when the plan is unknown. Visibility is the caller's."""
        with self._lock:
            self._settle_locked()
            plan = self._plans.get(plan_id)
            if plan is None:
                return None
            if request is None:
                return json.dumps(
                    {"id": plan.plan_id, "name": plan.name, "items": plan.items}
                )
            # Serialized under the lock: a job applied meanwhile cannot tear a page.
            items = self._plans.page(plan, request)
            if shape == "wrapped":
                return json.dumps(
                    {
                        "items": items,
                        "skip": request.skip,
                        "take": request.take,
                        "total": len(plan.items),
                    }
                )
            return json.dumps(items)

    def describe_posts(self) -> list[dict[str, Any]]:
        """Every POST received, oldest first, as /_simulator/jobs lists them."""
        api_key = self._startup_config.api_key
        described = []
        with self._lock:
            self._settle_locked()
            for post in self._posts:
                state = post.state
                described.append(
                    {
                        "job_id": post.job_id,
                        "kind": post.kind,
                        "format": post.body_format,
                        "filename": redact(post.filename, api_key),
                        "received_at": post.received_at.isoformat(
                            timespec="milliseconds"
                        ),
                        "completes_at": post.completes_at.isoformat(
                            timespec="milliseconds"
                        )
                        if post.completes_at is not None
                        else None,
                        "body": redact(
                            post.body.decode("utf-8", errors="replace"), api_key
                        ),
                        "bytes": len(post.body),
                        "answered_status": post.answered_status,
                        "dropped": post.dropped,
                        "state": state,
                        "rows": post.result.rows,
                        "errors": _error_dicts(post) if state == "failed" else [],
                        "polls": post.polls,
                        "applied_items": post.applied_items,
                    }
                )
            return described


def _forced(result: CheckResult, status_verdict: str | None) -> CheckResult:
    # A forced success applies the well-formed records only.
    if status_verdict == "succeed":
        return replace(result, errors=[])
    if status_verdict == "fail":
        message = "failed on purpose (simulator status_verdict=fail)"
        return replace(result, errors=[RowError(None, message)])
    return result


def _error_dicts(post: ReceivedPost) -> list[dict[str, object]]:
    return [error.as_dict() for error in post.result.errors]


def redact(text: str, api_key: str) -> str:
    """`text` with every occurrence of the API key masked."""
    return text.replace(api_key, "[redacted]") if api_key else text
