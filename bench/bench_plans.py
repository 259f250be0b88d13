"""Syncing a 100,000-item plan (67 pages) from the simulator, and the read-back
of 500 uploads of one team, on a scratch SQLite database (or DATABASE_URL).

Targets: the sync under 30 s; the read-back one paged read of the plan per sweep
(the calls are counted). Run: ``python -m bench.bench_plans``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ITEMS = 100_000
UPLOADS = 500
TARGET_SECONDS = 30


def main() -> int:
    folder = tempfile.mkdtemp(prefix="bench-plans-")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(folder) / 'bench.db'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from simulator.config import SimulatorConfig
    from simulator.server import serve_in_thread
    from uploads import achieveit
    from uploads.models import Team, Upload, UploadRow
    from uploads.services import plans, readback

    call_command("migrate", verbosity=0)
    seed = {"plans": [{"id": "plan-big", "generate": {"count": ITEMS}}]}
    server = serve_in_thread(SimulatorConfig(api_key="bench-key", plans=seed))
    settings.ACHIEVEIT_BASE_URL = server.base_url
    settings.ACHIEVEIT_API_KEY = "bench-key"
    calls: list[int] = []
    real_page = achieveit._plan_page

    def counted(*args, **kwargs):
        calls.append(1)
        return real_page(*args, **kwargs)

    achieveit._plan_page = counted
    team = Team.objects.create(slug="bench", name="Bench")
    plans.plan_link(team=team, plan_id="plan-big")
    started = time.monotonic()
    result = plans.sync_apply(team=team)
    sync_seconds = time.monotonic() - started
    sync_pages = len(calls)
    print(
        f"sync of {ITEMS} items: {sync_seconds:.1f} s, {sync_pages} pages, "
        f"{result.summary()} (target < {TARGET_SECONDS} s)"
    )

    posted_at = timezone.now() - timedelta(seconds=settings.READBACK_GIVE_UP + 10)
    for n in range(UPLOADS):
        upload = Upload.objects.create(
            team=team,
            source="csv",
            state=Upload.State.NEEDS_REVIEW,
            row_count=1,
            submitting_since=posted_at,
        )
        UploadRow.objects.create(
            upload=upload,
            line=2,
            external_id=f"GEN-{n + 1}",
            status="On Track",
            as_of_date=posted_at.date(),
        )
    calls.clear()
    started = time.monotonic()
    counts = readback.readback_team(team_id=team.pk, claimed=False)
    print(
        f"read-back of {UPLOADS} uploads: {time.monotonic() - started:.1f} s, "
        f"{len(calls)} page calls = one paged read of {sync_pages} pages; {counts}"
    )
    server.stop()
    ok = sync_seconds < TARGET_SECONDS and len(calls) == sync_pages
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
