"""How fast and how lean a 100,000-row workbook is checked (issue 17).

Three ``.xlsx`` files of 100,000 rows, made with XlsxWriter as Excel writes them
(date cells, number cells, some shown as percentages):

- clean: 2,000 plan items over 50 weeks, all valid;
- messy: the same with what people really send: lower-case and padded statuses,
  ``45%`` typed as text, dates typed as text, error cells (``#N/A``, ``#DIV/0!``)
  from formulas, blank rows, unknown External IDs;
- unique: every External ID different (100,000 plan items), a worst case for the
  checks kept per ID;
- template: the Excel template's layout filled in (Name and the greyed Last status
  sent / Last value sent columns, a third of the items left blank) with odd values:
  whole, negative and tiny numbers, date cells with a time of day, numbers typed
  as text, a number as the Comment.

Each at 100,000 rows, and clean and messy at 20,000 too (``SMALL_ROWS``), so the
figures hold on more than the one file they were first made on. For each, the
whole process is timed (interpreter, imports, reading the file and everything),
best of ``RUNS``, taken in turns so a busy machine slows both alike; the CPU
seconds (user + system, from ``os.wait4``) are shown beside, steadier than the
wall clock on a machine others share:

- checking it: ``csvformat.parse`` with the team's plan items, in a subprocess;
- the floor: a bare python-calamine read of the same file
  (``CalamineWorkbook.from_filelike(...).get_sheet_by_index(0).to_python()``) in a
  subprocess.

The portal's modules are compiled to bytecode first (``compile_portal``), as
they are where the portal runs and as pip compiled python-calamine's when it
installed it: on a machine that sets ``PYTHONDONTWRITEBYTECODE`` (this one
does), each check would otherwise compile them from source again, some 0.035 s
of its time that no upload in the portal pays (a worker imports them once).

Targets: checking at most 2x the floor; the checking process's peak memory
(its own ``VmHWM``) under 300 MB.

Then three small hostile files whose cells reach far (an .xlsx with cells in two
corners of the grid, an .ods of one cell repeated over 200,000 rows and 200
columns, an .xls with cells in two corners), which python-calamine would hold as
one dense grid (550 GB, 2.5 GB, 530 MB): each must be refused in under a second
and 300 MB.

Then, with PostgreSQL (``DATABASE_URL``-free: a scratch ``portal_bench_spreadsheet``
database on ``BENCH_POSTGRES_URL``'s server, made and dropped), the unique file is
checked as an upload of a team with its 100,000 plan items, and the preview page
of that checked draft is timed with Django's test Client (target: under 1 s; the
column-mapping page too, when the portal has one). Skipped when PostgreSQL is not
there.

Run: ``python -m bench.bench_spreadsheet``.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

from uploads.csvformat import workbook_template

REPO = Path(__file__).resolve().parent.parent
ROWS = 100_000
SMALL_ROWS = 20_000
PLAN_ITEMS = 2_000
RUNS = 5
FLOOR_TARGET = 2.0
PEAK_TARGET_MB = 300.0
PAGE_TARGET_SECONDS = 1.0
STATUSES = ("On Track", "Off Track", "At Risk", "Achieved", "Not Started")
HEADER = ("External ID", "Status", "Current Value", "As Of Date", "Comment")
KINDS = ("clean", "messy", "unique", "template")
# (kind, rows) measured; the pages are timed on the 100,000-row unique file.
FILES = tuple((kind, ROWS) for kind in KINDS) + (
    ("clean", SMALL_ROWS),
    ("messy", SMALL_ROWS),
)
# The template's own columns, reference columns included.
TEMPLATE_HEADER = workbook_template.HEADER

# Each child prints its own peak last (VmHWM: the rusage's ru_maxrss of a child
# also counts the peak of the bench process it was forked from).
PEAK = """
import re
status = open("/proc/self/status").read()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""
CALAMINE = (
    """
import sys
from python_calamine import CalamineWorkbook
with open(sys.argv[1], "rb") as file:
    CalamineWorkbook.from_filelike(file).get_sheet_by_index(0).to_python()
"""
    + PEAK
)
CHECK = (
    """
import sys
sys.path.insert(0, sys.argv[3])
from uploads import csvformat
from uploads.csvformat.records import PlanItemRule
items = int(sys.argv[2])
rule = PlanItemRule(own=True, active=True, has_metric=True)
names = [f"ITEM-{n:06d}" for n in range(items)]
with open(sys.argv[1], "rb") as file:
    data = file.read()
result = csvformat.parse(
    data, plan_items=dict.fromkeys(names, rule), max_bytes=50_000_000,
    max_rows=100_000,
)
print(len(result.updates), result.error_count)
"""
    + PEAK
)
ODD_NUMBERS = (0.1, -2.5, 1200.0, 0.0, 1e-05, 0.3333333333333333, -0.0, 1e15)


