"""What leaves the portal: the normalized CSV, values as plain decimals, the team
template, and the message catalogue every finding is worded from."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from uploads import csvformat
from uploads.csvformat import Problem, Update

from . import workbooks

OCT_31 = date(2026, 10, 31)


def test_render_csv_writes_exactly_what_achieveit_expects():
    updates = [
        Update("SALES-Q4-01", "On Track", Decimal("0.45"), OCT_31, line=2),
        Update("IT-MIGRATION", "Not Started", None, date(2026, 1, 5), line=3),
        Update("CAF\u00c9 #1", "Canceled", Decimal("1E+3"), date(999, 12, 31)),
    ]

    assert csvformat.render_csv(updates) == (
        b"External ID,Status,Current Value,As Of Date\n"
        b"SALES-Q4-01,On Track,0.45,2026-10-31\n"
        b"IT-MIGRATION,Not Started,,2026-01-05\n"
        b"CAF\xc3\x89 #1,Canceled,1000,0999-12-31\n"
    )


def test_render_csv_of_nothing_is_the_header_alone():
    assert csvformat.render_csv([]) == b"External ID,Status,Current Value,As Of Date\n"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (Decimal("0.20"), "0.20"),
        (Decimal("0.2"), "0.2"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.5E-7"), "0.00000015"),
        (Decimal("-3.5"), "-3.5"),
        (Decimal("-0"), "0"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("125000"), "125000"),
        (Decimal("12345678901234567890.123"), "12345678901234567890.123"),
    ],
)
def test_format_value_writes_a_plain_decimal_without_exponent(value, text):
    assert csvformat.format_value(value) == text


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Inf")]
)
def test_format_value_refuses_what_is_not_a_number(value):
    with pytest.raises(Problem, match="cannot be written into an AchieveIt file"):
        csvformat.format_value(value)


@pytest.mark.parametrize(
    "update",
    [
        Update("My External KPI", "On Track", None, OCT_31),
        Update("A,B", "On Track", None, OCT_31),
        Update('A"B', "On Track", None, OCT_31),
        Update("A\nB", "On Track", None, OCT_31),
        Update(" A", "On Track", None, OCT_31),
        Update("", "On Track", None, OCT_31),
        Update("A", "on track", None, OCT_31),
        Update("A", "Done", None, OCT_31),
        Update("A", "On Track", Decimal("NaN"), OCT_31),
        Update("A", "On Track", Decimal("1E+30"), OCT_31),
        Update("A", "On Track", Decimal("1E-30"), OCT_31),
        Update('=HYPERLINK("http://evil.example/")', "On Track", None, OCT_31),
        Update("@cmd", "On Track", None, OCT_31),
        Update("-A", "On Track", None, OCT_31),
    ],
)
def test_render_csv_refuses_an_update_achieveit_would_reject(update):
    with pytest.raises(Problem):
        csvformat.render_csv([update])


def test_update_equality_ignores_where_it_was_written():
    first = Update("A", "On Track", Decimal("0.5"), OCT_31, line=2)
    same = Update("A", "On Track", Decimal("0.50"), OCT_31, line=9)
    other = Update("A", "At Risk", Decimal("0.5"), OCT_31, line=2)

    assert first == same
    assert not first != same  # noqa: SIM202 (__ne__ must agree with __eq__)
    assert hash(first) == hash(same)
    assert first != other
    assert len({first, same, other}) == 2


def test_render_template_lists_the_teams_external_ids_for_excel():
    template = csvformat.render_template(["SALES-Q4-01", "CAF\u00c9-02"])

    assert template == (
        b"\xef\xbb\xbfExternal ID,Status,Current Value,As Of Date\n"
        b"SALES-Q4-01,,,\n"
        b"CAF\xc3\x89-02,,,\n"
    )


def test_an_untouched_template_has_no_updates_and_says_so():
    result = csvformat.parse(csvformat.render_template(["SALES-Q4-01", "HR-1"]))

    assert [(f.line, f.code) for f in result.findings] == [
        (2, "row.id_only"),
        (3, "row.id_only"),
        (None, "file.no_updates"),
    ]


def test_a_partly_filled_template_sends_the_filled_rows():
    template = csvformat.render_template(["SALES-Q4-01", "HR-1"]).decode("utf-8-sig")
    filled = template.replace("SALES-Q4-01,,,", "SALES-Q4-01,On Track,0.5,2026-10-31")

    result = csvformat.parse(filled.encode("utf-8"))

    assert result.is_valid
    assert [(u.external_id, u.line) for u in result.updates] == [("SALES-Q4-01", 2)]
    assert [f.code for f in result.warnings] == ["row.id_only"]


@pytest.mark.parametrize(
    "external_id",
    ["External-1", "A,B", 'A"B', "", " A", "A\tB", "=1+2", "+A", "-A", "@cmd", "\tA"],
)
def test_render_template_refuses_an_invalid_external_id(external_id):
    with pytest.raises(Problem):
        csvformat.render_template(["SALES-Q4-01", external_id])
    assert not csvformat.is_writable_id(external_id)


@pytest.mark.parametrize("external_id", ["SALES-Q4-01", "Q4 goal/2", "A=B", "x@y"])
def test_a_filled_template_comes_back_with_its_ids_unchanged(external_id):
    # Written as they are, never escaped: an apostrophe in front would come back
    # from the spreadsheet and no longer match the mapping.
    template = csvformat.render_template([external_id]).decode("utf-8-sig")
    filled = template.replace(",,,", ",On Track,1,2026-10-31")

    result = csvformat.parse(filled.encode("utf-8"))

    assert [u.external_id for u in result.updates] == [external_id]
    assert csvformat.is_writable_id(external_id)


def test_a_normalized_csv_is_served_as_it_is():
    sent = csvformat.render_csv(
        [
            Update("A", "On Track", Decimal("-3.5"), OCT_31),
            Update("B", "At Risk", None, OCT_31),
        ]
    ).decode()

    assert csvformat.safe_normalized_csv(sent) == sent


def test_a_normalized_csv_kept_from_before_the_id_rules_is_made_safe():
    kept = (
        "External ID,Status,Current Value,As Of Date\n"
        "=HYPERLINK(http://evil.example/),On Track,-2,2026-10-31\n"
        "@cmd,On Track,,2026-10-31\n"
    )

    assert csvformat.safe_normalized_csv(kept) == (
        "External ID,Status,Current Value,As Of Date\n"
        "'=HYPERLINK(http://evil.example/),On Track,-2,2026-10-31\n"
        "'@cmd,On Track,,2026-10-31\n"
    )


# --- the message catalogue -----------------------------------------------------------

HEADER = b"External ID,Status,Current Value,As Of Date\n"
COMMENTED = b"External ID,Status,Current Value,As Of Date,Comment\n"
METRIC_HEADER = b"External ID,Current Metric Value,As Of Date\n"

# One input per finding code: a code that no input reaches is a rule without a test.
REACHING_EACH_CODE: dict[str, bytes] = {
    "file.too_large": b"x" * 10_000_001,
    "file.empty": b"",
    "file.workbook": workbooks.zipped({"word/document.xml": b"<w/>"}),
    "file.workbook_corrupt": b"PK\x03\x04rest-of-a-zip",
    "file.workbook_password": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + "EncryptionInfo".encode("utf-16-le"),
    "file.workbook_bomb": workbooks.zipped(
        {"xl/workbook.xml": b"<workbook/>", "xl/big.xml": bytes(10_000_000)}
    ),
    "file.workbook_fake": b"\x89PNG\r\n\x1a\n\x00\x00",
    "sheet.choose": workbooks.xlsx({"A": [workbooks.HEADER], "B": [workbooks.HEADER]}),
    "sheet.unknown": workbooks.xlsx({"A": [workbooks.HEADER]}),
    "sheet.none": workbooks.xlsx({"A": []}),
    "sheet.far_cell": workbooks.far_xlsx({(2, 100): "x"}),
    "cell.error": workbooks.xlsx(
        {"A": [workbooks.HEADER, ["A", ("=NA()", "#N/A"), 1, "2026-10-31"]]}
    ),
    "row.left_blank": workbooks.xlsx(
        {"A": [workbooks.HEADER, ["A"], ["B", "On Track", 1, "2026-10-31"]]}
    ),
    "file.binary": b"A,B\x00,C,D\n",
    "file.encoding": b"A,\x81,C,D\n",
    "file.unreadable": b'"' + b"x" * 200_000 + b'"\n',
    "file.too_many_rows": HEADER + b"A,On Track,1,2026-10-31\n" * 100_001,
    "file.no_updates": HEADER,
    "file.windows_1252": b"CAF\xc9,On Track,1,2026-10-31\n",
    "header.first_cell": b"External IDs,Status,Current Value,As Of Date\n",
    "header.garbled_bom": "\ufeffExternal ID,Status,Current Value,As Of Date\n"
    "A,On Track,1,2026-10-31\n".encode()
    .decode("cp1252")
    .encode(),
    "header.unmarked": b"ID,Status,Value,Date\n",
    "header.unknown": b"External ID,Status,Current Value,As Of Date,Owner\n",
    "header.repeated": b"External ID,Status,Current Value,Metric Value,As Of Date\n",
    "header.missing": b"External ID,Status\n",
    "header.no_kind": b"External ID,As Of Date\nA,2026-10-31\n",
    "row.blank": HEADER + b",,,\nA,On Track,1,2026-10-31\n",
    "row.id_only": HEADER + b"A,,,\n",
    "row.repeated_header": HEADER + b"A,On Track,1,2026-10-31\n" + HEADER,
    "row.extra_cells": HEADER + b"A,On Track,1,2026-10-31,\n",
    "row.columns": HEADER + b"A,On Track,2026-10-31\n",
    "row.split_cell": b"A,On Track,125,000,2026-10-31\n",
    "row.duplicate": HEADER + b"A,On Track,1,2026-10-31\n" * 2,
    "row.conflict": HEADER + b"A,On Track,1,2026-10-31\nA,On Track,2,2026-10-31\n",
    "id.empty": HEADER + b",On Track,1,2026-10-31\n",
    "id.external": HEADER + b"external,On Track,1,2026-10-31\n",
    "id.comma": HEADER + b'"A,B",On Track,1,2026-10-31\n',
    "id.quote": HEADER + b"A'B,On Track,1,2026-10-31\n",
    "id.invisible": HEADER + b"A\xc2\xa0B,On Track,1,2026-10-31\n",
    "id.trimmed": HEADER + b" A,On Track,1,2026-10-31\n",
    "id.unknown": HEADER + b"UNKNOWN,On Track,1,2026-10-31\n",
    "id.formula": HEADER + b"=A1,On Track,1,2026-10-31\n",
    "id.inactive": HEADER + b"OLD,On Track,1,2026-10-31\n",
    "id.no_metric": METRIC_HEADER + b"NO-METRIC,1,2026-10-31\n",
    "status.empty": HEADER + b"A,,1,2026-10-31\n",
    "status.unknown": HEADER + b"A,Ontrack,1,2026-10-31\n",
    "status.respelled": HEADER + b"A,on track,1,2026-10-31\n",
    "value.missing": HEADER + b"A,On Track,,2026-10-31\n",
    "value.required": METRIC_HEADER + b"A,,2026-10-31\n",
    "value.percentage": HEADER + b"A,On Track,45%,2026-10-31\n",
    "value.spreadsheet_error": HEADER + b"A,On Track,#REF!,2026-10-31\n",
    "value.thousands": HEADER + b'A,On Track,"1,200",2026-10-31\n',
    "value.decimal_comma": HEADER + b'A,On Track,"0,5",2026-10-31\n',
    "value.currency": HEADER + b"A,On Track,$5,2026-10-31\n",
    "value.exponent": HEADER + b"A,On Track,1E3,2026-10-31\n",
    "value.invalid": HEADER + b"A,On Track,lots,2026-10-31\n",
    "value.too_long": HEADER + b"A,On Track," + b"1" * 31 + b",2026-10-31\n",
    "date.empty": HEADER + b"A,On Track,1,\n",
    "date.invalid": HEADER + b"A,On Track,1,soon\n",
    "date.other_form": HEADER + b"A,On Track,1,31.10.2026\n",
    "date.no_day": HEADER + b"A,On Track,1,2026-10\n",
    "date.impossible": HEADER + b"A,On Track,1,2026-02-30\n",
    "date.two_digit_year": HEADER + b"A,On Track,1,10/31/26\n",
    "date.day_first": HEADER + b"A,On Track,1,31/10/2026\n",
    "date.year_first": HEADER + b"A,On Track,1,2026/10/31\n",
    "date.time_dropped": HEADER + b"A,On Track,1,2026-10-31T09:00\n",
    "date.ambiguous": HEADER + b"A,On Track,1,31/10/2026\nB,On Track,1,3/4/2026\n",
    "date.more_ambiguous": HEADER
    + b"A,On Track,1,31/10/2026\n"
    + b"".join(b"B%d,On Track,1,3/4/2026\n" % n for n in range(51)),
    "comment.too_long": COMMENTED + b"A,On Track,1,2026-10-31," + b"x" * 2001 + b"\n",
    "comment.control": COMMENTED + b"A,On Track,1,2026-10-31,ring\x07\n",
    "json.invalid": b'[{"externalId": "A",}]',
    "json.encoding": b'[{"externalId": "\xff"}]',
    "json.not_array": b'{"externalId": "A"}',
    "json.nested": b"[" * 100_000,
    "json.empty": b"[]",
    "record.not_object": b'["A"]',
    "record.unknown_key": b'[{"externalID": "A", "status": "On Track"}]',
    "record.not_text": b'[{"externalId": 12345, "status": "On Track"}]',
    "value.json_type": b'[{"externalId": "A", "status": "On Track",'
    b' "metricValue": true, "asOfDate": "2026-10-31"}]',
    "value.json_text": b'[{"externalId": "A", "status": "On Track",'
    b' "metricValue": "0.5", "asOfDate": "2026-10-31"}]',
    # A team's saved column mapping (see test_column_suggestions.py).
    "column.left_out": b"Code,RAG,Owner,When\nA,Green,Ann,2026-10-31\n",
    "status.mapped": b"Code,RAG,Owner,When\nA,Green,Ann,2026-10-31\n",
}
# The options a code needs beyond the team's plan items: a mapping's columns.
MAPPED = {
    "columns": csvformat.ColumnMap(0, 1, None, 3, None, 4, header=True),
    "status_words": {"green": "On Track"},
}
PARSE_OPTIONS: dict[str, dict[str, object]] = {
    "file.workbook_fake": {"content_type": "application/vnd.ms-excel"},
    "sheet.unknown": {"sheet": "Q4"},
    "column.left_out": MAPPED,
    "status.mapped": MAPPED,
}
MAPPING = {
    "A": csvformat.PlanItemRule(own=True, active=True, has_metric=True),
    "THEIRS": csvformat.PlanItemRule(own=False, active=True, has_metric=True),
    "OLD": csvformat.PlanItemRule(own=True, active=False, has_metric=True),
    "NO-METRIC": csvformat.PlanItemRule(own=True, active=True, has_metric=False),
}
NEEDS_MAPPING = {"id.unknown", "id.inactive", "id.no_metric", "value.missing"}


def all_codes() -> dict[str, str]:
    return {
        code: severity
        for severity, templates in csvformat.MESSAGES.items()
        for code in templates
    }


def test_every_finding_code_has_an_input_that_reaches_it():
    assert set(REACHING_EACH_CODE) == set(all_codes()) - {"write.invalid"}


@pytest.mark.parametrize("code", sorted(REACHING_EACH_CODE))
def test_each_code_is_reached_with_its_severity_and_a_full_message(code):
    mapping = MAPPING if code in NEEDS_MAPPING else None
    result = csvformat.parse(
        REACHING_EACH_CODE[code], plan_items=mapping, **PARSE_OPTIONS.get(code, {})
    )

    found = [finding for finding in result.findings if finding.code == code]
    assert found, [finding.code for finding in result.findings]
    finding = found[0]
    assert finding.severity == all_codes()[code]
    assert not re.search(r"\{\w", finding.message), "a field left unfilled"
    assert finding.message.endswith((".", "?"))
    place = "Record" if result.source_format == "json" else "Row"
    if result.sheet:  # a workbook's: "Sheet 'A', row 2, column B (Status): ..."
        place = f"Sheet {result.sheet!r}, row"
    if finding.line is not None:
        assert finding.message.startswith(f"{place} {finding.line}")
    if finding.line is not None and finding.column is not None and not result.sheet:
        assert finding.message.startswith(f"{place} {finding.line}, {finding.column}: ")
