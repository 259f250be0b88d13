"""How fast and how lean ``uploads.csvformat`` checks a large upload.

Generates a realistic 100,000-row file in memory (a header, 2,000 plan items over
50 weeks, several date forms, some percentages and lower-case statuses, a few real
errors), then measures in one run:

- ``csvformat.parse``: seconds (best of 3), rows per second, and the tracemalloc
  peak while it runs next to the size of the input;
- the floor: a bare ``csv.reader`` pass over the same bytes (target: parse is at
  most 5x slower);
- django-import-export validating the same rows in a dry run, with equivalent
  field types (target: parse is at least 10x faster). It gets the *normalized*
  rows (ISO dates, plain decimals), its easiest case, and runs on a slice that is
  scaled up when the whole file would take too long.

Run it with ``python bench/bench_csvformat.py`` from the repository root.
"""

from __future__ import annotations

import csv
import gc
import io
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uploads import csvformat

ROWS = 100_000
PLAN_ITEMS = 2_000
IMPORT_EXPORT_BUDGET_SECONDS = 60.0
IMPORT_EXPORT_PROBE_ROWS = 1_000
FLOOR_TARGET = 5.0
IMPORT_EXPORT_TARGET = 10.0


def make_file(rows: int = ROWS, seed: int = 2026) -> bytes:
    """A file as a finance export or a busy spreadsheet would produce it."""
    chooser = random.Random(seed)
    weeks = rows // PLAN_ITEMS + 1
    first_day = date(2026, 1, 5)
    date_forms: list[Callable[[date], str]] = [
        date.isoformat,
        date.isoformat,
        lambda day: f"{day.month}/{day.day}/{day.year}",
        lambda day: f"{day.isoformat()}T17:00:00Z",
        lambda day: "{}-W{:02d}-{}".format(*day.isocalendar()),
        lambda day: f"{day.year}-{day.timetuple().tm_yday:03d}",
        lambda day: day.strftime("%Y%m%d"),
    ]
    statuses = [*csvformat.STATUSES, "On Track", "On Track", "on track", "AT RISK"]
    lines = [",".join(csvformat.HEADER)]
    for index in range(rows):
        week, item = divmod(index, PLAN_ITEMS)
        day = first_day + timedelta(weeks=week % weeks)
        kind = item % 4
        if kind == 0:
            value = ""
        elif kind == 1:
            value = f"{chooser.randint(0, 100)}%"
        elif kind == 2:
            value = f"{chooser.random():.2f}"
        else:
            value = str(chooser.randint(0, 250_000))
        status = chooser.choice(statuses)
        as_of = chooser.choice(date_forms)(day)
        if index % 997 == 0:
            status = "Acheived"
        if index % 1499 == 0:
            value = "1,200"
        if index % 1999 == 0:
            as_of = f"{day.day + 12}/{day.month}/{day.year}"
        lines.append(f"PLAN-{item:05d},{status},{value},{as_of}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def best_of(runs: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def csv_reader_floor(data: bytes) -> None:
    """The least any CSV check must do: decode the bytes and split the rows."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    for _row in csv.reader(stream):
        pass


def peak_memory(data: bytes) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        csvformat.parse(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def import_export_seconds(normalized: bytes) -> tuple[float, int]:
    """Time an import-export dry run; return (seconds for all rows, rows timed).

    A probe of 1,000 rows decides: when the whole file would take more than
    IMPORT_EXPORT_BUDGET_SECONDS, 10,000 rows are timed and scaled up linearly.
    """
    resource_class = _import_export_resource()
    import tablib

    text = normalized.decode("utf-8")
    all_rows = text.count("\n") - 1

    def dry_run(rows: int) -> float:
        head = "\n".join(text.split("\n", rows + 1)[: rows + 1])
        dataset = tablib.Dataset().load(head, format="csv")
        started = time.perf_counter()
        result = resource_class().import_data(dataset, dry_run=True)
        elapsed = time.perf_counter() - started
        if result.has_errors() or result.has_validation_errors():
            raise RuntimeError("import-export rejected the normalized rows")
        return elapsed

    probe = dry_run(IMPORT_EXPORT_PROBE_ROWS) / IMPORT_EXPORT_PROBE_ROWS
    rows = all_rows
    if probe * all_rows > IMPORT_EXPORT_BUDGET_SECONDS:
        rows = min(all_rows, 10_000)
    return dry_run(rows) * all_rows / rows, rows


def _import_export_resource() -> type:
    """A minimal standalone Django with one model and its import-export resource."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DATABASES={
                "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
            },
            INSTALLED_APPS=["django.contrib.contenttypes", "import_export"],
            USE_TZ=True,
        )
        django.setup()
    from django.db import connection, models
    from import_export import fields, resources, widgets

    class BenchUpdate(models.Model):
        external_id = models.CharField(max_length=200)
        status = models.CharField(
            max_length=20, choices=[(status, status) for status in csvformat.STATUSES]
        )
        value = models.DecimalField(
            max_digits=30, decimal_places=10, null=True, blank=True
        )
        as_of_date = models.DateField()

        class Meta:
            app_label = "bench_csvformat"
            # One update per item and date, as the import's lookup key assumes.
            constraints = [
                models.UniqueConstraint(
                    fields=["external_id", "as_of_date"], name="one_update_per_day"
                )
            ]

        def __str__(self) -> str:
            return f"{self.external_id} {self.as_of_date}"

    with connection.schema_editor() as editor:
        editor.create_model(BenchUpdate)

    class BenchUpdateResource(resources.ModelResource):
        external_id = fields.Field("external_id", "External ID", widgets.CharWidget())
        status = fields.Field("status", "Status", widgets.CharWidget())
        value = fields.Field("value", "Current Value", widgets.DecimalWidget())
        as_of_date = fields.Field(
            "as_of_date", "As Of Date", widgets.DateWidget(format="%Y-%m-%d")
        )

        class Meta:
            model = BenchUpdate
            fields = ("external_id", "status", "value", "as_of_date")
            import_id_fields = ("external_id", "as_of_date")
            clean_model_instances = True  # validates the status choices, as we do
            skip_diff = True  # no admin preview: the cheapest configuration

    return BenchUpdateResource