def make_workbook(kind: str, path: Path, rows: int = ROWS) -> None:
    """A workbook of `kind` with `rows` rows (see the module docstring)."""
    if kind == "template":
        make_template_workbook(path, rows)
        return
    chooser = random.Random(2026)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Updates")
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    percent = book.add_format({"num_format": "0%"})
    for column, name in enumerate(HEADER):
        sheet.write_string(0, column, name)
    first_day = datetime.date(2026, 1, 5)
    row = 0
    for index in range(rows):
        if row >= rows:  # blank rows count too: at most `rows` under the header
            break
        row += 1
        if kind == "unique":
            item, week = index, 0
        else:
            week, item = divmod(index, PLAN_ITEMS)
        external_id = f"ITEM-{item:06d}"
        status = STATUSES[index % len(STATUSES)]
        day = first_day + datetime.timedelta(weeks=week)
        messy = kind == "messy" and index % 10 == 0
        if messy:
            odd = (index // 10) % 6
            if odd == 0:
                status = f"  {status.lower()} "
            elif odd == 1:
                external_id = f"UNKNOWN-{index}"
            elif odd == 2:
                sheet.write_string(row, 2, f"{index % 100}%")
            elif odd == 3:
                sheet.write_string(row, 3, f"{day.month}/{day.day}/{day.year}")
            elif odd == 4:
                sheet.write_formula(row, 2, "=NA()", None, "#N/A")
            else:
                row += 1  # a blank row inside the sheet
        sheet.write_string(row, 0, external_id)
        sheet.write_string(row, 1, status)
        if not (messy and (index // 10) % 6 in (2, 4)):
            if index % 7 == 0:
                sheet.write_number(row, 2, (index % 100) / 100, percent)
            else:
                sheet.write_number(row, 2, round(chooser.random() * 1000, 2))
        if not (messy and (index // 10) % 6 == 3):
            sheet.write_datetime(
                row, 3, datetime.datetime.combine(day, datetime.time()), day_format
            )
        if index % 5 == 0:
            sheet.write_string(row, 4, f"weekly note {index}")
    book.close()


def make_template_workbook(path: Path, rows: int) -> None:
    """The Excel template's layout, filled in with odd values (module docstring)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Updates")
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for column, name in enumerate(TEMPLATE_HEADER):
        sheet.write_string(0, column, name)
    first_day = datetime.datetime(2026, 1, 5)
    for index in range(rows):
        row = index + 1
        week, item = divmod(index, PLAN_ITEMS)
        sheet.write_string(row, 0, f"ITEM-{item:06d}")
        sheet.write_string(row, 1, f"Plan item {item}")
        sheet.write_string(row, 6, STATUSES[item % len(STATUSES)])
        sheet.write_number(row, 7, item / 4)
        if index % 3 == 0:
            continue  # left blank: no update
        sheet.write_string(row, 2, STATUSES[index % len(STATUSES)])
        if index % 11 == 0:
            sheet.write_string(row, 3, f"{index % 1000}.5")  # a number typed as text
        else:
            sheet.write_number(row, 3, ODD_NUMBERS[index % len(ODD_NUMBERS)] + week)
        day = first_day + datetime.timedelta(weeks=week)
        if index % 13 == 0:
            sheet.write_datetime(row, 4, day.replace(hour=16, minute=30), stamp)
        else:
            sheet.write_datetime(row, 4, day, day_format)
        if index % 5 == 0:
            sheet.write_number(row, 5, index)  # a number as the Comment
    book.close()


def measure_one(path: Path, items: int) -> dict[str, float | str]:
    """Best of RUNS for the check and for the bare read, in turns."""
    check_times, floor_times, check_cpu, floor_cpu = [], [], [], []
    peaks, floor_peaks = [], []
    answer = ""
    for _ in range(RUNS):
        seconds, cpu, peak, answer = _run(
            [sys.executable, "-c", CHECK, str(path), str(items), str(REPO)]
        )
        check_times.append(seconds)
        check_cpu.append(cpu)
        peaks.append(peak)
        seconds, cpu, peak, _ = _run([sys.executable, "-c", CALAMINE, str(path)])
        floor_times.append(seconds)
        floor_cpu.append(cpu)
        floor_peaks.append(peak)
    return {
        "check": min(check_times),
        "floor": min(floor_times),
        "check_cpu": min(check_cpu),
        "floor_cpu": min(floor_cpu),
        "peak": max(peaks),
        "floor_peak": max(floor_peaks),
        "answer": answer,
    }


def _run(arguments: list[str]) -> tuple[float, float, float, str]:
    """Run a process that prints its own peak last (``PEAK``): its wall seconds,
    CPU seconds (user + system, from os.wait4: the rusage of that one child), its
    peak memory (MB) and the rest of its output."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(arguments, stdout=output, stderr=errors, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise RuntimeError(errors.read().decode())
        output.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        *lines, peak_kb = output.read().decode().strip().splitlines()
        return seconds, cpu, int(peak_kb) / 1024, "\n".join(lines)


def compile_portal() -> None:
    """Compile the modules a check imports to bytecode (``__pycache__``, which
    git ignores), whatever ``PYTHONDONTWRITEBYTECODE`` says (module docstring)."""
    import compileall

    compileall.compile_dir(REPO / "uploads", quiet=1)


def files_table(directory: Path) -> list[tuple[str, str]]:
    compile_portal()
    table: list[tuple[str, str]] = []
    for kind, rows in FILES:
        path = directory / f"{kind}-{rows}.xlsx"
        make_workbook(kind, path, rows)
        items = rows if kind == "unique" else PLAN_ITEMS
        figures = measure_one(path, items)
        ratio = float(figures["check"]) / float(figures["floor"])
        cpu_ratio = float(figures["check_cpu"]) / float(figures["floor_cpu"])
        peak = float(figures["peak"])
        updates, errors = str(figures["answer"]).split()
        table.append(
            (
                f"{kind} {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB; "
                f"{int(updates):,} updates, {int(errors):,} errors)",
                f"check {figures['check']:.2f} s | calamine {figures['floor']:.2f} s"
                f" | {ratio:.2f}x (target <= {FLOOR_TARGET:g}x: "
                f"{'met' if ratio <= FLOOR_TARGET else 'MISSED'}; CPU "
                f"{figures['check_cpu']:.2f} s vs {figures['floor_cpu']:.2f} s = "
                f"{cpu_ratio:.2f}x) | peak {peak:.0f} MB (calamine "
                f"{float(figures['floor_peak']):.0f} MB; target < {PEAK_TARGET_MB:g}"
                f" MB: {'met' if peak < PEAK_TARGET_MB else 'MISSED'})",
            )
        )
    return table


# --- Hostile workbooks: refused before python-calamine holds them -----------------

HOSTILE = (
    """
import sys, time
sys.path.insert(0, sys.argv[2])
from uploads import csvformat
with open(sys.argv[1], "rb") as file:
    data = file.read()
started = time.perf_counter()
result = csvformat.parse(data)
print(f"{time.perf_counter() - started:.3f}", result.findings[0].code)
"""
    + PEAK
)
HOSTILE_SECONDS = 1.0


def make_hostile(directory: Path) -> list[tuple[str, Path]]:
    """Small files whose cells reach far: what calamine would hold as one grid."""
    from tests.csvformat.workbooks import HEADER, far_xlsx, ods
    from tests.csvformat.xls_workbooks import far_xls

    files = [
        (
            "an .xlsx with cells at A1 and XFD1048576",
            "corners.xlsx",
            far_xlsx({(1_048_575, 16_383): "x"}),
        ),
        (
            "an .ods of one cell repeated 200,000 x 200",
            "repeated.ods",
            ods([HEADER], "Updates", repeated=(200_000, 200)),
        ),
        (
            "an .xls with cells at A1 and IV65536",
            "corners.xls",
            far_xls({(65_535, 255): "x"}),
        ),
    ]
    made = []
    for label, name, data in files:
        (directory / name).write_bytes(data)
        made.append((label, directory / name))
    return made


def hostile_table(directory: Path) -> list[tuple[str, str]]:
    table = []
    for label, path in make_hostile(directory):
        _, _, peak, answer = _run([sys.executable, "-c", HOSTILE, str(path), str(REPO)])
        seconds, code = answer.split()
        met = float(seconds) < HOSTILE_SECONDS and peak < PEAK_TARGET_MB
        table.append(
            (
                f"{label} ({path.stat().st_size / 1e3:.1f} KB)",
                f"{code} in {float(seconds):.2f} s, peak {peak:.0f} MB (target <"
                f" {HOSTILE_SECONDS:g} s and < {PEAK_TARGET_MB:g} MB:"
                f" {'met' if met else 'MISSED'})",
            )
        )
    return table


# --- The pages of a checked 100,000-row workbook (PostgreSQL) ----------------------


def _setup_django(database_url: str, private_dir: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only",
            "PORTAL_ENV_FILE": "",
            "ALLOWED_HOSTS": "testserver",
            "UPLOAD_MAX_ROWS": str(ROWS),
            "UPLOAD_MAX_BYTES": str(50_000_000),
            "CHECK_IN_WORKER_BYTES": str(100_000_000),
            "PRIVATE_STORAGE_DIR": private_dir,
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def measure_pages(database_url: str, private_dir: str, path: str) -> dict[str, float]:
    """Migrate, make the team with its 100,000 items, check the file as its
    upload, then time the checked draft's pages (median of five, after one)."""
    _setup_django(database_url, private_dir)
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from uploads.models import Membership, PlanItem, Team
    from uploads.services import drafts

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
    data = Path(path).read_bytes()
    started = time.perf_counter()
    upload = drafts.upload_create(
        team=team, user=user, data=data, original_name="unique.xlsx"
    )
    figures = {"upload_check": time.perf_counter() - started}
    assert upload.row_count == ROWS, upload.findings[:3]
    client = Client()
    client.force_login(user)
    pages = {"preview": upload.get_absolute_url()}
    # The column-mapping step, once the portal has one (issue 17).
    with contextlib.suppress(NoReverseMatch):
        pages["mapping"] = reverse("upload_mapping", args=[upload.public_id])
    for name, url in pages.items():
        client.get(url)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
        figures[name] = sorted(times)[len(times) // 2]
    return figures


def pages_table(path: Path) -> list[tuple[str, str]]:
    import psycopg

    from bench.scratch import ScratchDatabase

    # Its own name: another run of this bench at the same time drops its own.
    database = ScratchDatabase(f"portal_bench_spreadsheet_{os.getpid()}")
    try:
        database.create()
    except (psycopg.Error, OSError) as error:
        return [("pages", f"skipped: no PostgreSQL ({type(error).__name__})")]
    try:
        with tempfile.TemporaryDirectory() as private_dir:
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_spreadsheet",
                    "pages",
                    database.url,
                    private_dir,
                    str(path),
                ],
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                last = (result.stderr.strip().splitlines() or ["?"])[-1]
                return [("pages", f"failed: {last}")]
            figures = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        database.drop()
    table = [
        (
            "unique file checked as an upload (to its draft, rows stored)",
            f"{figures.pop('upload_check'):.2f} s",
        )
    ]
    for name, seconds in figures.items():
        verdict = "met" if seconds < PAGE_TARGET_SECONDS else "MISSED"
        table.append(
            (
                f"{name} page of the checked draft",
                f"{seconds:.3f} s (target < {PAGE_TARGET_SECONDS:g} s: {verdict})",
            )
        )
    if "mapping" not in figures:
        table.append(("mapping page", "not measured: the portal has none yet"))
    return table


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "pages":
        print(json.dumps(measure_pages(*sys.argv[2:])))
        return
    from bench.bench_pipeline import print_table

    with tempfile.TemporaryDirectory() as directory:
        table = files_table(Path(directory))
        table += hostile_table(Path(directory))
        table += pages_table(Path(directory) / f"unique-{ROWS}.xlsx")
    print_table(
        f"Workbooks: {ROWS:,} rows, checked vs a bare python-calamine read", table
    )


if __name__ == "__main__":
    main()
