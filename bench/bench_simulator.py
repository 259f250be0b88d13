"""How many upload POSTs per second the AchieveIt simulator takes.

Run: ``python -m bench.bench_simulator [COUNT]`` from the repository root. Larger
benchmarks import `measure_simulator_throughput` and point it at their own simulator.
"""

from __future__ import annotations

import sys
import time

import requests

TEN_ROW_CSV = (
    "External ID,Status,Current Value,As Of Date\n"
    + "".join(
        f"BENCH-{number:02d},On Track,0.{number},2026-10-31\n" for number in range(10)
    )
).encode()


def measure_simulator_throughput(
    base_url: str, api_key: str, count: int = 1000
) -> float:
    """Send `count` 10-row uploads one after another; return POSTs per second.

    Uses one keep-alive session, so the figure is the server's, not TCP set-up's.
    Raises RuntimeError when any POST is not answered 200.
    """
    headers = {"Authorization": f"API-KEY {api_key}"}
    with requests.Session() as session:
        started = time.perf_counter()
        for number in range(count):
            answer = session.post(
                f"{base_url}/api/progressupdates/bench-{number}.csv",
                data=TEN_ROW_CSV,
                headers=headers,
                timeout=10,
            )
            if answer.status_code != 200:
                raise RuntimeError(
                    f"POST {number} answered {answer.status_code}: {answer.text[:200]}"
                )
        elapsed = time.perf_counter() - started
    return count / elapsed


def main(count: int = 1000) -> None:
    """Start a quiet in-process simulator and print its throughput."""
    from simulator import SimulatorConfig, serve_in_thread

    api_key = "bench-key"
    server = serve_in_thread(SimulatorConfig(api_key=api_key, processing_delay=0))
    try:
        posts_per_second = measure_simulator_throughput(server.base_url, api_key, count)
    finally:
        server.stop()
    print(f"simulator: {posts_per_second:.0f} POSTs/s ({count} sequential uploads)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
