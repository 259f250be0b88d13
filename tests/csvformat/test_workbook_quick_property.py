"""Hypothesis against the quick way of reading a workbook: for any sheet of
mixed cells (text, numbers, booleans, dates, error cells, blanks) under any first
row (AchieveIt's header, a foreign one, none), read with or without a column
mapping, in batches of any size (``batch``), the quick way gives exactly what the
careful way gives, and neither raises (a foreign header once made the quick way
raise a TypeError)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uploads import csvformat
from uploads.csvformat import sheet_rows, workbook_template
from uploads.csvformat.columns import ColumnMap
from uploads.csvformat.records import PlanItemRule

from .test_workbook_speed import shown
from .workbooks import xlsx

RULE = PlanItemRule(own=True, active=True, has_metric=True)
PLAN = {f"ITEM-{n}": RULE for n in range(5)}
HEADERS = [
    ["External ID", "Status", "Current Value", "As Of Date", "Comment"],
    ["External ID", "Status", "Current Value", "As Of Date"],
    ["KPI Code", "RAG", "Actual", "Owner", "Period end", "Notes"],
    ["Status", "External ID", "As Of Date", "Current Value"],
    None,  # no header: the first row is an update
]
CELLS = st.one_of(
    st.none(),
    st.sampled_from(
        ["ITEM-1", "ITEM-2", "item-3 ", "UNKNOWN", "On Track", "Green", "Done", ""]
    ),
    st.sampled_from(["  ", "12%", "#N/A", "2026-10-31", "31/10/2026", "x\ny"]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(min_value=-5, max_value=50_000),
    st.booleans(),
    st.just(datetime.date(2026, 10, 31)),
    st.just(datetime.datetime(2026, 10, 31, 15, 30)),
    st.sampled_from([("=NA()", "#N/A"), ("=1/0", "#DIV/0!")]),
)

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# Small pieces and batches, so that rows of any kind fall at their edges.
CHUNKS = st.integers(min_value=1, max_value=12)
SHORTEST_BATCHES = st.integers(min_value=1, max_value=4)


def both_ways(
    monkeypatch: pytest.MonkeyPatch,
    data: bytes,
    chunk: int,
    shortest_batch: int,
    **options: object,
) -> tuple[csvformat.Result, csvformat.Result]:
    """``data`` parsed the quick way, in pieces of ``chunk`` rows and batches of
    at least ``shortest_batch``, and the careful way."""
    monkeypatch.setattr(sheet_rows.SheetRows, "CHUNK", chunk)
    monkeypatch.setattr(sheet_rows.SheetRows, "SHORTEST_BATCH", shortest_batch)
    results = []
    for quick in (True, False):
        monkeypatch.setattr(sheet_rows.SheetRows, "QUICK", quick)
        results.append(csvformat.parse(data, **options))  # type: ignore[arg-type]
    return results[0], results[1]


@SETTINGS
@given(
    header=st.sampled_from(HEADERS),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=1, max_size=12),
    plan=st.sampled_from([PLAN, None]),
    # The foreign header's mapping (Owner left out), whatever the sheet's header.
    columns=st.sampled_from([None, ColumnMap(0, 1, 2, 4, 5, width=6, header=True)]),
    chunk=CHUNKS,
    shortest_batch=SHORTEST_BATCHES,
)
def test_the_quick_way_reads_any_sheet_as_the_careful_way(
    header, rows, plan, columns, chunk, shortest_batch, monkeypatch: pytest.MonkeyPatch
):
    quick, careful = both_ways(
        monkeypatch,
        xlsx({"Sheet": ([header] if header else []) + rows}),
        chunk,
        shortest_batch,
        plan_items=plan,
        columns=columns,
        status_words={"Green": "On Track"},
    )
    assert shown(quick) == shown(careful)


# Rows most of which a batch takes: the plan's IDs, statuses, values and dates,
# some repeated or conflicting (the same ID and date), among odd ones.
USUAL_ROWS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["ITEM-1", "ITEM-2", "ITEM-3", "ITEM-4"]),
            st.sampled_from(["On Track", "At Risk", "Achieved"]),
            st.one_of(
                st.none(), st.sampled_from([0.1, 25.0, 1.0, 0.0, -2.5, 1e-05, 3])
            ),
            st.sampled_from(
                [datetime.date(2026, 10, 31), datetime.datetime(2026, 11, 6, 0, 0)]
            ),
            st.sampled_from(["", "note", " padded ", "=1+1", "a\rb"]),
        ).map(list),
        st.lists(CELLS, min_size=5, max_size=5),
    ),
    min_size=1,
    max_size=30,
)


@SETTINGS
@given(
    rows=USUAL_ROWS,
    plan=st.sampled_from([PLAN, None]),
    chunk=CHUNKS,
    shortest_batch=SHORTEST_BATCHES,
)
def test_batches_read_usual_rows_as_the_careful_way(
    rows, plan, chunk, shortest_batch, monkeypatch: pytest.MonkeyPatch
):
    data = xlsx({"Sheet": [HEADERS[0], *rows]})
    quick, careful = both_ways(
        monkeypatch, data, chunk, shortest_batch, plan_items=plan, max_rows=25
    )
    assert shown(quick) == shown(careful)


# The Excel template's rows: reference columns past the header's last read
# column, rows left blank (an External ID and nothing else), blank rows.
TEMPLATE_ROWS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["ITEM-1", "ITEM-2", "ITEM-3"]),
            st.sampled_from(["Item one", ""]),
            st.sampled_from(["On Track", "At Risk", "", None]),
            st.sampled_from([None, 0.1, 3, ""]),
            st.sampled_from([None, datetime.date(2026, 10, 31)]),
            st.sampled_from([None, "note"]),
            st.sampled_from(["On Track", None]),
            st.sampled_from([2.5, None]),
        ).map(list),
        st.just([None] * 8),
        st.just([None] * 6 + ["On Track", 1.0]),  # only the reference columns
    ),
    min_size=1,
    max_size=30,
)


@SETTINGS
@given(
    rows=TEMPLATE_ROWS,
    chunk=CHUNKS,
    shortest_batch=SHORTEST_BATCHES,
)
def test_batches_read_the_templates_rows_as_the_careful_way(
    rows, chunk, shortest_batch, monkeypatch: pytest.MonkeyPatch
):
    data = xlsx({"Sheet": [list(workbook_template.HEADER), *rows]})
    quick, careful = both_ways(
        monkeypatch, data, chunk, shortest_batch, plan_items=PLAN
    )
    assert shown(quick) == shown(careful)
