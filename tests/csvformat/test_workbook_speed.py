"""The quick ways of reading a large workbook (issue 17, "Speed and memory") give
what the careful ways give: number cells checked as numbers, rows handed to the
checker as python-calamine made them, error cells found only where ``t="e"`` is,
an unknown ID's suggestion found among the few IDs that could be it."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uploads import csvformat
from uploads.csvformat import sheet_rows, workbook_template
from uploads.csvformat.cells import cell_text, check_number, check_value, closest
from uploads.csvformat.memo import Memo
from uploads.csvformat.records import PlanItemRule
from uploads.csvformat.workbook_guards import _ERROR_CELL, _error_cells

from .workbooks import xlsx

DAY = datetime.date(2026, 3, 4)
HEADER = ["External ID", "Status", "Current Value", "As Of Date", "Comment"]
RULE = PlanItemRule(own=True, active=True, has_metric=True)
PLAN = {f"ITEM-{n}": RULE for n in range(40)}


def written(check: object) -> tuple[str | None, object]:
    """A value check as AchieveIt is sent it: the digits as written (Decimal's
    text keeps its exponent: 5 and 5.0 differ) and the note."""
    value = check.value  # type: ignore[attr-defined]
    return (None if value is None else str(value), check.note)  # type: ignore[attr-defined]


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-1e20, max_value=1e20).map(lambda x: round(x, 2)),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.booleans(),
    )
)
def test_a_number_cell_reads_as_its_text_does(number):
    assert written(check_number(number)) == written(check_value(cell_text(number)))


def test_a_number_is_the_number_as_typed():
    assert written(check_number(0.1)) == ("0.1", None)
    assert written(check_number(0.1 + 0.2)) == ("0.30000000000000004", None)
    assert written(check_number(-0.0)) == ("0", None)
    assert written(check_number(1200.0)) == ("1200", None)
    assert written(check_number(1e-05)) == ("0.00001", None)
    assert check_number(1e-31).note.code == "value.too_long"


def test_a_true_cell_is_never_taken_for_the_number_one():
    """True == 1 == 1.0 as dict keys: the memo keeps neither 0 nor 1."""
    values = Memo(check_value, typed=check_number)
    assert written(values[1.0]) == ("1", None)
    assert values[True].note.code == "value.invalid"
    assert written(values[1]) == ("1", None)
    assert values[False].note.code == "value.invalid"
    assert written(values[0.0]) == ("0", None)
    assert 1.0 not in values
    assert True not in values
    # Any other number is kept: the next row with it costs a lookup.
    assert written(values[2.5]) == ("2.5", None)
    assert 2.5 in values


def odd_rows(wider_row: bool = False) -> list[list[object]]:
    """Rows with what the quick way must leave to the careful one (with
    ``wider_row`` one with a cell past the header, which makes every row wider)."""
    rows: list[list[object]] = [HEADER]
    for index, value in enumerate(
        [0.1, -0.0, 1.0, 1, 0, -5.5, 1e-05, 1e-31, 1e20, True, False, 0.25, 0.1 + 0.2]
    ):
        rows.append([f"ITEM-{index}", "On Track", value, DAY, f"note {index}"])
    rows += [
        [1234, "On Track", 5, DAY, 7],  # a number as the ID and as the Comment
        [True, "On Track", 1, DAY, None],
        ["ITEM-20", 1, 1, DAY, None],  # a number as the Status
        ["ITEM-21", "on track ", "12%", DAY, None],
        ["ITEM-22", "On Track", "#N/A", DAY, None],  # an error typed as text
        ["ITEM-23", "On Track", ("=NA()", "#N/A"), DAY, None],  # an error cell
        ["ITEM-24", ("=1/0", "#DIV/0!"), 3, DAY, None],
        ["  ", "  ", None, None, None],  # only spaces: a blank row
        [None, None, None, None, None],
        ["ITEM-25", None, None, None, None],  # an ID and nothing else
        ["ITEM-26", "On Track", 3, datetime.datetime(2026, 3, 4, 15, 30), None],
        ["ITEM-27", "On Track", 3, 46000, None],  # a number as the date
        ["ITEM-28", "On Track", 3, "13/3/2026", None],
        ["ITEM-29", "Off Track", 3, DAY, None],
        ["ITEM-29", "Off Track", 3, DAY, None],  # the same update twice
        ["ITEM-30", "On Track", 3, DAY, "x", *(["a sixth cell"] if wider_row else [])],
        ["External ID", "Status", "Current Value", "As Of Date", None],
        ["UNKNOWN-1", "On Track", 1.5, DAY, None],
        ["item-31", "On Track", 1.5, DAY, None],
        [" ITEM-32 ", "On Track", None, DAY, None],
    ]
    return [*rows, [None] * 5, [""] * 5]


def template_rows() -> list[list[object]]:
    """The Excel template's layout: reference columns inside and past the ones
    read, most rows left blank."""
    rows: list[list[object]] = [list(workbook_template.HEADER)]
    for index in range(40):
        if index % 3:
            rows.append(
                [f"ITEM-{index}", f"Item {index}", "At Risk", index / 8, DAY, None]
                + ["On Track", 1.5]
            )
        else:
            rows.append([f"ITEM-{index}", f"Item {index}", None, None, None, None])
            rows[-1] += ["On Track", ("=NA()", "#N/A")]
    return rows


def read_both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch, **options):
    """The result read the quick way and the careful way, and how many rows
    each read the careful way (each such row is measured by ``row_width``)."""
    careful_rows = []
    real = sheet_rows.row_width

    def counting(row):
        careful_rows[-1] += 1
        return real(row)

    monkeypatch.setattr(sheet_rows, "row_width", counting)
    results = []
    for quick in (True, False):
        monkeypatch.setattr(sheet_rows.SheetRows, "QUICK", quick)
        careful_rows.append(0)
        results.append(csvformat.parse(data, **options))
    return results, careful_rows


def shown(result: csvformat.Result) -> tuple[object, ...]:
    return (
        [tuple(update) for update in result.updates],
        [dataclasses.astuple(finding) for finding in result.findings],
        result.error_count,
        result.kind,
    )


@pytest.mark.parametrize(
    "sheet",
    [
        pytest.param({"Q4 KPIs": odd_rows()}, id="odd values"),
        # Every row is wider than the header: all are read the careful way.
        pytest.param({"Q4 KPIs": odd_rows(wider_row=True)}, id="a row wider"),
        pytest.param({"Updates": template_rows()}, id="the template"),
        pytest.param(
            {"No header": [row[:4] for row in odd_rows()[1:]]}, id="no header"
        ),
        pytest.param(
            {"Wide": [[None, None, *row] for row in odd_rows()]},
            id="starts at column C",
        ),
    ],
)
@pytest.mark.parametrize("plan_items", [PLAN, None], ids=["plan", "no plan"])
def test_the_quick_way_reads_a_sheet_as_the_careful_way(sheet, plan_items, monkeypatch):
    (quick, careful), careful_rows = read_both_ways(
        xlsx(sheet),
        monkeypatch,
        plan_items=plan_items,
        status_words={"Green": "On Track"},
    )

    assert shown(quick) == shown(careful)
    assert quick.updates
    assert quick.findings
    (rows,) = sheet.values()
    if any(len(row) > len(rows[0]) for row in rows) or "No header" in sheet:
        # Rows the checker must fit first (a sheet without a header may go on in
        # rows of four cells or five) are all read the careful way.
        assert careful_rows[0] == careful_rows[1]
    else:  # most rows were read the quick way
        assert careful_rows[0] < careful_rows[1] / 2


def test_number_and_date_cells_keep_their_meaning_the_quick_way():
    rows = [HEADER] + [
        [f"ITEM-{index}", "On Track", value, DAY, None]
        for index, value in enumerate([0.1, 25.0, 0.3 + 0.0, 1e-05, -2.75])
    ]
    result = csvformat.parse(xlsx({"Q4 KPIs": rows}), plan_items=PLAN)

    assert result.findings == []
    assert [csvformat.format_value(update.value) for update in result.updates] == [
        "0.1",
        "25",
        "0.3",
        "0.00001",
        "-2.75",
    ]
    assert {update.as_of_date for update in result.updates} == {DAY}


CELL_XML = [
    '<c r="A1" t="e"><f>NA()</f><v>#N/A</v></c>',
    '<c r="B2" s="1" t="e"><v>#DIV/0!</v></c>',
    '<c r="C3" t="e">',
    '<c r="D4"><v>1</v></c>',
    '<c r="E5" t="inlineStr"><is><t>t="e"</t></is></c>',
    '<c s="2" r="F6" t="e"><v>#REF!</v></c>',
    '<c r="G7" t="s"><v>3</v></c>',
    '</row><row r="8">',
    '<c r="AB12" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(CELL_XML), max_size=12))
def test_error_cells_are_those_a_search_of_the_whole_xml_finds(pieces):
    window = "".join(pieces).encode()

    assert list(_error_cells(window)) == [
        match.groups() for match in _ERROR_CELL.finditer(window)
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abAB-01 .é", max_size=10),
    st.lists(st.text(alphabet="abAB-01 .é", max_size=10), max_size=15),
    st.sampled_from([0.6, 0.8]),
)
def test_the_closest_id_is_the_one_difflib_finds_among_all(word, candidates, cutoff):
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(word.lower(), by_lower, n=1, cutoff=cutoff)

    assert closest(word, candidates, cutoff) == (
        by_lower[matches[0]] if matches else None
    )


def test_an_unknown_id_among_thousands_gets_its_suggestion():
    ids = [f"ITEM-{n:06d}" for n in range(5_000)]

    assert closest("item-004321", ids, cutoff=0.8) == "ITEM-004321"
    assert closest("ITEM-0043210", ids, cutoff=0.8) == "ITEM-004321"
    assert closest("nothing like it", ids, cutoff=0.8) is None
    assert re.fullmatch(r"ITEM-\d{6}", closest("ITEM-00432", ids, cutoff=0.8) or "")


def test_a_sheet_with_a_foreign_header_is_read_the_careful_way(monkeypatch):
    # Before its columns are mapped, such a sheet is read without a header: its
    # rows are fitted one by one, as text. The quick way once handed them over as
    # numbers and dates, and reporting a row's width raised a TypeError.
    foreign = [
        ["KPI Code", "RAG", "Actual", "Owner", "Period end", "Notes"],
        ["SALES-Q4-01", "Green", 0.5, "Dana", DAY, "fine"],
        ["SALES-Q4-02", "Amber", 12, "Eli", DAY, None],
    ]
    (quick, careful), careful_rows = read_both_ways(
        xlsx({"Export": foreign}), monkeypatch, plan_items=PLAN
    )

    assert shown(quick) == shown(careful)
    assert quick.error_count > 0  # the width of each row, as the careful way says
    assert careful_rows[0] == careful_rows[1]
