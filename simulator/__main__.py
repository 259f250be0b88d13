"""Command line: ``python -m simulator --port 8765 --api-key KEY [options]``.

The key may come from the ACHIEVEIT_API_KEY environment variable instead, which keeps
it out of the process list.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from simulator.csvrules import MappingError, load_mapping
from simulator.plans import PlanError, parse_plans
from simulator.server import (
    JOB_ID_SHAPES,
    ConfigError,
    SimulatorConfig,
    make_server,
)


def build_parser() -> argparse.ArgumentParser:
    """The simulator's command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Stand-in AchieveIt API (see simulator/README.md).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=8765, help="0 picks a free port (printed)"
    )
    parser.add_argument(
        "--api-key", help="the accepted key (default: $ACHIEVEIT_API_KEY)"
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        help="CSV 'External ID,Name,Has Metric': unknown IDs then fail processing",
    )
    parser.add_argument(
        "--plans",
        type=Path,
        help='JSON plan seed {"plans": [...]} served by GET /plans/<id>/items',
    )
    parser.add_argument("--processing-delay", type=float, default=2.0, metavar="S")
    parser.add_argument("--job-id-shape", choices=JOB_ID_SHAPES, default="json")
    parser.add_argument("--fail-next-posts", type=int, default=0, metavar="N")
    parser.add_argument("--post-delay", type=float, default=0.0, metavar="S")
    parser.add_argument("--post-hang", action="store_true")
    parser.add_argument("--status-500", action="store_true")
    parser.add_argument("--status-verdict", choices=("succeed", "fail"))
    parser.add_argument("--quiet", action="store_true", help="no request log")
    return parser


def load_plan_seed(path: Path) -> Any:
    """The JSON plan seed in `path`, checked; raises ConfigError."""
    try:
        seed = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"cannot read plan seed {path}: {error}") from error
    try:
        parse_plans(seed)
    except PlanError as error:
        raise ConfigError(f"{path}: {error}") from error
    return seed


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until SIGINT or SIGTERM; returns the exit status."""
    stop_requested = threading.Event()

    def request_stop(signal_number: int, frame: FrameType | None) -> None:
        stop_requested.set()

    # Installed first, so an early Ctrl-C also exits quietly.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    parser = build_parser()
    args = parser.parse_args(argv)
    api_key = args.api_key or os.environ.get("ACHIEVEIT_API_KEY", "")
    if not api_key:
        parser.error("give --api-key or set ACHIEVEIT_API_KEY")
    try:
        mapping = load_mapping(args.mapping) if args.mapping else None
        plans = load_plan_seed(args.plans) if args.plans else None
        config = SimulatorConfig(
            api_key=api_key,
            mapping=mapping,
            plans=plans,
            processing_delay=args.processing_delay,
            job_id_shape=args.job_id_shape,
            fail_next_posts=args.fail_next_posts,
            post_delay=args.post_delay,
            post_hang=args.post_hang,
            status_500=args.status_500,
            status_verdict=args.status_verdict,
        )
    except (MappingError, ConfigError) as error:
        parser.error(str(error))

    try:
        server = make_server(
            args.host, args.port, config, log_stream=None if args.quiet else sys.stderr
        )
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    serving_thread = threading.Thread(target=server.serve_forever, daemon=True)
    serving_thread.start()
    mapped = f", {len(mapping)} mapped External IDs" if mapping is not None else ""
    if plans is not None:
        count = len(plans["plans"])
        mapped += f", {count} plan{'' if count == 1 else 's'}"
    print(
        f"AchieveIt simulator listening on {server.base_url} "
        f"(processing delay {config.processing_delay:g}s{mapped})",
        flush=True,
    )
    stop_requested.wait()
    server.stop()
    serving_thread.join(timeout=5)
    print("AchieveIt simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
