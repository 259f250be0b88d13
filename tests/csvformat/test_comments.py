"""Comments: the optional fifth column, its rules, and how it is written and served."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from uploads import csvformat
from uploads.csvformat import COMMENT_MAX, Problem, Update

OCT_31 = date(2026, 10, 31)
COMMENTED = "External ID,Status,Current Value,As Of Date,Comment\n"


def parse_text(text: str, **options: object) -> csvformat.Result:
    return csvformat.parse(text.encode("utf-8"), **options)


def codes(result: csvformat.Result) -> list[tuple[int | None, str | None, str]]:
    return [(f.line, f.column, f.code) for f in result.findings]


def test_the_vendors_example_file_checks_clean():
    result = parse_text(
        "External ID,Status,Metric Value,As Of Date,Comment\n"
        'ce0eced5-8e2f,On Track,0.54,2025-07-03,"comment text goes here"\n'
    )

    assert result.findings == []
    assert result.updates == [
        Update(
            "ce0eced5-8e2f",
            "On Track",
            Decimal("0.54"),
            date(2025, 7, 3),
            comment="comment text goes here",
        )
    ]


def test_without_a_header_the_fifth_cell_is_the_comment():
    result = parse_text(
        "A,On Track,1,2026-10-31,Ahead of plan\nB,At Risk,,2026-10-31\n"
        "C,At Risk,,2026-10-31,\n"
    )

    assert result.findings == []
    assert [(u.external_id, u.comment) for u in result.updates] == [
        ("A", "Ahead of plan"),
        ("B", ""),
        ("C", ""),
    ]


def test_a_row_without_its_comment_cell_has_no_comment():
    result = parse_text(f"{COMMENTED}A,On Track,1,2026-10-31\n")

    assert result.findings == []
    assert result.updates[0].comment == ""


@pytest.mark.parametrize("blank", ["", "   ", "\t", '"\n\n"', '" \r\n "'])
def test_an_empty_or_blank_comment_is_no_comment(blank):
    result = parse_text(f"{COMMENTED}A,On Track,1,2026-10-31,{blank}\n")

    assert result.findings == []
    assert result.updates[0].comment == ""


def test_spaces_and_line_breaks_around_a_comment_are_dropped_silently():
    result = parse_text(f'{COMMENTED}A,On Track,1,2026-10-31,"  Done \n"\n')

    assert result.findings == []
    assert result.updates[0].comment == "Done"


def test_line_breaks_inside_are_kept_as_line_feeds():
    result = parse_text(
        f'{COMMENTED}A,On Track,1,2026-10-31,"Step one\r\nStep two\rStep three\n'
        'Step four\twith a tab"\n'
    )

    assert result.findings == []
    assert result.updates[0].comment == (
        "Step one\nStep two\nStep three\nStep four\twith a tab"
    )


@pytest.mark.parametrize(
    "comment", ["=SUM(A1:A9)", "+1 on this", "-5% vs plan", "@ann"]
)
def test_a_formula_like_comment_is_sent_as_written(comment):
    result = parse_text(f"{COMMENTED}A,On Track,1,2026-10-31,{comment}\n")

    assert result.findings == []
    assert result.updates[0].comment == comment
    sent = csvformat.render_csv(result.updates).decode()
    assert sent.endswith(f",{comment}\n")
    # ...but never as a formula in a file the portal serves to people.
    served = csvformat.safe_normalized_csv(sent)
    assert served.endswith(f",'{comment}\n")


def test_a_comment_too_long_is_an_error_with_its_length():
    comment = "x" * (COMMENT_MAX + 1)
    result = parse_text(f"{COMMENTED}A,On Track,1,2026-10-31,{comment}\n")

    assert codes(result) == [(2, "Comment", "comment.too_long")]
    assert result.findings[0].message == (
        "Row 2, Comment: the Comment has 2,001 characters, more than the 2,000 a"
        " comment may have. Shorten it."
    )
    assert result.updates == []


def test_a_comment_of_the_longest_length_is_fine():
    comment = "x" * COMMENT_MAX
    result = parse_text(f"{COMMENTED}A,On Track,1,2026-10-31,{comment}\n")

    assert result.findings == []
    assert result.updates[0].comment == comment


@pytest.mark.parametrize(
    ("character", "shown"), [("\x07", "U+0007"), ("\x00", "U+0000"), ("\x85", "U+0085")]
)
def test_a_control_character_in_a_comment_is_an_error(character, shown):
    result = csvformat.parse_rows(
        [["A", "On Track", "1", "2026-10-31", f"ring{character}bell"]]
    )

    assert codes(result) == [(1, "Comment", "comment.control")]
    assert result.findings[0].message == (
        f"Row 1, Comment: the Comment contains an invisible control character"
        f" ({shown}), which files and screens garble. Retype the comment without it."
    )
    assert result.updates == []


def test_a_repeat_with_another_comment_is_a_conflict():
    result = parse_text(
        f"{COMMENTED}A,On Track,1,2026-10-31,first\nA,On Track,1,2026-10-31,second\n"
    )

    assert [f.code for f in result.errors] == ["row.conflict"]


def test_a_repeat_with_the_same_comment_is_merged():
    result = parse_text(
        f"{COMMENTED}A,On Track,1,2026-10-31,same\nA,on track,1,10/31/2026,same\n"
    )

    assert "row.duplicate" in [f.code for f in result.warnings]
    assert len(result.updates) == 1


def test_parse_rows_takes_a_fifth_cell_as_the_comment():
    result = csvformat.parse_rows(
        [
            ["A", "On Track", "1", "2026-10-31", "Going well"],
            ["B", "On Track", "1", "2026-10-31"],
        ]
    )

    assert result.findings == []
    assert [u.comment for u in result.updates] == ["Going well", ""]


# --- writing -------------------------------------------------------------------------


def test_render_csv_adds_the_comment_column_when_any_update_has_one():
    updates = [
        Update("SALES-Q4-01", "On Track", Decimal("0.45"), OCT_31, comment="Ahead"),
        Update("HR-1", "At Risk", None, OCT_31),
        Update("HR-2", "At Risk", None, OCT_31, comment='Said "no", twice'),
        Update("HR-3", "Achieved", Decimal("1"), OCT_31, comment="One\nTwo"),
        Update("HR-4", "Achieved", None, OCT_31, comment="a;b\tc"),
    ]

    assert csvformat.render_csv(updates) == (
        b"External ID,Status,Current Value,As Of Date,Comment\n"
        b"SALES-Q4-01,On Track,0.45,2026-10-31,Ahead\n"
        b"HR-1,At Risk,,2026-10-31,\n"
        b'HR-2,At Risk,,2026-10-31,"Said ""no"", twice"\n'
        b'HR-3,Achieved,1,2026-10-31,"One\nTwo"\n'
        b'HR-4,Achieved,,2026-10-31,"a;b\tc"\n'
    )
    assert csvformat.parse(csvformat.render_csv(updates)).updates == updates


def test_without_comments_the_file_keeps_its_four_columns():
    sent = csvformat.render_csv([Update("A", "On Track", None, OCT_31, comment="")])

    assert (
        sent == b"External ID,Status,Current Value,As Of Date\nA,On Track,,2026-10-31\n"
    )


@pytest.mark.parametrize(
    "comment", [" padded", "x" * (COMMENT_MAX + 1), "bell\x07", "cr\r\nlf"]
)
def test_render_csv_refuses_a_comment_the_rules_would_change(comment):
    with pytest.raises(Problem, match="cannot be written into an AchieveIt file"):
        csvformat.render_csv([Update("A", "On Track", None, OCT_31, comment=comment)])


def test_a_normalized_csv_with_quoted_comments_is_served_as_it_is():
    sent = csvformat.render_csv(
        [
            Update("A", "On Track", Decimal("-3.5"), OCT_31, comment='x, "y"\nz'),
            Update("B", "At Risk", None, OCT_31),
        ]
    ).decode()

    assert csvformat.safe_normalized_csv(sent) == sent


def test_a_served_csv_makes_a_quoted_formula_comment_safe():
    sent = csvformat.render_csv(
        [Update("A", "On Track", None, OCT_31, comment='=HYPERLINK("x"), then')]
    ).decode()

    assert csvformat.safe_normalized_csv(sent) == (
        "External ID,Status,Current Value,As Of Date,Comment\n"
        'A,On Track,,2026-10-31,"\'=HYPERLINK(""x""), then"\n'
    )
