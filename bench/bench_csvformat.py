"""How fast and how lean ``uploads.csvformat`` checks a large upload.

Generates two 100,000-row files in memory and measures each in one run:

- the clean file: a header, 2,000 plan items over 50 weeks, several date forms,
  some percentages and lower-case statuses, a few real errors;
- the messy mix, what people really send: lower-case and padded statuses, ``12%``
  values, times on dates, M/D/YYYY dates and blank rows, so that about half the
  rows carry a fix;
- the messy mix with a Comment column and a comment on one row in five (some with
  commas, quotation marks or a line break, so quoted); also with every External ID
  different (no target: a worst case for the checks kept per ID);
- AchieveIt's JSON array of 100,000 records (a comment on one in five), against
  ``json.loads`` of the same bytes (target: parse at most 5x slower); also with
  every External ID different (no target).

For each file:

- ``csvformat.parse``: seconds (best of 5), rows per second, and the tracemalloc
  peak while it runs next to the size of the input (target: under 30 MB);
- the floor: a bare ``csv.reader`` pass over the same bytes (target: parse is at
  most 5x slower). The two are timed in turns, so a busy machine slows both alike;
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
import json
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
PEAK_TARGET_MB = 30.0
RUNS = 5
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


COMMENTS = [
    "Ahead of plan",
    "Vendor delay, see the Q3 memo",
    'Customer said "yes" on Friday',
    "Two steps done.\nThird starts Monday.",
    "-5% against the forecast",
    "Waiting on finance",
]


def make_messy_file(
    rows: int = ROWS,
    seed: int = 2027,
    *,
    time_per_row: bool = False,
    comment_every: int = 0,
    unique_ids: bool = False,
) -> bytes:
    """A file typed, pasted and exported by hand: correct, but about half its rows
    (56% of the rows that are not blank) need a fix.

    Statuses in lower case or padded with spaces, values written as ``12%`` or
    ``12.5%``, dates with a time (ISO or a spreadsheet's ``4:37 PM``) or as
    M/D/YYYY, and a blank row now and then. No errors: every row that is not blank
    is sent.

    With ``time_per_row`` False (what an export writes) each week's rows carry the
    time of that week's export; with it True every stamped row has a time of its
    own (a log-like worst case, reported beside the mix). With ``comment_every``
    the file has a Comment column, filled on one row in that many; with
    ``unique_ids`` no two rows share an External ID.
    """
    chooser = random.Random(seed)
    weeks = rows // PLAN_ITEMS + 1
    first_day = date(2026, 1, 5)
    header = [*csvformat.HEADER, "Comment"] if comment_every else csvformat.HEADER
    lines = [",".join(header)]
    for index in range(rows):
        if index % 40 == 39:
            lines.append(chooser.choice(["", ",,,"]))
            continue
        week, item = divmod(index, PLAN_ITEMS)
        day = first_day + timedelta(weeks=week % weeks)
        status = chooser.choice(csvformat.STATUSES)
        form = chooser.random()
        if form < 0.13:
            status = status.lower()
        elif form < 0.2:
            status = f" {status} "
        kind = item % 4
        if kind == 0:
            value = ""
        elif kind == 1:
            value = chooser.choice(
                [f"{chooser.randint(0, 100)}%", f"{chooser.randint(0, 1000) / 10}%"]
            )
        elif kind == 2:
            value = f"{chooser.random():.2f}"
        else:
            value = str(chooser.randint(0, 250_000))
        form = chooser.random()
        clock = chooser if time_per_row else random.Random(seed + week)
        hour, minute, second = (
            clock.randint(7, 18),
            clock.randint(0, 59),
            clock.randint(0, 59),
        )
        if form < 0.05:
            as_of = f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}"
        elif form < 0.1:
            as_of = (
                f"{day.month}/{day.day}/{day.year}"
                f" {hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
            )
        elif form < 0.25:
            as_of = f"{day.month}/{day.day}/{day.year}"
        else:
            as_of = day.isoformat()
        external_id = f"PLAN-{index:06d}" if unique_ids else f"PLAN-{item:05d}"
        line = f"{external_id},{status},{value},{as_of}"
        if comment_every:
            comment = ""
            if index % comment_every == 0:
                comment = COMMENTS[index // comment_every % len(COMMENTS)]
                if any(mark in comment for mark in ',"\n'):
                    comment = '"' + comment.replace('"', '""') + '"'
            line = f"{line},{comment}"
        lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def make_json_file(
    rows: int = ROWS, seed: int = 2028, *, unique_ids: bool = False
) -> bytes:
    """AchieveIt's JSON array as a system would export it: canonical statuses but
    for some in lower case, values as JSON numbers (none on a quarter of the
    items), ISO dates, a comment on one record in five; compact, as JSON exports
    are (100,000 records stay under the upload limit)."""
    chooser = random.Random(seed)
    weeks = rows // PLAN_ITEMS + 1
    first_day = date(2026, 1, 5)
    records = []
    for index in range(rows):
        week, item = divmod(index, PLAN_ITEMS)
        day = first_day + timedelta(weeks=week % weeks)
        status = chooser.choice(csvformat.STATUSES)
        if chooser.random() < 0.1:
            status = status.lower()
        external_id = f"PLAN-{index:06d}" if unique_ids else f"PLAN-{item:05d}"
        record: dict[str, object] = {"externalId": external_id, "status": status}
        kind = item % 4
        if kind == 1:
            record["metricValue"] = chooser.randint(0, 100) / 100
        elif kind == 2:
            record["metricValue"] = round(chooser.random() * 1000, 1)
        elif kind == 3:
            record["metricValue"] = chooser.randint(0, 250_000)
        record["asOfDate"] = day.isoformat()
        if index % 5 == 0:
            record["comment"] = COMMENTS[index // 5 % len(COMMENTS)]
        records.append(record)
    return json.dumps(records, separators=(",", ":")).encode("utf-8")


def best_of_in_turns(runs: int, *works: Callable[[], object]) -> tuple[float, ...]:
    """The best time of each piece of work, the pieces run in turns.

    Taking turns matters on a shared machine: a burst of load elsewhere slows
    every piece of work a little rather than one of them a lot.
    """
    timings: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for work, times in zip(works, timings, strict=True):
            gc.collect()
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
    return tuple(min(times) for times in timings)


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


def json_loads_floor(data: bytes) -> None:
    """The least any JSON check must do: decode the bytes into objects."""
    json.loads(data)


def measure_parse(
    data: bytes,
    floor: Callable[[bytes], None] = csv_reader_floor,
    floor_name: str = "bare csv.reader pass",
    ratio_name: str = "parse / csv.reader",
    peak_target: bool = True,
) -> tuple[csvformat.Result, float, list[tuple[str, str]]]:
    """Time and weigh ``parse`` on one file against ``floor`` on the same bytes;
    return its result, its best time and the table rows."""
    result = csvformat.parse(data)
    parse_seconds, floor_seconds = best_of_in_turns(
        RUNS, lambda: csvformat.parse(data), lambda: floor(data)
    )
    peak = peak_memory(data)
    floor_ratio = parse_seconds / floor_seconds
    peak_mb = peak / 1e6
    return (
        result,
        parse_seconds,
        [
            ("rows in file (plus header)", f"{ROWS:,}"),
            ("input size", f"{len(data) / 1e6:.1f} MB"),
            (
                "findings",
                f"{len(result.errors)} errors, {len(result.warnings)} warnings,"
                f" {len(result.fixes)} fixes listed",
            ),
            ("valid updates", f"{len(result.updates):,}"),
            (f"csvformat.parse, best of {RUNS}", f"{parse_seconds:.3f} s"),
            ("rows per second", f"{ROWS / parse_seconds:,.0f}"),
            (
                "peak memory during parse (tracemalloc)",
                f"{peak_mb:.1f} MB (target < {PEAK_TARGET_MB:g} MB:"
                f" {'met' if peak_mb < PEAK_TARGET_MB else 'MISSED'})"
                if peak_target
                else f"{peak_mb:.1f} MB (no target: JSON is decoded whole)",
            ),
            ("peak memory / input size", f"{peak / len(data):.1f}x"),
            (f"{floor_name}, best of {RUNS}", f"{floor_seconds:.3f} s"),
            (
                ratio_name,
                f"{floor_ratio:.1f}x (target <= {FLOOR_TARGET:g}x:"
                f" {'met' if floor_ratio <= FLOOR_TARGET else 'MISSED'})",
            ),
        ],
    )


def run() -> list[tuple[str, str]]:
    """Measure the clean file; return the table as (metric, value) rows."""
    data = make_file()
    result, parse_seconds, table = measure_parse(data)
    normalized = csvformat.render_csv(result.updates)
    import_export_total, import_export_rows = import_export_seconds(normalized)
    import_export_ratio = import_export_total / parse_seconds
    valid_rows = len(result.updates)
    scaled = (
        f", timed on {import_export_rows:,} and scaled to {valid_rows:,}"
        if import_export_rows < valid_rows
        else ""
    )
    return [
        *table,
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


def run_messy(
    *, time_per_row: bool = False, comment_every: int = 0, unique_ids: bool = False
) -> list[tuple[str, str]]:
    """Measure the messy mix; return the table as (metric, value) rows."""
    data = make_messy_file(
        time_per_row=time_per_row, comment_every=comment_every, unique_ids=unique_ids
    )
    result, _, table = measure_parse(data)
    if comment_every:
        commented = sum(bool(update.comment) for update in result.updates)
        table.append(("updates with a comment", f"{commented:,}"))
    fixed_rows = len({finding.line for finding in result.fixes if finding.line})
    summaries = [finding for finding in result.fixes if finding.line is None]
    return [
        *table,
        (
            "fixes listed (first rows of each kind)",
            f"{fixed_rows} rows, then {len(summaries)} summaries",
        ),
    ]


def run_json(*, unique_ids: bool = False) -> list[tuple[str, str]]:
    """Measure AchieveIt's JSON array; return the table as (metric, value) rows."""
    data = make_json_file(unique_ids=unique_ids)
    result, _, table = measure_parse(
        data,
        json_loads_floor,
        "json.loads of the same bytes",
        "parse / json.loads",
        peak_target=False,
    )
    assert result.source_format == "json"
    table[0] = ("records in file", f"{ROWS:,}")
    return table


def main() -> None:
    from bench.bench_pipeline import print_table

    print_table("CSV: validate and normalize 100,000 rows (clean file)", run())
    print_table("CSV: the messy mix, 100,000 rows (half need a fix)", run_messy())
    print_table(
        "CSV: the messy mix with a different time on every stamped row (no target)",
        run_messy(time_per_row=True),
    )
    print_table(
        "CSV: the messy mix with a comment on one row in five",
        run_messy(comment_every=5),
    )
    print_table(
        "CSV: the messy mix with comments, every External ID different (no target)",
        run_messy(comment_every=5, unique_ids=True),
    )
    print_table("JSON: AchieveIt's array, 100,000 records", run_json())
    print_table(
        "JSON: 100,000 records, every External ID different (no target)",
        run_json(unique_ids=True),
    )


if __name__ == "__main__":
    main()
