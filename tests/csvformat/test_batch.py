"""Batches of a workbook's rows (``batch``): what the property tests of the quick
way do not show. Progress counts the rows of a batch; a checker is freed as soon
as nothing refers to it (no reference cycle holding its updates for the
collector); a large sheet is read in batches, not row by row."""

from __future__ import annotations

import datetime
import gc
import weakref

import pytest

from uploads import csvformat
from uploads.csvformat import batch, reading, sheet_rows
from uploads.csvformat.checker import RowChecker
from uploads.csvformat.records import PlanItemRule

from .workbooks import xlsx

RULE = PlanItemRule(own=True, active=True, has_metric=True)
HEADER = ["External ID", "Status", "Current Value", "As Of Date", "Comment"]
DAY = datetime.date(2026, 10, 31)


def sheet(rows: int) -> bytes:
    return xlsx(
        {
            "Updates": [HEADER]
            + [[f"ITEM-{n}", "On Track", n / 4, DAY, ""] for n in range(rows)]
        }
    )


def test_progress_counts_every_row_of_a_batch(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sheet_rows.SheetRows, "CHUNK", 40)
    monkeypatch.setattr(reading, "PROGRESS_EVERY", 100)
    reported: list[int] = []
    plan = {f"ITEM-{n}": RULE for n in range(250)}

    result = csvformat.parse(sheet(250), plan_items=plan, progress=reported.append)

    assert len(result.updates) == 250
    # The header, then rows 40 at a time: each hundred is reported once, at the
    # batch that reaches it.
    assert reported == [121, 201]


def test_a_large_sheet_goes_over_in_batches(monkeypatch: pytest.MonkeyPatch):
    sizes: list[int] = []
    real = batch.BatchChecks._check_batch

    def counting(self, first_line, rows, count):
        sizes.append(count)
        return real(self, first_line, rows, count)

    monkeypatch.setattr(batch.BatchChecks, "_check_batch", counting)
    plan = {f"ITEM-{n}": RULE for n in range(12_000)}

    result = csvformat.parse(sheet(12_000), plan_items=plan)

    assert len(result.updates) == 12_000
    assert result.findings == []
    assert sizes == [5_000, 5_000, 2_000]
    assert [update.line for update in result.updates] == list(range(2, 12_002))


def test_a_checker_is_freed_without_the_collector():
    checker = RowChecker({"ITEM-1": RULE}, 100)
    checker.run(iter([HEADER, ["ITEM-1", "On Track", "1", "2026-10-31", ""]]), 1)
    assert len(checker.updates) == 1
    freed = weakref.ref(checker)
    gc.disable()
    try:
        del checker
        assert freed() is None
    finally:
        gc.enable()


def test_a_problem_first_met_in_a_later_batch_is_found(
    monkeypatch: pytest.MonkeyPatch,
):
    # Until a column's memo has made a check that says something, a batch does
    # not look for rows to note in it: the first such check, in a later batch,
    # is still found, in each column.
    monkeypatch.setattr(sheet_rows.SheetRows, "CHUNK", 100)
    rows: list[list[object]] = [
        [f"ITEM-{n}", "On Track", n / 4, DAY, ""] for n in range(500)
    ]
    rows[150][0] = "ITEM-NOT-OURS"
    rows[250][1] = "On Trak"
    rows[350][2] = ""
    rows[420][3] = "31/31/2026"
    rows[470][4] = "a bell\x07 in it"
    plan = {f"ITEM-{n}": RULE for n in range(500)}

    result = csvformat.parse(xlsx({"Updates": [HEADER, *rows]}), plan_items=plan)

    found = {(finding.line, finding.column) for finding in result.findings}
    assert {
        (152, "External ID"),
        (252, "Status"),
        (352, "Current Value"),
        (422, "As Of Date"),
        (472, "Comment"),
    } <= found
    assert len(result.updates) == 495
