"""Importing a 100,000-item External ID mapping, on PostgreSQL.

Times `plan_items_import` (with `read_mapping`, as the page and the command use
them) for 100,000 new items, then for the same 100,000 items all renamed; then the
same two through the `import_plan_items` command, for another team. Target: each
under 10 s.

A scratch database `portal_bench_import` is made and dropped. Run:
``python -m bench.bench_import``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scratch import ScratchDatabase

REPO = Path(__file__).resolve().parent.parent
DATABASE = ScratchDatabase("portal_bench_import")
ITEMS = 100_000
TARGET_SECONDS = 10


def make_mapping(prefix: str, name: str, items: int = ITEMS) -> bytes:
    """A mapping file: a header, then one row per item, every third with a metric."""
    lines = ["External ID,Name,Has Metric"]
    lines += [
        f"{prefix}-{n:06d},{name} {n},{'yes' if n % 3 == 0 else 'no'}"
        for n in range(items)
    ]
    return ("\n".join(lines) + "\n").encode()


def measure(folder: str) -> dict[str, float]:
    """Each import in turn, timed from the file's bytes to the committed result."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": DATABASE.url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only",
            "PORTAL_ENV_FILE": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from uploads.models import PlanItem
    from uploads.services.mapping import plan_items_import, read_mapping
    from uploads.services.teams import team_create

    call_command("migrate", verbosity=0)
    service_team, _ = team_create(slug="bench-service")
    team_create(slug="bench-command")
    figures: dict[str, float] = {}
    for step, name in (("new", "Item"), ("updated", "Renamed item")):
        data = make_mapping("SRV", name)
        started = time.perf_counter()
        result = plan_items_import(team=service_team, items=read_mapping(data))
        figures[f"service_{step}"] = time.perf_counter() - started
        assert result.created + result.updated == ITEMS, result
    for step, name in (("new", "Item"), ("updated", "Renamed item")):
        path = Path(folder) / f"{step}.csv"
        path.write_bytes(make_mapping("CMD", name))
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command(
                "import_plan_items", str(path), team="bench-command", stdout=quiet
            )
        figures[f"command_{step}"] = time.perf_counter() - started
    assert PlanItem.objects.filter(name__startswith="Renamed").count() == 2 * ITEMS
    return figures


def run() -> list[tuple[str, str]]:
    DATABASE.create()
    try:
        with tempfile.TemporaryDirectory() as folder:
            result = subprocess.run(
                [sys.executable, "-m", "bench.bench_import", "measure", folder],
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"measure failed:\n{result.stderr}")
            figures = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        DATABASE.drop()

    def row(label: str, key: str) -> tuple[str, str]:
        seconds = figures[key]
        verdict = "met" if seconds < TARGET_SECONDS else "MISSED"
        return (label, f"{seconds:.2f} s (target < {TARGET_SECONDS} s: {verdict})")

    return [
        ("mapping", f"{ITEMS:,} items"),
        row("service: all new", "service_new"),
        row("service: all renamed", "service_updated"),
        row("import_plan_items command: all new", "command_new"),
        row("import_plan_items command: all renamed", "command_updated"),
    ]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2])))
        return
    from bench.bench_pipeline import print_table

    print_table("Mapping import: 100,000 plan items on PostgreSQL", run())


if __name__ == "__main__":
    main()
