"""Server time of the portal's busiest pages with 1,000 and with 100,000 uploads.

Needs PostgreSQL: DATABASE_URL must point at a PostgreSQL server (any database on
it; the bench creates its own `portal_bench_pages` there and drops it after). It
writes 1,000 uploads of ten teams (each with five rows and the five to nine audit
events the pipeline writes for it), times every page in PAGES with Django's test
Client, grows the same history to 100,000 uploads (about 580,000 events, spread
among the first ones' days, written with COPY), and times them again. Per page:
the median server time of several runs and the number of queries, at both sizes.

Target: the larger at most 1.5x the smaller, with the same number of queries.
Run: ``python -m bench.bench_pages [SMALL LARGE]``.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench.scratch import ADMIN_URL

# WhiteNoise looks for collected static files, which a bench does not need.
warnings.filterwarnings("ignore", message="No directory at")

REPO = Path(__file__).resolve().parent.parent
DATABASE = "portal_bench_pages"
SIZES = (1_000, 100_000)
TEAMS = 10
ITEMS_PER_TEAM = 20
ROWS_PER_UPLOAD = 5
SPAN = datetime.timedelta(days=365)  # the history covers the last year
RUNS = 15

# (name, who asks, path): who is "member" (one team of ten) or "staff" (all).
# A path may be a function of the moment the measuring starts.
Page = tuple[str, str, "str | Callable[[datetime.datetime], str]"]
PAGES: list[Page] = [
    ("dashboard", "member", "/"),
    ("dashboard", "staff", "/"),
    ("history", "member", "/history/"),
    ("history", "staff", "/history/"),
    ("history, one External ID", "member", "/history/?external_id=T00-ITEM-07"),
    (
        # Wide enough that even the small history fills a page of 50.
        "history, failures until a month ago",
        "staff",
        lambda now: (
            "/history/?action=upload.failed"
            f"&date_from={now - SPAN:%Y-%m-%d}"
            f"&date_to={now - datetime.timedelta(days=30):%Y-%m-%d}"
        ),
    ),
    (
        "history, half a year back",
        "member",
        lambda now: (
            # Any id settles the tie (it is masked, 16 hex digits).
            f"/history/?older={now - datetime.timedelta(days=182):%Y%m%dT%H%M%S%f}"
            "-0000000000000000"
        ),
    ),
]


def _database_urls() -> tuple[str, str]:
    """(the server as DATABASE_URL names it, else the local one the other benches
    use, and the bench's own database on it)."""
    url = os.environ.get("DATABASE_URL") or ADMIN_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise RuntimeError("DATABASE_URL must point at a PostgreSQL database")
    parts = urlsplit(url)
    return url, urlunsplit(parts._replace(path=f"/{DATABASE}"))


def _admin(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def run(sizes: tuple[int, int] = SIZES) -> list[tuple[str, ...]]:
    """Build, measure, grow, measure; return the table's rows."""
    try:
        server_url, bench_url = _database_urls()
        _admin(server_url, f"DROP DATABASE IF EXISTS {DATABASE}")
        _admin(server_url, f"CREATE DATABASE {DATABASE}")
    except (RuntimeError, psycopg.Error) as error:
        return [("pages", "-", f"skipped: {error}", "-", "-")]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_ENV_FILE": "",
            "DATABASE_URL": bench_url,
            "SECRET_KEY": "bench-only",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_COOKIES": "false",
            # The test client speaks plain HTTP (TLS is the proxy's).
            "SECURE_SSL_REDIRECT": "false",
            "ACHIEVEIT_API_KEY": "bench",
            "LOG_LEVEL": "ERROR",
        }
    )
    try:
        return _build_and_measure(sizes)
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP_DATABASE"):  # kept to EXPLAIN a page
            _admin(server_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def _build_and_measure(sizes: tuple[int, int]) -> list[tuple[str, ...]]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    history = _History(random.Random(8))
    rows: list[tuple[str, ...]] = []
    results: dict[tuple[str, str, int], tuple[float, int]] = {}
    # Pages render with plain static URLs: no collectstatic manifest here.
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with override_settings(STORAGES=plain_static):
        for size in sizes:
            started = time.perf_counter()
            events = history.grow_to(size)
            built = time.perf_counter() - started
            print(
                f"  {size:,} uploads, {events:,} audit events: built in {built:.0f} s",
                file=sys.stderr,
            )
            for name, who, path in PAGES:
                results[(name, who, size)] = _measure(history.users[who], path)
    small, large = sizes
    for name, who, _ in PAGES:
        (small_ms, small_queries), (large_ms, large_queries) = (
            results[(name, who, small)],
            results[(name, who, large)],
        )
        for size, ms, queries in (
            (small, small_ms, small_queries),
            (large, large_ms, large_queries),
        ):
            rows.append((f"{name} ({who})", f"{size:,}", f"{ms:.1f}", str(queries), ""))
        ratio = large_ms / small_ms if small_ms else float("inf")
        verdict = "ok" if ratio <= 1.5 and small_queries == large_queries else "OVER"
        rows[-1] = (*rows[-1][:4], f"{ratio:.2f}x {verdict}")
    return rows


def _measure(user: Any, path: str | Callable[[datetime.datetime], str]) -> tuple:
    """(median server milliseconds, queries) of one page for one person."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client = Client()
    client.force_login(user)
    url = path(timezone.now()) if callable(path) else path
    for _ in range(2):  # warm the caches the way a running server has them warm
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), len(queries.captured_queries)


class _History:
    """Uploads of ten teams over the last year, each with its rows and events, grown
    in place: the second size adds uploads among the first ones' days."""

    def __init__(self, rng: random.Random) -> None:
        from django.contrib.auth.models import User
        from django.utils import timezone

        from uploads.models import Membership, PlanItem, Team

        self.rng = rng
        self.now = timezone.now()
        self.uploads = 0
        self.events = 0
        self.teams = [
            Team.objects.create(slug=f"team-{n:02d}", name=f"Team {n:02d}")
            for n in range(TEAMS)
        ]
        self.people = []
        for team in self.teams:
            person = User.objects.create_user(f"{team.slug}-owner")
            Membership.objects.create(user=person, team=team, role="uploader")
            self.people.append(person)
        member = User.objects.create_user("member")
        Membership.objects.create(user=member, team=self.teams[0], role="uploader")
        self.people[0] = member
        staff = User.objects.create_user("operator", is_staff=True)
        self.users = {"member": member, "staff": staff}
        self.items = [
            [f"T{n:02d}-ITEM-{i:02d}" for i in range(ITEMS_PER_TEAM)]
            for n in range(TEAMS)
        ]
        PlanItem.objects.bulk_create(
            PlanItem(team=team, external_id=external_id, has_metric=True)
            for team, ids in zip(self.teams, self.items, strict=True)
            for external_id in ids
        )

    def grow_to(self, size: int, batch: int = 20_000) -> int:
        """Add uploads until there are `size`; return the number of events."""
        from django.db import connection

        from uploads.models import AuditEvent, Upload, UploadRow

        while self.uploads < size:
            count = min(batch, size - self.uploads)
            uploads, rows, events = self._batch(self.uploads + 1, count)
            _copy(Upload, uploads)
            _copy(UploadRow, rows)
            # Written as they happen: in time order, so ids rise with time.
            _copy(AuditEvent, sorted(events, key=lambda event: event["at"]))
            self.uploads += count
            self.events += len(events)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('uploads_upload', 'id'), %s)",
                [self.uploads],
            )
            # What autovacuum does on a live server between two page views.
            for model in (Upload, UploadRow, AuditEvent):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        return self.events

    def _batch(self, first_id: int, count: int) -> tuple[list, list, list]:
        uploads, rows, events = [], [], []
        for upload_id in range(first_id, first_id + count):
            number = self.rng.randrange(TEAMS)
            team, person = self.teams[number], self.people[number]
            created = self.now - SPAN * self.rng.random()
            state, steps = self._story()
            uploads.append(
                {
                    "id": upload_id,
                    "team_id": team.pk,
                    "created_by_id": person.pk,
                    "source": "csv",
                    "original_name": f"updates-{upload_id}.csv",
                    "row_count": ROWS_PER_UPLOAD,
                    "state": state,
                    "created_at": created,
                    "updated_at": created,
                    "job_id": f"job-{upload_id:06x}",
                }
            )
            for line, external_id in enumerate(
                self.rng.sample(self.items[number], ROWS_PER_UPLOAD), start=2
            ):
                rows.append(
                    {
                        "upload_id": upload_id,
                        "line": line,
                        "external_id": external_id,
                        "status": "On Track",
                        "value": "0.5",
                        "as_of_date": created.date(),
                    }
                )
            for seconds, action, by_person, details in steps:
                events.append(
                    {
                        "at": created + datetime.timedelta(seconds=seconds),
                        "actor_id": person.pk if by_person else None,
                        "team_id": team.pk,
                        "upload_id": upload_id,
                        "action": action,
                        "details": details,
                    }
                )
        return uploads, rows, events

    def _story(self) -> tuple[str, list[tuple[int, str, bool, dict]]]:
        """An upload's final state and its events (seconds after it was made)."""
        steps = [
            (0, "upload.created", True, {"rows": ROWS_PER_UPLOAD, "errors": 0}),
            (40, "upload.confirmed", True, {}),
            (41, "submit.started", False, {"attempt": 1}),
        ]
        if self.rng.random() < 0.2:  # AchieveIt was busy: a retry first
            steps += [
                (42, "submit.retry_scheduled", False, {"reason": "503", "attempt": 1}),
                (60, "submit.started", False, {"attempt": 2}),
            ]
        steps.append((61, "submit.queued", False, {"job_id": "73a0b6"}))
        roll = self.rng.random()
        if roll < 0.8:
            return "succeeded", [*steps, (90, "upload.succeeded", False, {})]
        problem = "upload.failed" if roll < 0.9 else "upload.needs_review"
        steps += [
            (90, problem, False, {"reason": "AchieveIt said 400"}),
            (91, "notification.sent", False, {"recipients": 2}),
            (3600, "upload.resolved", True, {"note": "checked in AchieveIt"}),
        ]
        return "resolved", steps


def _copy(model: Any, records: Iterable[dict[str, Any]]) -> None:
    """Write records with COPY: every concrete column, given or its default."""
    from django.db import connection

    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and model._meta.db_table != "uploads_upload")
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    defaults = {field.attname: field.get_default() for field in fields}
    # A callable default (an upload's public_id) is made afresh for each row.
    fresh = {field.attname: field for field in fields if callable(field.default)}

    def text(value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value if value is None else str(value)

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for record in records:
            copy.write_row(
                [
                    text(
                        record[field.attname]
                        if field.attname in record
                        else fresh[field.attname].get_default()
                        if field.attname in fresh
                        else defaults[field.attname]
                    )
                    for field in fields
                ]
            )


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    header = ("page", "uploads", "server ms", "queries", "large/small")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    print(f"\n{title}\n{'-' * len(title)}")
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.ljust(width) for cell, width in zip(row, widths, strict=True)
            )
        )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    chosen = tuple(int(arg) for arg in sys.argv[1:3]) or SIZES
    print_table(
        "Pages: server time with a small and a large history (PostgreSQL)",
        run(chosen),  # type: ignore[arg-type]
    )
