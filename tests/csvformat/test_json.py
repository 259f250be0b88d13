"""AchieveIt's JSON array: read into the same checks as a CSV, findings by record."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from uploads import csvformat
from uploads.csvformat import METRIC, PlanItemRule, Update

OCT_31 = date(2026, 10, 31)


def parse_json(records: object, **options: object) -> csvformat.Result:
    return csvformat.parse(json.dumps(records).encode(), **options)


def codes(result: csvformat.Result) -> list[tuple[int | None, str | None, str]]:
    return [(f.line, f.column, f.code) for f in result.findings]


def record(**fields: object) -> dict[str, object]:
    return {"externalId": "A", "status": "On Track", "asOfDate": "2026-10-31", **fields}


def test_the_vendors_example_checks_clean_and_is_sent_as_the_same_csv():
    data = (
        b'[{"externalId": "ce0eced5-8e2f", "status": "On Track", "metricValue": 0.54,'
        b' "asOfDate": "2025-07-03", "comment": "comment text goes here"}]'
    )

    result = csvformat.parse(data)

    assert result.findings == []
    assert result.source_format == "json"
    assert result.kind == "progress"
    assert csvformat.render_csv(result.updates) == (
        b"External ID,Status,Current Value,As Of Date,Comment\n"
        b"ce0eced5-8e2f,On Track,0.54,2025-07-03,comment text goes here\n"
    )


def test_findings_name_records_counted_from_one():
    result = parse_json(
        [record(externalId="A"), record(externalId="B", status="Acheived")]
    )

    assert codes(result) == [(2, "Status", "status.unknown")]
    assert result.findings[0].message == (
        "Record 2, Status: 'Acheived' is not an AchieveIt status. Did you mean"
        " 'Achieved'?"
    )
    assert result.findings[0].place == "Record"


def test_the_same_fixes_as_a_csv_apply():
    result = parse_json([record(status="on track", asOfDate="10/31/2026T09:00")])

    assert [f.code for f in result.fixes] == ["status.respelled"]
    assert [f.code for f in result.errors] == ["date.invalid"]


def test_a_number_is_read_exactly_as_written():
    data = (
        b'[{"externalId": "A", "status": "On Track", "metricValue": 0.540,'
        b' "asOfDate": "2026-10-31"},'
        b' {"externalId": "B", "status": "On Track", "metricValue": 1e3,'
        b' "asOfDate": "2026-10-31"},'
        b' {"externalId": "C", "status": "On Track", "metricValue": -12345678901234.5,'
        b' "asOfDate": "2026-10-31"}]'
    )

    result = csvformat.parse(data)

    assert result.findings == []
    assert [csvformat.format_value(u.value) for u in result.updates] == [
        "0.540",
        "1000",
        "-12345678901234.5",
    ]


def test_a_number_written_as_text_is_read_and_says_so():
    result = parse_json([record(metricValue="45%")])

    assert codes(result) == [
        (1, "Current Value", "value.json_text"),
        (1, "Current Value", "value.percentage"),
    ]
    assert result.findings[0].message == (
        "Record 1, Current Value: 'metricValue' holds the text '45%', not a JSON"
        " number; it was read as the number 0.45."
    )
    assert result.findings[0].severity == "fixed"
    assert result.updates[0].value == Decimal("0.45")


def test_text_that_is_no_number_is_the_csvs_error():
    result = parse_json([record(metricValue="lots")])

    assert codes(result) == [(1, "Current Value", "value.invalid")]


@pytest.mark.parametrize(("value", "shown"), [(True, "true"), ([1], "[1]")])
def test_a_value_that_is_no_number_or_text_is_an_error(value, shown):
    result = parse_json([record(metricValue=value)])

    assert codes(result) == [(1, "Current Value", "value.json_type")]
    assert result.findings[0].message.startswith(
        f"Record 1, Current Value: 'metricValue' holds {shown}, a JSON"
    )
    assert result.updates == []


def test_null_or_missing_is_an_empty_cell():
    result = parse_json(
        [record(metricValue=None, comment=None), record(externalId="B")]
    )

    assert result.findings == []
    assert [(u.value, u.comment) for u in result.updates] == [(None, ""), (None, "")]


def test_an_id_written_as_a_number_is_an_error():
    result = parse_json([record(externalId=1001)])

    assert codes(result) == [(1, "External ID", "record.not_text")]
    assert result.findings[0].message == (
        "Record 1, External ID: 'externalId' holds 1001, a JSON number, but it must"
        " be text: write it in quotation marks."
    )


def test_an_unknown_key_is_an_error_with_a_did_you_mean_and_the_record_is_not_sent():
    result = parse_json([record(metricValu=5), record(externalId="B")])

    assert codes(result) == [(1, None, "record.unknown_key")]
    assert result.findings[0].message == (
        "Record 1: 'metricValu' is not a field the portal reads. Did you mean"
        " 'metricValue'? The fields it reads are externalId, status, metricValue,"
        " asOfDate and comment."
    )
    assert result.findings[0].suggestion == "metricValue"
    assert [u.external_id for u in result.updates] == ["B"]


def test_a_record_that_is_not_an_object_is_an_error():
    result = parse_json([record(), "B,On Track,,2026-10-31"])

    assert codes(result) == [(2, None, "record.not_object")]
    assert result.findings[0].message.startswith(
        "Record 2: this is a JSON string, not an object: each update is an object"
        ' such as {"externalId": "SALES-Q4-01"'
    )


def test_invalid_json_says_where_reading_stopped():
    result = csvformat.parse(b'[\n  {"externalId": "A",}\n]')

    assert codes(result) == [(None, None, "json.invalid")]
    assert result.findings[0].message == (
        "The file is not valid JSON: expecting property name enclosed in double"
        " quotes (line 2, column 22). Correct the file there, or upload a CSV file"
        " instead."
    )


def test_an_object_instead_of_an_array_asks_for_an_array():
    result = csvformat.parse(b'{"updates": []}')

    assert codes(result) == [(None, None, "json.not_array")]
    assert result.findings[0].message.startswith(
        "The file holds a JSON object, not an array: send a JSON array of updates,"
    )


def test_records_without_a_status_key_are_metric_updates():
    result = parse_json(
        [
            {"externalId": "A", "metricValue": 5, "asOfDate": "2026-10-31"},
            {"externalId": "B", "asOfDate": "2026-10-31", "comment": "late"},
        ]
    )

    assert result.kind == METRIC
    assert codes(result) == [(2, "Current Value", "value.required")]
    assert result.updates == [Update("A", "", Decimal("5"), OCT_31)]
    assert csvformat.render_csv(result.updates, kind=METRIC) == (
        b"External ID,Current Metric Value,As Of Date\nA,5,2026-10-31\n"
    )


def test_a_json_content_type_is_read_as_json_whatever_the_start():
    data = (
        b'\n\n  [{"externalId": "A", "status": "On Track", "asOfDate": "2026-10-31"}]'
    )

    assert csvformat.parse(data).source_format == "json"
    result = csvformat.parse(data, content_type="application/json; charset=utf-8")
    assert result.source_format == "json"
    assert result.is_valid


def test_a_csv_whose_first_id_starts_with_a_bracket_stays_a_csv():
    result = csvformat.parse(b"[Q4] Sales,On Track,1,2026-10-31\n")

    assert result.source_format == "csv"
    assert [u.external_id for u in result.updates] == ["[Q4] Sales"]


def test_the_teams_mapping_applies_to_records():
    mapping = {"A": PlanItemRule(own=True, active=True, has_metric=True)}

    result = parse_json([record()], plan_items=mapping)

    assert codes(result) == [(1, "Current Value", "value.missing")]
    assert result.findings[0].message.startswith("Record 1, Current Value: 'A' has")


def test_too_many_records_is_one_error_in_records():
    result = parse_json([record(externalId=f"A{n}") for n in range(3)], max_rows=2)

    assert [f.message for f in result.findings] == [
        "The file has more than 2 records, the most one upload may have. Split it"
        " into files of at most 2 records."
    ]
    assert result.updates == []


def test_a_csv_whose_first_id_starts_with_a_brace_stays_a_csv():
    # Found by Hypothesis: an External ID '{' made the file read as JSON.
    result = csvformat.parse(b"{,On Track,,2000-01-01\r\n")

    assert result.source_format == "csv"
    assert [u.external_id for u in result.updates] == ["{"]


def test_an_object_is_still_told_to_be_an_array():
    result = csvformat.parse(b' {"externalId": "SALES-1"}')

    assert [f.code for f in result.findings] == ["json.not_array"]