def run() -> list[tuple[str, str]]:
    """Measure everything; return the table as (metric, value) rows."""
    data = make_file()
    result = csvformat.parse(data)
    rows = ROWS
    parse_seconds = best_of(3, lambda: csvformat.parse(data))
    floor_seconds = best_of(3, lambda: csv_reader_floor(data))
    peak = peak_memory(data)
    normalized = csvformat.render_csv(result.updates)
    import_export_total, import_export_rows = import_export_seconds(normalized)
    floor_ratio = parse_seconds / floor_seconds
    import_export_ratio = import_export_total / parse_seconds
    valid_rows = len(result.updates)
    scaled = (
        f", timed on {import_export_rows:,} and scaled to {valid_rows:,}"
        if import_export_rows < valid_rows
        else ""
    )
    return [
        ("rows in file (plus header)", f"{rows:,}"),
        ("input size", f"{len(data) / 1e6:.1f} MB"),
        (
            "findings",
            f"{len(result.errors)} errors, {len(result.warnings)} warnings,"
            f" {len(result.fixes)} fixes listed",
        ),
        ("valid updates", f"{len(result.updates):,}"),
        ("csvformat.parse, best of 3", f"{parse_seconds:.3f} s"),
        ("rows per second", f"{rows / parse_seconds:,.0f}"),
        ("peak memory during parse (tracemalloc)", f"{peak / 1e6:.1f} MB"),
        ("peak memory / input size", f"{peak / len(data):.1f}x"),
        ("bare csv.reader pass, best of 3", f"{floor_seconds:.3f} s"),
        (
            "parse / csv.reader",
            f"{floor_ratio:.1f}x (target <= {FLOOR_TARGET:g}x:"
            f" {'met' if floor_ratio <= FLOOR_TARGET else 'MISSED'})",
        ),
        (
            f"import-export dry run of the valid rows{scaled}",
            f"{import_export_total:.1f} s",
        ),
        (
            "import-export / parse",
            f"{import_export_ratio:.0f}x faster (target >= {IMPORT_EXPORT_TARGET:g}x:"
            f" {'met' if import_export_ratio >= IMPORT_EXPORT_TARGET else 'MISSED'})",
        ),
    ]


def main() -> None:
    from bench.bench_pipeline import print_table

    print_table("CSV: validate and normalize 100,000 rows", run())


if __name__ == "__main__":
    main()
