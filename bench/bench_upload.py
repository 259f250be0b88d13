"""A 100,000-row file through the upload page, on PostgreSQL.

Measures what a person waits for: the POST of the file until the preview's address
comes back (checked, stored as a draft with its rows), then the preview page itself,
and the peak memory of the process serving them (a web worker's share). Targets:
under 2 s to the preview, under 300 MB.

A scratch database `portal_bench_upload` is made and dropped. The team's 100,000
plan items are loaded in a separate process first, so their cost is not counted in
the peak. Run: ``python -m bench.bench_upload``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scratch import ScratchDatabase

REPO = Path(__file__).resolve().parent.parent
DATABASE = ScratchDatabase("portal_bench_upload")
ROWS = 100_000
STATUSES = ("On Track", "Off Track", "At Risk", "Achieved", "Not Started")


def make_file(rows: int = ROWS) -> bytes:
    """A clean weekly export: one row per plan item, a percentage now and then."""
    lines = ["External ID,Status,Current Value,As Of Date"]
    for number in range(rows):
        value = f"{number % 100}%" if number % 7 == 0 else str(number * 3)
        lines.append(
            f"ITEM-{number:06d},{STATUSES[number % len(STATUSES)]},{value},2026-11-27"
        )
    return ("\n".join(lines) + "\n").encode()


def _setup_django() -> None:
    os.environ.update(
        {
            # The real settings with plain static files (no collectstatic needed).
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": DATABASE.url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only",
            "PORTAL_ENV_FILE": "",
            "ALLOWED_HOSTS": "testserver",
            "UPLOAD_MAX_ROWS": str(ROWS),
            # Checked in the request, as a file under CHECK_IN_WORKER_BYTES is (a
            # bigger one goes to a worker: bench_stall measures that path).
            "CHECK_IN_WORKER_BYTES": str(100_000_000),
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def prepare(private_dir: str) -> None:
    """Migrate, and make the team, its 100,000 plan items and its uploader."""
    os.environ["PRIVATE_STORAGE_DIR"] = private_dir
    _setup_django()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from uploads.models import Membership, PlanItem, Team

    call_command("migrate", verbosity=0)
    team = Team.objects.create(slug="bench", name="Bench")
    PlanItem.objects.bulk_create(
        (
            PlanItem(team=team, external_id=f"ITEM-{n:06d}", has_metric=True)
            for n in range(ROWS)
        ),
        batch_size=5000,
    )
    user = User.objects.create_user("alice")
    Membership.objects.create(user=user, team=team, role=Membership.Role.UPLOADER)


def measure(private_dir: str) -> dict[str, float]:
    """POST the file through the page and open the preview, as alice."""
    os.environ["PRIVATE_STORAGE_DIR"] = private_dir
    _setup_django()
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from uploads.models import Upload

    data = make_file()
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    client.get("/teams/bench/upload/")  # warm: templates, url resolvers
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    response = client.post(
        "/teams/bench/upload/", {"file": SimpleUploadedFile("week.csv", data)}
    )
    post_seconds = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    started = time.perf_counter()
    preview = client.get(response["Location"])
    preview_seconds = time.perf_counter() - started
    assert preview.status_code == 200
    upload = Upload.objects.get()
    assert upload.row_count == ROWS, upload.row_count
    return {
        "post_seconds": post_seconds,
        "preview_seconds": preview_seconds,
        "preview_kb": len(preview.content) / 1024,
        "rss_before_mb": before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "file_mb": len(data) / 1_000_000,
    }


def run() -> list[tuple[str, str]]:
    DATABASE.create()
    try:
        with tempfile.TemporaryDirectory() as private_dir:
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            for step in ("prepare", "measure"):
                result = subprocess.run(
                    [sys.executable, "-m", "bench.bench_upload", step, private_dir],
                    cwd=REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise RuntimeError(f"{step} failed:\n{result.stderr}")
            figures = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        DATABASE.drop()
    post, peak = figures["post_seconds"], figures["peak_rss_mb"]
    return [
        ("file", f"{ROWS:,} rows, {figures['file_mb']:.1f} MB"),
        (
            "POST of the file to the preview's address",
            f"{post:.2f} s (target < 2 s: {'met' if post < 2 else 'MISSED'})",
        ),
        (
            "the preview page",
            f"{figures['preview_seconds']:.2f} s, {figures['preview_kb']:.0f} KB",
        ),
        (
            "peak memory of the serving process",
            f"{peak:.0f} MB (target < 300 MB: {'met' if peak < 300 else 'MISSED'};"
            f" {figures['rss_before_mb']:.0f} MB before the POST)",
        ),
    ]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "prepare":
        prepare(sys.argv[2])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2])))
        return
    from bench.bench_pipeline import print_table

    print_table("Upload page: a 100,000-row file on PostgreSQL", run())


if __name__ == "__main__":
    main()
