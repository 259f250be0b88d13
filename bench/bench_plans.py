"""Syncing a 100,000-item plan (67 pages) from the simulator, and the read-back
of 500 uploads of one team, on a scratch SQLite database (or DATABASE_URL).

Targets: the sync under 30 s; the read-back one paged read of the plan per sweep
(the calls are counted). The simulator runs in its own process, as AchieveIt would
(in a thread it would share this interpreter's lock with the portal's own work).
A second sync of the same plan (nothing changed) is timed too.
Run: ``python -m bench.bench_plans``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests

from bench.scratch import REPO, free_port

ITEMS = 100_000
UPLOADS = 500
TARGET_SECONDS = 30
API_KEY = "bench-key"


def main() -> int:
    folder = tempfile.mkdtemp(prefix="bench-plans-")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(folder) / 'bench.db'}")
    os.environ.setdefault("PRIVATE_STORAGE_DIR", str(Path(folder) / "private"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # A line per page would drown the figures.
    logging.getLogger("uploads.achieveit").setLevel(logging.WARNING)
    seed_file = Path(folder) / "plans.json"
    seed = {"plans": [{"id": "plan-big", "generate": {"count": ITEMS}}]}
    seed_file.write_text(json.dumps(seed), encoding="utf-8")
    port = free_port()
    simulator = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", str(port), "--quiet"]
        + ["--api-key", API_KEY, "--plans", str(seed_file)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_for(f"{base_url}/_simulator/health")
        settings.ACHIEVEIT_BASE_URL = base_url
        settings.ACHIEVEIT_API_KEY = API_KEY
        return _measure()
    finally:
        simulator.send_signal(signal.SIGTERM)
        simulator.wait(timeout=30)


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _measure() -> int:
    from django.conf import settings
    from django.utils import timezone

    from uploads import achieveit_plans
    from uploads.models import Team, Upload, UploadRow
    from uploads.services import plans, readback

    calls: list[int] = []
    real_page = achieveit_plans._plan_page

    def counted(*args: object, **kwargs: object) -> str:
        calls.append(1)
        return real_page(*args, **kwargs)

    achieveit_plans._plan_page = counted
    team = Team.objects.create(slug="bench", name="Bench")
    plans.plan_link(team=team, plan_id="plan-big")
    cpu, started = time.process_time(), time.monotonic()
    result = plans.sync_apply(team=team)
    sync_seconds = time.monotonic() - started
    sync_pages = len(calls)
    print(
        f"sync of {ITEMS} items: {sync_seconds:.1f} s ({time.process_time() - cpu:.1f}"
        f" s CPU here), {sync_pages} pages, {result.summary()} "
        f"(target < {TARGET_SECONDS} s)"
    )
    cpu, started = time.process_time(), time.monotonic()
    result = plans.sync_apply(team=team)
    print(
        f"sync again, nothing changed: {time.monotonic() - started:.1f} s "
        f"({time.process_time() - cpu:.1f} s CPU here), {result.summary()}"
    )

    posted_at = timezone.now() - timedelta(seconds=settings.READBACK_GIVE_UP + 10)
    uploads = Upload.objects.bulk_create(
        Upload(
            team=team,
            source="csv",
            state=Upload.State.NEEDS_REVIEW,
            row_count=1,
            submitting_since=posted_at,
        )
        for _ in range(UPLOADS)
    )
    UploadRow.objects.bulk_create(
        UploadRow(
            upload=upload,
            line=2,
            external_id=f"GEN-{n + 1}",
            status="On Track",
            as_of_date=posted_at.date(),
        )
        for n, upload in enumerate(uploads)
    )
    calls.clear()
    started = time.monotonic()
    counts = readback.readback_team(team_id=team.pk, claimed=False)
    print(
        f"read-back of {UPLOADS} uploads: {time.monotonic() - started:.1f} s, "
        f"{len(calls)} page calls = one paged read of {sync_pages} pages; {counts}"
    )
    ok = sync_seconds < TARGET_SECONDS and len(calls) == sync_pages
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
