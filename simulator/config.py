"""The simulator's configuration: the start-up settings and the run-time knobs.

POST /_simulator/config merges a JSON object of knobs into the live config; a bad name
or value is refused with ConfigError (a 400 naming the knob).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

JOB_ID_SHAPES = ("json", "text", "quoted")
STATUS_VERDICTS = (None, "succeed", "fail")
PLAN_ITEMS_SHAPES = ("list", "wrapped", "wrong", "html")
KNOB_NAMES = (
    "processing_delay",
    "job_id_shape",
    "fail_next_posts",
    "post_delay",
    "post_hang",
    "queue_then_drop_next_posts",
    "hold_then_drop_next_posts",
    "hold_seconds",
    "status_500",
    "status_500_next",
    "status_verdict",
    "hidden_plans",
    "plan_items_shape",
    "plan_items_500",
    "plan_items_500_next",
)


class ConfigError(ValueError):
    """A fault-knob value was rejected (the message names the knob)."""


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that decides how the simulator answers.

    `api_key`, `mapping` and `plans` (a plan seed, see simulator.plans) are fixed at
    start-up; the rest are the knobs that POST /_simulator/config may change at run
    time.
    """

    api_key: str
    mapping: Mapping[str, bool] | None = None
    plans: Mapping[str, Any] | None = None
    processing_delay: float = 2.0
    job_id_shape: str = "json"
    fail_next_posts: int = 0
    post_delay: float = 0.0
    post_hang: bool = False
    status_500: bool = False
    # The next this many status answers are 500, then answers go back to normal.
    status_500_next: int = 0
    status_verdict: str | None = None
    # The next this many well-formed POSTs are queued, then their connection is
    # closed without an answer (the job exists and completes as usual).
    queue_then_drop_next_posts: int = 0
    # The next this many well-formed POSTs are read, held hold_seconds, and their
    # connection closed without an answer; no job is created.
    hold_then_drop_next_posts: int = 0
    hold_seconds: float = 0.5
    # Plan IDs the key's user cannot see: GET /plans/<id>/items answers 403.
    hidden_plans: tuple[str, ...] = ()
    plan_items_shape: str = "list"
    plan_items_500: bool = False
    plan_items_500_next: int = 0

    def __post_init__(self) -> None:
        for name in KNOB_NAMES:
            _check_knob(name, getattr(self, name))
        # JSON gives a list; kept as a tuple so a config stays immutable.
        object.__setattr__(self, "hidden_plans", tuple(self.hidden_plans))

    def __repr__(self) -> str:
        # Keep the key out of any traceback or debug print of a config.
        return (
            f"SimulatorConfig({self.knobs()!r}, mapping={self.mapping is not None}, "
            f"plans={self.plans is not None})"
        )

    def knobs(self) -> dict[str, Any]:
        """The run-time settings, as POST /_simulator/config reads and answers them."""
        knobs = {name: getattr(self, name) for name in KNOB_NAMES}
        knobs["hidden_plans"] = list(self.hidden_plans)
        return knobs

    def with_changes(self, changes: Mapping[str, Any]) -> SimulatorConfig:
        """A copy with some knobs changed; raises ConfigError on a bad name or value."""
        unknown = sorted(set(changes) - set(KNOB_NAMES))
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return replace(self, **changes)


def _check_knob(name: str, value: object) -> None:
    if name in ("processing_delay", "post_delay", "hold_seconds"):
        valid = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        )
        expected = "a number of seconds >= 0"
    elif name in (
        "fail_next_posts",
        "status_500_next",
        "queue_then_drop_next_posts",
        "hold_then_drop_next_posts",
        "plan_items_500_next",
    ):
        valid = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        expected = "a whole number >= 0"
    elif name in ("post_hang", "status_500", "plan_items_500"):
        valid = isinstance(value, bool)
        expected = "true or false"
    elif name == "job_id_shape":
        valid = value in JOB_ID_SHAPES
        expected = " | ".join(JOB_ID_SHAPES)
    elif name == "status_verdict":
        valid = value in STATUS_VERDICTS
        expected = 'null | "succeed" | "fail"'
    elif name == "plan_items_shape":
        valid = value in PLAN_ITEMS_SHAPES
        expected = " | ".join(PLAN_ITEMS_SHAPES)
    elif name == "hidden_plans":
        valid = isinstance(value, list | tuple) and all(
            isinstance(plan_id, str) for plan_id in value
        )
        expected = "a list of plan IDs"
    else:
        valid, expected = False, "a known setting"
    if not valid:
        raise ConfigError(f"{name} must be {expected}, not {value!r}")
