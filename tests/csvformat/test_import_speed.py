"""What a workbook's check imports: a clean workbook needs neither aniso8601 (its
date cells read as YYYY-MM-DD, by ``date.fromisoformat``), nor rapidfuzz (no
suggestion), nor json; the quick way to a YYYY-MM-DD day is aniso8601's day."""

from __future__ import annotations

import datetime
import subprocess
import sys

import aniso8601
from aniso8601.resolution import DateResolution
from hypothesis import given, settings
from hypothesis import strategies as st

from uploads.csvformat.cells import _iso_day, check_date

from .workbooks import xlsx

CHECK = """
import sys
from uploads import csvformat
result = csvformat.parse(sys.stdin.buffer.read())
assert result.updates and not result.errors, result.findings
print(" ".join(m for m in ("aniso8601", "rapidfuzz", "json", "difflib")
               if m in sys.modules))
"""


def test_a_clean_workbook_is_checked_without_the_libraries_it_does_not_need():
    rows = [
        ["External ID", "Status", "Current Value", "As Of Date"],
        ["A-1", "On Track", 0.5, datetime.date(2026, 10, 31)],
        ["A-2", "At Risk", 12, datetime.datetime(2026, 10, 31)],
    ]
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        input=xlsx({"Updates": rows}),
        capture_output=True,
        check=True,
    )
    assert done.stdout.decode().split() == []


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=datetime.date(1, 1, 1)))
def test_a_calendar_day_reads_as_aniso8601_reads_it(day):
    written = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    assert aniso8601.get_date_resolution(written) == DateResolution.Day
    assert _iso_day.__wrapped__(written).date == aniso8601.parse_date(written) == day


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
def test_any_dashed_day_reads_as_before(year, month, day):
    written = f"{year:04d}-{month:02d}-{day:02d}"
    found = _iso_day.__wrapped__(written)
    try:
        expected = aniso8601.parse_date(written)
    except (ValueError, NotImplementedError):
        assert found.date is None
        assert found.problem in ("date.impossible", "date.other_form")
    else:
        assert found.date == expected


def test_impossible_days_are_still_explained():
    assert check_date("2026-02-30").note.code == "date.impossible"
    assert check_date("0000-01-01").date is None
