"""A stand-in AchieveIt server for local runs and tests (standard library only).

Run it with ``python -m simulator --port 8765 --api-key KEY``; from Python, use
``serve_in_thread(SimulatorConfig(api_key=...))``. simulator/README.md describes the
endpoints, the knobs, and which behaviour the vendor documents and which is assumed.
"""

from __future__ import annotations

from simulator.csvrules import check_progress_csv, check_updates, load_mapping
from simulator.server import SimulatorConfig, make_server, serve_in_thread

__all__ = [
    "SimulatorConfig",
    "check_progress_csv",
    "check_updates",
    "load_mapping",
    "make_server",
    "serve_in_thread",
]
