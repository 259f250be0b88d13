"""Row rules: the header, blank and odd-width rows, repeats, the team's mapping, the
row limit, and the web form's entry point (parse_rows)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from uploads import csvformat
from uploads.csvformat import PlanItemRule, Update

HEADER = "External ID,Status,Current Value,As Of Date\n"
OCT_31 = date(2026, 10, 31)


def parse_text(text: str, **options: object) -> csvformat.Result:
    return csvformat.parse(text.encode("utf-8"), **options)


def codes(result: csvformat.Result) -> list[tuple[int | None, str | None, str]]:
    return [(f.line, f.column, f.code) for f in result.findings]


# --- the header ----------------------------------------------------------------------


def test_the_header_is_optional_and_rows_are_numbered_from_one():
    result = parse_text(
        "SALES-Q4-01,On Track,0.5,2026-10-31\nSALES-Q4-02,At Risk,,10/31/2026\n"
    )

    assert result.findings == []
    assert [(u.external_id, u.line) for u in result.updates] == [
        ("SALES-Q4-01", 1),
        ("SALES-Q4-02", 2),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "External ID,Status,Current Value,As Of Date",
        "external id,STATUS,current value,as of date",
        " External ID , Status ,Current Value,As Of Date",
        "\ufeffExternal ID,Status,Current Value,As Of Date",
        "External ID,Status,Current Value,As Of Date,,",
    ],
)
def test_a_header_in_any_case_is_recognized_and_not_sent(header):
    result = parse_text(f"{header}\nSALES-Q4-01,On Track,0.5,2026-10-31\n")

    assert result.findings == []
    assert [(u.external_id, u.line) for u in result.updates] == [("SALES-Q4-01", 2)]


@pytest.mark.parametrize(
    "first_cell", ["External Id:", "External IDs", "Externals", "my external id"]
)
def test_a_first_row_mentioning_external_but_not_the_header_is_an_error(first_cell):
    result = parse_text(f"{first_cell},Status,Current Value,As Of Date\n")

    assert codes(result) == [(1, "External ID", "header.first_cell")]
    assert result.findings[0].message == (
        f"Row 1, External ID: the first row starts with {first_cell!r}. The header of"
        " the External IDs must say 'External ID', and an External ID may not contain"
        " the word 'external'. Rename the cell to 'External ID', or delete the row."
    )


def test_a_header_without_external_id_in_its_first_cell_is_an_error():
    result = parse_text("ID,Status,Value,Date\nSALES-Q4-01,On Track,0.5,2026-10-31\n")

    assert codes(result) == [
        (1, None, "header.unknown"),
        (1, None, "header.unknown"),
        (1, "External ID", "header.unmarked"),
    ]
    assert result.findings[2].message == (
        "Row 1, External ID: this looks like a header row, but no column is headed"
        " 'External ID', and it starts with 'ID'. If that column holds the External"
        " IDs, rename that cell to 'External ID'; otherwise delete the row."
    )
    # The rows are still read, each column as the name it is closest to.
    assert [u.external_id for u in result.updates] == ["SALES-Q4-01"]
    assert not result.is_valid


def test_header_columns_in_another_order_are_read_by_name():
    result = parse_text(
        "As Of Date,Comment,current value,STATUS, External  id \n"
        "2026-10-31,Ahead of plan,0.5,on track,SALES-Q4-01\n"
    )

    assert codes(result) == [(2, "Status", "status.respelled")]
    assert result.updates == [
        Update(
            "SALES-Q4-01", "On Track", Decimal("0.5"), OCT_31, comment="Ahead of plan"
        )
    ]


@pytest.mark.parametrize(
    "name", ["Metric Value", "Current Metric Value", "current value"]
)
def test_the_value_column_has_three_names(name):
    result = parse_text(
        f"External ID,Status,{name},As Of Date\nA,On Track,7,2026-10-31\n"
    )

    assert result.findings == []
    assert result.updates[0].value == Decimal("7")


def test_an_unknown_column_is_an_error_naming_the_close_one_and_every_name():
    result = parse_text(
        "External ID,Status,Value,As of Dat\nSALES-Q4-01,On Track,0.5,2026-10-31\n"
    )

    assert codes(result) == [(1, None, "header.unknown"), (1, None, "header.unknown")]
    assert result.findings[1].message == (
        "Row 1: column 4 is headed 'As of Dat', which is not a column the portal"
        " reads. Did you mean 'As Of Date'? The columns it reads are External ID,"
        " Status, Metric Value (or Current Metric Value, or Current Value), As Of"
        " Date and Comment."
    )
    assert result.findings[0].suggestion == "Metric Value"
    assert result.findings[1].suggestion == "As Of Date"
    assert not result.is_valid


def test_an_unknown_column_with_nothing_close_lists_the_names_only():
    result = parse_text(
        "External ID,Status,Current Value,As Of Date,Owner\n"
        "A,On Track,1,2026-10-31,Ann\n"
    )

    assert codes(result) == [(1, None, "header.unknown")]
    assert result.findings[0].message == (
        "Row 1: column 5 is headed 'Owner', which is not a column the portal reads."
        " The columns it reads are External ID, Status, Metric Value (or Current"
        " Metric Value, or Current Value), As Of Date and Comment."
    )
    assert result.findings[0].suggestion is None


def test_a_column_named_twice_is_an_error():
    result = parse_text(
        "External ID,Status,Current Value,Metric Value,As Of Date\n"
        "A,On Track,1,1,2026-10-31\n"
    )

    assert codes(result) == [(1, None, "header.repeated")]
    assert result.findings[0].message == (
        "Row 1: column 4 is headed 'Metric Value', which names the same column as"
        " column 3. Delete one of the two columns."
    )


def test_a_header_without_a_date_column_is_an_error_and_its_rows_are_not_read():
    result = parse_text(
        "External ID,Status,Current Value\nSALES-Q4-01,On Track,0.5,2026-10-31\n"
    )

    assert codes(result) == [(1, None, "header.missing")]
    assert result.findings[0].message == (
        "Row 1: the header has no As Of Date column, which every update needs. The"
        " columns the portal reads are External ID, Status, Metric Value (or Current"
        " Metric Value, or Current Value), As Of Date and Comment."
    )
    assert result.updates == []


def test_a_header_without_status_or_value_is_an_error():
    result = parse_text("External ID,As Of Date\nA,2026-10-31\n")

    assert codes(result) == [(1, None, "header.no_kind")]
    assert result.findings[0].message.startswith(
        "Row 1: the header has neither a Status column (for a progress update) nor a"
        " value column (a metric update has a Current Metric Value and no Status)."
    )


def test_a_header_without_a_value_column_reads_rows_without_values():
    result = parse_text("External ID,Status,As Of Date\nA,On Track,2026-10-31\n")

    assert result.findings == []
    assert result.updates == [Update("A", "On Track", None, OCT_31)]


def test_blank_rows_before_the_header_are_dropped():
    result = parse_text(f"\n,,,\n{HEADER}SALES-Q4-01,On Track,0.5,2026-10-31\n")

    assert codes(result) == [(1, None, "row.blank"), (2, None, "row.blank")]
    assert [u.line for u in result.updates] == [4]


def test_a_repeated_header_inside_the_file_is_dropped_with_a_warning():
    result = parse_text(
        f"{HEADER}SALES-Q4-01,On Track,0.5,2026-10-31\n{HEADER}"
        "SALES-Q4-02,On Track,0.5,2026-10-31\n"
    )

    assert codes(result) == [(3, None, "row.repeated_header")]
    assert len(result.updates) == 2


# --- blank, short, long and incomplete rows ------------------------------------------


@pytest.mark.parametrize("blank", ["", ",,,", " , ,\t, ", ",,,,,,", ",", '"",""'])
def test_blank_rows_are_dropped_with_a_warning_and_never_sent(blank):
    result = parse_text(
        f"{HEADER}SALES-Q4-01,On Track,0.5,2026-10-31\n{blank}\n"
        "SALES-Q4-02,On Track,0.5,2026-10-31\n"
    )

    assert codes(result) == [(3, None, "row.blank")]
    assert result.findings[0].severity == "warning"
    assert [u.line for u in result.updates] == [2, 4]
    assert b"\n\n" not in csvformat.render_csv(result.updates)


def test_trailing_empty_cells_from_spreadsheets_are_dropped_as_a_fix():
    result = parse_text(f"{HEADER}SALES-Q4-01,On Track,0.5,2026-10-31,,\n")

    assert codes(result) == [(2, None, "row.extra_cells")]
    assert result.findings[0].message == (
        "Row 2: 2 empty cells after As Of Date were left out."
    )
    assert result.updates[0].as_of_date == OCT_31


@pytest.mark.parametrize(
    ("line", "found", "hint"),
    [
        (
            "IT-MIGRATION,Not Started,2026-10-31",
            "3 cells ('IT-MIGRATION', 'Not Started', '2026-10-31')",
            "keep its Current Value cell empty",
        ),
        (
            "SALES-Q4-02,At Risk,125,000,2026-10-31",
            "5 cells ('SALES-Q4-02', 'At Risk', '125', '000', '2026-10-31')",
            "A comma inside a cell (as in 1,200) splits it in two",
        ),
        (
            "SALES-Q4-02,At Risk,125,2026-10-31,Going well",
            "5 cells ('SALES-Q4-02', 'At Risk', '125', '2026-10-31', 'Going well')",
            " To send a comment, head column 5 'Comment'.",
        ),
        ("SALES-Q4-01", "1 cell ('SALES-Q4-01')", ""),
        (
            "SALES-Q4-01;On Track;0.5;2026-10-31",
            "1 cell ('SALES-Q4-01;On Track;0.5;2026-10-31')",
            "Separate the cells with commas.",
        ),
        ("A,B,C,D,E,F,G,H", "8 cells ('A', 'B', 'C', 'D', 'E', 'F', ...)", ""),
    ],
)
def test_rows_not_as_wide_as_the_header_are_errors_naming_what_was_found(
    line, found, hint
):
    result = parse_text(f"{HEADER}SALES-Q4-01,On Track,0.5,2026-10-31\n{line}\n")

    assert codes(result) == [(3, None, "row.columns")]
    message = result.findings[0].message
    assert message.startswith(
        f"Row 3: this row has {found}; AchieveIt reads 4 cells here, one per column"
        " of the header: External ID, Status, Current Value, As Of Date."
    )
    assert hint in message
    assert len(result.updates) == 1


@pytest.mark.parametrize(
    ("line", "found", "hint"),
    [
        (
            "IT-MIGRATION,Not Started,2026-10-31",
            "3 cells ('IT-MIGRATION', 'Not Started', '2026-10-31')",
            " If the plan item has no value, keep its Current Value cell empty, as in"
            " 'ID,On Track,,2026-10-31'.",
        ),
        ("A,B,C,D,E,F,G,H", "8 cells ('A', 'B', 'C', 'D', 'E', 'F', ...)", ""),
    ],
)
def test_without_a_header_rows_have_four_or_five_cells(line, found, hint):
    result = parse_text(f"SALES-Q4-01,On Track,0.5,2026-10-31\n{line}\n")

    assert codes(result) == [(2, None, "row.columns")]
    assert result.findings[0].message == (
        f"Row 2: this row has {found}; AchieveIt reads four or five cells: External"
        " ID, Status, Current Value, As Of Date and an optional Comment."
        + (hint or " A comma inside a cell (as in 1,200) splits it in two: remove it.")
    )


def test_an_unclosed_quotation_mark_is_explained():
    result = parse_text(
        f'{HEADER}"SALES-Q4-01,On Track,0.5,2026-10-31\n'
        "SALES-Q4-02,At Risk,1,2026-10-31\n"
    )

    assert codes(result) == [(2, None, "row.columns")]
    assert "A quotation mark in this row is never closed" in result.findings[0].message


def test_a_row_with_only_an_external_id_is_left_out_with_a_warning():
    result = parse_text(
        f"{HEADER}SALES-Q4-01,,,\nSALES-Q4-02,On Track,0.5,2026-10-31\n"
    )

    assert codes(result) == [(2, None, "row.id_only")]
    assert result.findings[0].severity == "warning"
    assert [u.external_id for u in result.updates] == ["SALES-Q4-02"]


# --- the same External ID and date twice ---------------------------------------------


def test_identical_repeats_are_merged_with_a_warning():
    result = parse_text(
        f"{HEADER}SALES-Q4-01,On Track,45%,2026-10-31\n"
        "SALES-Q4-01,on track,0.45,10/31/2026\n"
        "SALES-Q4-01,On Track,0.45,2026-11-07\n"
    )

    assert [(f.line, f.code) for f in result.warnings] == [(3, "row.duplicate")]
    assert result.warnings[0].message == (
        "Row 3: this row repeats row 2 (same External ID, As Of Date, Status,"
        " Current Value and Comment), so the update will be sent once."
    )
    assert result.is_valid
    assert [(u.line, u.as_of_date) for u in result.updates] == [
        (2, OCT_31),
        (4, date(2026, 11, 7)),
    ]


def test_conflicting_repeats_are_an_error_naming_both_rows_and_neither_is_sent():
    result = parse_text(
        f"{HEADER}SALES-Q4-01,On Track,0.45,2026-10-31\n"
        "SALES-Q4-02,On Track,1,2026-10-31\n"
        "SALES-Q4-01,At Risk,0.45,2026-10-31\n"
    )

    assert [(f.line, f.column, f.code) for f in result.errors] == [
        (4, "External ID", "row.conflict")
    ]
    assert result.errors[0].message == (
        "Row 4, External ID: row 2 already gives 'SALES-Q4-01' an update for"
        " 2026-10-31, with a different Status, Current Value or Comment. Keep the"
        " right one of rows 2 and 4, and delete the other."
    )
    assert [u.external_id for u in result.updates] == ["SALES-Q4-02"]


def test_a_different_value_is_a_conflict_too():
    result = parse_text(
        f"{HEADER}SALES-Q4-01,On Track,0.45,2026-10-31\n"
        "SALES-Q4-01,On Track,,2026-10-31\n"
    )

    assert [f.code for f in result.errors] == ["row.conflict"]


# --- the team's mapping --------------------------------------------------------------

MAPPING = {
    "SALES-Q4-01": PlanItemRule(own=True, active=True, has_metric=True),
    "SALES-Q4-02": PlanItemRule(own=True, active=True, has_metric=False),
    "SALES-OLD": PlanItemRule(own=True, active=False, has_metric=True),
    "FIN-SECRET-7": PlanItemRule(own=False, active=True, has_metric=True),
    "SALES-Q4-03": PlanItemRule(own=False, active=True, has_metric=True),
}


def mapped(line: str) -> csvformat.Result:
    return parse_text(f"{HEADER}{line}\n", plan_items=MAPPING)


def test_mapped_items_of_the_team_pass():
    result = parse_text(
        f"{HEADER}SALES-Q4-01,On Track,0.5,2026-10-31\n"
        "SALES-Q4-02,At Risk,,2026-10-31\n",
        plan_items=MAPPING,
    )

    assert result.findings == []
    assert len(result.updates) == 2


def test_an_external_id_the_team_does_not_have_is_an_error():
    result = mapped("MARKETING-9,On Track,0.5,2026-10-31")

    assert codes(result) == [(2, "External ID", "id.unknown")]
    assert result.findings[0].message == (
        "Row 2, External ID: 'MARKETING-9' is not one of this team's plan items."
        " Check it against your team's template, or ask an administrator to map it."
    )


def test_an_unknown_id_close_to_one_of_the_teams_own_gets_a_suggestion():
    result = mapped("sales-q4-01,On Track,0.5,2026-10-31")

    assert result.findings[0].message.endswith("Did you mean 'SALES-Q4-01'?")


def test_only_the_first_unknown_ids_get_a_suggestion():
    # Comparing against every mapped ID is slow; a file of typos gets a few hints.
    lines = "".join(
        f"SALES-Q4-0{n % 2 + 1}x{n},On Track,1,2026-10-31\n" for n in range(60)
    )
    result = parse_text(HEADER + lines, plan_items=MAPPING)

    hinted = [f.line for f in result.errors if "Did you mean" in f.message]
    assert hinted == list(range(2, 2 + 50))


def test_suggestions_never_name_another_teams_item():
    result = mapped("FIN-SECRET-8,On Track,0.5,2026-10-31")

    assert codes(result) == [(2, "External ID", "id.unknown")]
    assert "FIN-SECRET-7" not in result.findings[0].message
    assert "Did you mean" not in result.findings[0].message


def test_another_teams_item_reads_exactly_like_an_id_nobody_has():
    # An uploader must not learn which External IDs another team has.
    theirs = mapped("FIN-SECRET-7,On Track,0.5,2026-10-31")
    nobodys = mapped("FIN-SECRET-9,On Track,0.5,2026-10-31")

    assert codes(theirs) == codes(nobodys) == [(2, "External ID", "id.unknown")]
    assert theirs.findings[0].message == nobodys.findings[0].message.replace(
        "FIN-SECRET-9", "FIN-SECRET-7"
    )
    assert theirs.findings[0].suggestion is nobodys.findings[0].suggestion is None


def test_an_inactive_item_is_an_error():
    result = mapped("SALES-OLD,On Track,0.5,2026-10-31")

    assert codes(result) == [(2, "External ID", "id.inactive")]
    assert "inactive plan item" in result.findings[0].message


def test_an_item_with_a_metric_needs_a_current_value():
    result = mapped("SALES-Q4-01,On Track,,2026-10-31")

    assert codes(result) == [(2, "Current Value", "value.missing")]
    assert result.findings[0].message == (
        "Row 2, Current Value: 'SALES-Q4-01' has a metric, so its update needs a"
        " Current Value. Write it as a number (percentages as decimals: 45% is 0.45)."
    )
    assert result.updates == []


def test_without_a_mapping_an_empty_value_is_fine():
    result = parse_text(f"{HEADER}SALES-Q4-01,On Track,,2026-10-31\n")

    assert result.findings == []
    assert result.updates[0].value is None


# --- limits and the summary of repeated fixes ----------------------------------------


def test_more_rows_than_the_limit_is_one_clear_error_and_nothing_is_kept():
    lines = "".join(f"ITEM-{n},On Track,1,2026-10-31\n" for n in range(3))

    assert parse_text(HEADER + lines, max_rows=3).is_valid
    result = parse_text(HEADER + lines, max_rows=2)
    assert codes(result) == [(None, None, "file.too_many_rows")]
    assert result.findings[0].message == (
        "The file has more than 2 rows, the most one upload may have. Split it into"
        " files of at most 2 rows."
    )
    assert result.updates == []


def test_only_the_first_fixes_of_a_kind_are_listed_then_one_summary():
    lines = "".join(f"ITEM-{n},on track,1,2026-10-31\n" for n in range(60))
    result = parse_text(HEADER + lines)

    respelled = [f for f in result.findings if f.code == "status.respelled"]
    assert len(respelled) == csvformat.NOTES_PER_KIND + 1
    assert [f.line for f in respelled[:-1]] == list(range(2, 52))
    assert respelled[-1].line is None
    assert respelled[-1].message == (
        "... and 10 more rows like this, the last one: Row 61, Status: 'on track'"
        " will be sent as 'On Track'."
    )
    assert len(result.updates) == 60


def test_errors_are_never_summarized():
    lines = "".join(f"ITEM-{n},Ontrack,1,2026-10-31\n" for n in range(60))

    assert len(parse_text(HEADER + lines).errors) == 60


def test_a_file_with_a_header_only_has_no_updates():
    result = parse_text(HEADER + ",,,\n")

    assert codes(result) == [(2, None, "row.blank"), (None, None, "file.no_updates")]
    assert not result.is_valid


# --- the web form: cells instead of bytes --------------------------------------------


def test_parse_rows_applies_the_same_rules_to_cells():
    result = csvformat.parse_rows(
        [
            ["SALES-Q4-01", "on track", "45%", "2026-10-31"],
            ["SALES-Q4-02", "Acheived", "1", "10/31/2026"],
            ["", "", "", ""],
        ],
        first_line=5,
        plan_items=MAPPING,
    )

    assert codes(result) == [
        (5, "Status", "status.respelled"),
        (5, "Current Value", "value.percentage"),
        (6, "Status", "status.unknown"),
        (7, None, "row.blank"),
    ]
    assert result.updates == [
        Update("SALES-Q4-01", "On Track", Decimal("0.45"), OCT_31, line=5)
    ]
    assert result.encoding is None


def test_parse_rows_with_nothing_has_no_updates():
    result = csvformat.parse_rows([])

    assert [f.code for f in result.findings] == ["file.no_updates"]


def test_parse_rows_takes_missing_and_numeric_cells_as_text():
    result = csvformat.parse_rows([["SALES-Q4-01", "On Track", None, "2026-10-31"]])
    assert result.updates[0].value is None

    result = csvformat.parse_rows([["SALES-Q4-01", "On Track", 0.5, "2026-10-31"]])
    assert result.updates[0].value == Decimal("0.5")
