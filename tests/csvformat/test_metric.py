"""Metric updates (a value, no Status) and columns a mapping hands in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from uploads import csvformat
from uploads.csvformat import METRIC, ColumnMap, PlanItemRule, Problem, Update

OCT_31 = date(2026, 10, 31)
METRIC_HEADER = "External ID,Current Metric Value,As Of Date\n"


def parse_text(text: str, **options: object) -> csvformat.Result:
    return csvformat.parse(text.encode("utf-8"), **options)


def codes(result: csvformat.Result) -> list[tuple[int | None, str | None, str]]:
    return [(f.line, f.column, f.code) for f in result.findings]


def test_a_header_without_status_is_a_metric_update():
    result = parse_text(
        "As Of Date,External ID,Current Metric Value,Comment\n"
        "2026-10-31,A,45%,On plan\n"
    )

    assert result.kind == METRIC
    assert codes(result) == [(2, "Current Value", "value.percentage")]
    assert result.updates == [
        Update("A", "", Decimal("0.45"), OCT_31, comment="On plan")
    ]
    assert csvformat.render_csv(result.updates, kind=METRIC) == (
        b"External ID,Current Metric Value,As Of Date,Comment\n"
        b"A,0.45,2026-10-31,On plan\n"
    )


def test_a_metric_update_needs_a_value_on_every_row():
    result = parse_text(f"{METRIC_HEADER}A,,2026-10-31\nB,1,2026-10-31\n")

    assert codes(result) == [(2, "Current Value", "value.required")]
    assert result.findings[0].message == (
        "Row 2, Current Value: a metric update needs a Current Metric Value. Write it"
        " as a number (percentages as decimals: 45% is 0.45)."
    )
    assert [u.external_id for u in result.updates] == ["B"]


def test_an_item_without_a_metric_takes_no_metric_update():
    mapping = {"A": PlanItemRule(own=True, active=True, has_metric=False)}

    result = parse_text(f"{METRIC_HEADER}A,1,2026-10-31\n", plan_items=mapping)

    assert codes(result) == [(2, "External ID", "id.no_metric")]
    assert result.findings[0].message == (
        "Row 2, External ID: 'A' has no metric, so it takes no metric update. Send it"
        " a progress update (with a Status) instead, or delete the row."
    )


def test_a_file_of_progress_updates_is_progress():
    result = parse_text("A,On Track,1,2026-10-31\n")

    assert result.kind == "progress"


def test_parse_rows_reads_metric_rows_by_position():
    result = csvformat.parse_rows(
        [["A", "0.5", "2026-10-31"], ["B", "2", "2026-10-31", "Late"]], kind=METRIC
    )

    assert result.findings == []
    assert result.kind == METRIC
    assert result.updates == [
        Update("A", "", Decimal("0.5"), OCT_31),
        Update("B", "", Decimal("2"), OCT_31, comment="Late"),
    ]


def test_render_csv_writes_the_vendors_metric_columns():
    updates = [
        Update("A", "", Decimal("0.45"), OCT_31),
        Update("B", "", Decimal("0"), OCT_31),
    ]

    assert csvformat.render_csv(updates, kind=METRIC) == (
        b"External ID,Current Metric Value,As Of Date\n"
        b"A,0.45,2026-10-31\n"
        b"B,0,2026-10-31\n"
    )


@pytest.mark.parametrize(
    "update",
    [
        Update("A", "On Track", Decimal("1"), OCT_31),
        Update("A", "", None, OCT_31),
    ],
)
def test_render_csv_refuses_what_no_metric_update_is(update):
    with pytest.raises(Problem):
        csvformat.render_csv([update], kind=METRIC)


# --- columns chosen elsewhere (a mapping step) ---------------------------------------


def test_a_column_map_handed_in_reads_a_foreign_file():
    # Another system's export: its own header, its own order, a column we ignore.
    data = b"Owner,Date,Code,State,Pct\nAnn,2026-10-31,SALES-1,on track,45%\n"
    columns = ColumnMap(
        external_id=2,
        status=3,
        value=4,
        as_of_date=1,
        comment=None,
        width=5,
        header=True,
    )

    result = csvformat.parse(data, columns=columns)

    # The column nothing is read from is said so (the mapping step's rule).
    assert [f.code for f in result.findings] == [
        "column.left_out",
        "status.respelled",
        "value.percentage",
    ]
    assert "Column A (Owner) is left out" in result.findings[0].message
    assert result.updates == [Update("SALES-1", "On Track", Decimal("0.45"), OCT_31)]


def test_columns_from_header_is_the_map_the_header_gives():
    columns, problems = csvformat.columns_from_header(
        ["Comment", "as of date", "EXTERNAL ID", "Metric Value"]
    )

    assert problems == []
    assert columns == ColumnMap(2, None, 3, 1, 0, 4, header=True)
    assert columns.kind == METRIC
