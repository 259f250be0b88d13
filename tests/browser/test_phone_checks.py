"""The phone check of look_at (checks.phone_faults) on small pages made for it:
it finds a cut table and a word broken inside, and passes what is fine (a table
that scrolls with the cue, stacked rows, a break after a hyphen, a file name too
long for the whole card)."""

from __future__ import annotations

import pytest

from tests.browser.checks import phone_faults

pytestmark = pytest.mark.browser

CUE = (
    "background: linear-gradient(to right, #fff 30%, #fff0) left / 2.5rem 100%"
    " no-repeat local, radial-gradient(farthest-side at 0 50%, #0003, #0000)"
    " left / .9rem 100% no-repeat scroll;"
)


def faults_in(page, body: str, style: str = "") -> list[str]:
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(
        "<html><head><style>body { margin: 8px; font: 16px sans-serif; }"
        f" td, th {{ padding: 4px 12px; white-space: nowrap; }} {style}</style></head>"
        f"<body>{body}</body></html>"
    )
    return phone_faults(page)


def wide_table(columns: int) -> str:
    cells = "".join(f"<td>Column number {n}</td>" for n in range(columns))
    heads = "".join(f"<th>As of date {n}</th>" for n in range(columns))
    return (
        f"<table><thead><tr>{heads}</tr></thead><tbody><tr>{cells}</tr></tbody></table>"
    )


def test_a_table_cut_inside_its_card_is_found(page, db):
    found = faults_in(
        page, f'<div class="card">{wide_table(4)}</div>', ".card { overflow: hidden; }"
    )
    assert found
    assert "is cut by" in found[0]
    assert "div.card" in found[0]


def test_a_table_that_scrolls_without_a_cue_is_found(page, db):
    found = faults_in(
        page,
        f'<div class="scroller">{wide_table(4)}</div>',
        ".scroller { overflow-x: auto; }",
    )
    assert found
    assert "scrolls sideways with no cue" in found[0]


def test_a_table_that_scrolls_with_the_cue_passes(page, db):
    style = ".scroller { overflow-x: auto; " + CUE + " }"
    assert faults_in(page, f'<div class="scroller">{wide_table(4)}</div>', style) == []


def test_a_table_a_few_pixels_too_wide_is_found_even_with_the_cue(page, db):
    # 380 px of room (390 less the body's margins, less 2 px); a 390 px table.
    style = (
        ".scroller { overflow-x: auto; width: 372px; " + CUE + " }"
        " table { width: 380px; border-collapse: collapse; }"
        " td { padding: 0; text-align: right; }"
    )
    body = (
        '<div class="scroller"><table><tr><td>Ends here, almost in view</td></tr>'
        "</table></div>"
    )
    found = faults_in(page, body, style)
    assert found
    assert "too little for its scroll cue to show" in found[0]


def test_stacked_rows_and_a_visually_hidden_header_pass(page, db):
    style = (
        "thead { position: absolute; width: 1px; height: 1px; overflow: hidden;"
        " clip: rect(0 0 0 0); } table, tbody, tr, td { display: block; }"
        " .card { overflow: hidden; }"
    )
    assert faults_in(page, f'<div class="card">{wide_table(4)}</div>', style) == []


def test_a_word_broken_inside_is_found(page, db):
    # "AchieveI t": break-all lets the table shrink the column below the word.
    body = (
        '<table><tr><td class="x">Sent to AchieveIt</td>'
        "<td>a long second column that takes the rest of the width of the page</td>"
        "</tr></table>"
    )
    wrapping = "td { white-space: normal !important; }"
    found = faults_in(page, body, wrapping + ".x { word-break: break-all; }")
    assert any("is broken across lines" in fault for fault in found), found
    assert faults_in(page, body, wrapping + ".x { overflow-wrap: break-word; }") == []


def test_a_title_drawn_one_letter_a_line_is_found(page, db):
    found = faults_in(
        page,
        '<div class="row"><h1 class="title">Sales team</h1>'
        "<div>Add a member</div></div>",
        ".row { display: flex; } .title { overflow-wrap: anywhere; flex: 0 1 0; }",
    )
    # The title is a flex item shrunk by overflow-wrap:anywhere: the known blind
    # spot (its room is the width it was given); the same title in a table cell
    # or an inline box is found.
    assert found == []
    found = faults_in(
        page,
        '<p><span class="title">Sales team</span></p>',
        "p { width: 200px; } .title { display: inline-block; width: 1.5rem;"
        " overflow-wrap: anywhere; }",
    )
    assert any("'Sales' is broken across lines" in fault for fault in found), found


def test_breaks_between_words_after_hyphens_and_in_long_names_pass(page, db):
    long_name = "weekly_update_for_the_sales_team_exported_from_the_warehouse.csv"
    body = (
        "<p class='narrow'>A sentence that wraps between its words, as text should.</p>"
        "<p class='narrow'>SALES-Q4-01-PIPELINE-COVERAGE-NORTH-EAST</p>"
        f"<p class='file'>{long_name}</p>"
    )
    style = ".narrow { width: 8rem; } .file { overflow-wrap: anywhere; }"
    assert faults_in(page, body, style) == []


def test_a_badge_squeezed_in_a_title_is_found(page, db):
    body = (
        '<h1 class="title">Send upload number 3 again to AchieveIt?'
        ' <span class="badge">Needs review</span></h1>'
    )
    style = (
        ".title { display: flex; width: 300px; }"
        " .badge { overflow: hidden; white-space: nowrap; }"
    )
    found = faults_in(page, body, style)
    assert any("'Needs review' is cut by" in fault for fault in found), found
    assert faults_in(page, body, style + " .badge { flex-shrink: 0; }") == []


def test_a_long_file_name_beside_its_label_may_break_a_short_one_not(page, db):
    # Stacked rows: the value has the cell less its label (340 - 104 - 12 px).
    style = (
        "td { display: flex; gap: 12px; width: 340px; white-space: normal;"
        " overflow-wrap: anywhere; } td::before { content: attr(data-label);"
        " flex: 0 0 104px; } .all { word-break: break-all; }"
    )
    long_name = "sales_weekly_update_2026_12_07_final.csv"  # wider than 224 px
    body = f'<table><tr><td data-label="File">{long_name}</td></tr></table>'
    assert faults_in(page, body, style) == []
    short = "Attached file sales_weekly_update.csv"  # the name alone fits
    body = f'<table><tr><td data-label="File">{short}</td></tr></table>'
    assert faults_in(page, body, style) == []
    found = faults_in(page, body.replace("<td ", '<td class="all" '), style)
    assert any("'sales_weekly_update' is broken" in fault for fault in found), found
