"""`make bench`: every benchmark, each in its own process (each sets up Django its
own way), each printing its table."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "bench.bench_csvformat",
    "bench.bench_pipeline",
    "bench.bench_upload",
    "bench.bench_import",
    "bench.bench_pages",
    "bench.bench_api",
    "bench.bench_stall",
    "bench.bench_plans",
    "bench.bench_spreadsheet",
]


def main() -> int:
    failed = 0
    for module in MODULES:
        result = subprocess.run([sys.executable, "-m", module], check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
