"""Properties that hold for every input, checked with Hypothesis:

- any bytes give findings or updates, never an exception;
- any valid set of updates, written out (by us or as a spreadsheet would, as CSV
  or as AchieveIt's JSON) and read back, gives the same updates, with comments and
  for metric updates too;
- normalizing twice changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uploads import csvformat
from uploads.csvformat import COLUMNS, HEADER, METRIC, STATUSES, Update
from uploads.csvformat.cells import check_comment

PROPERTY_SETTINGS = settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)

# Characters that make CSV files interesting: separators, quotes, line ends,
# number and date punctuation, look-alikes and invisible ones.
TRICKY = ",;\t\"' \r\n%.-+/:TWZe0123456789aAéÉ€$#\u00a0\ufeff\u2019"
CELL = st.one_of(
    st.text(alphabet=TRICKY, max_size=12),
    st.sampled_from(
        [
            "External ID",
            "external",
            "On Track",
            "on track",
            "Acheived",
            "45%",
            "0.20",
            "1,200",
            "1e5",
            "NaN",
            "2026-10-31",
            "2026-W48-6",
            "2026-332",
            "10/31/2026",
            "31/10/2026",
            "2026-10-31T23:30:00-05:00",
            "",
        ]
    ),
)
ROWS = st.lists(st.lists(CELL, max_size=6), max_size=12)


def assert_well_formed(result: csvformat.Result) -> None:
    assert result.findings or result.updates
    for finding in result.findings:
        assert finding.severity in ("error", "warning", "fixed")
        assert finding.message
        assert finding.line is None or finding.line >= 1
        assert finding.column is None or finding.column in COLUMNS
    for update in result.updates:
        assert isinstance(update, Update)
        assert update.status in (STATUSES if result.kind != METRIC else ("",))
    # Whatever was accepted can be written as AchieveIt expects.
    csvformat.render_csv(result.updates, kind=result.kind)


def write_rows(
    rows: list[list[str]],
    delimiter: str,
    line_end: str,
    quoting: int = csv.QUOTE_MINIMAL,
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator=line_end, quoting=quoting
    )
    writer.writerows(rows)
    return buffer.getvalue()


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000))
def test_any_bytes_give_findings_or_updates_never_an_exception(data):
    assert_well_formed(csvformat.parse(data))


@PROPERTY_SETTINGS
@given(
    ROWS,
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_any_csv_like_text_gives_findings_or_updates(rows, delimiter, line_end, codec):
    text = write_rows(rows, delimiter, line_end)
    data = text.encode(codec, errors="replace")

    assert_well_formed(csvformat.parse(data))
    assert_well_formed(csvformat.parse_rows(rows))


EXTERNAL_IDS = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"
        ),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(
        lambda text: (
            text
            and text.isprintable()
            and "external" not in text.lower()
            and not any(mark in text for mark in ",\"'\u201c\u201d\u2018\u2019\u201e")
            and not text.startswith(("=", "+", "-", "@"))
        )
    )
)
# Comments as the rules leave them: any text, tricky for CSV (separators, quotes,
# line breaks, formula triggers), stripped, line feeds only; most updates have none.
COMMENTS = st.one_of(
    st.just(""),
    st.text(alphabet=TRICKY + "=@\n\t", max_size=30),
    st.text(max_size=30),
).map(lambda text: check_comment(text).comment or "")
# Values AchieveIt can take: finite, at most 30 digits when written out.
NUMBERS = st.one_of(
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        min_value=-(10**12),
        max_value=10**12,
        places=12,
    ),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-1, max_value=10**6
    ),
    st.integers(min_value=-(10**29), max_value=10**30 - 1).map(Decimal),
)
VALUES = st.none() | NUMBERS
UPDATES = st.lists(
    st.builds(
        Update,
        external_id=EXTERNAL_IDS,
        status=st.sampled_from(STATUSES),
        value=VALUES,
        as_of_date=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
        comment=COMMENTS,
    ),
    min_size=1,
    max_size=15,
    unique_by=lambda update: (update.external_id, update.as_of_date),
)
METRIC_UPDATES = st.lists(
    st.builds(
        Update,
        external_id=EXTERNAL_IDS,
        status=st.just(""),
        value=NUMBERS,  # a metric update is a value
        as_of_date=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
        comment=COMMENTS,
    ),
    min_size=1,
    max_size=15,
    unique_by=lambda update: (update.external_id, update.as_of_date),
)


@PROPERTY_SETTINGS
@given(UPDATES)
def test_valid_updates_written_out_and_read_back_are_the_same(updates):
    result = csvformat.parse(csvformat.render_csv(updates))

    assert result.findings == []
    assert result.updates == updates
    assert [update.line for update in result.updates] == list(
        range(2, len(updates) + 2)
    )


@PROPERTY_SETTINGS
@given(METRIC_UPDATES)
def test_valid_metric_updates_written_out_and_read_back_are_the_same(updates):
    result = csvformat.parse(csvformat.render_csv(updates, kind=METRIC))

    assert result.findings == []
    assert result.kind == METRIC
    assert result.updates == updates
    assert [update.comment for update in result.updates] == [
        update.comment for update in updates
    ]


def as_json(updates: list[Update]) -> bytes:
    """AchieveIt's JSON array, the value written as a JSON number of its digits."""
    records = []
    for update in updates:
        fields = [f'"externalId": {json.dumps(update.external_id)}']
        if update.status:
            fields.append(f'"status": {json.dumps(update.status)}')
        if update.value is not None:
            fields.append(f'"metricValue": {csvformat.format_value(update.value)}')
        fields.append(f'"asOfDate": "{update.as_of_date.isoformat()}"')
        if update.comment:
            fields.append(f'"comment": {json.dumps(update.comment)}')
        records.append("{" + ", ".join(fields) + "}")
    return ("[\n" + ",\n".join(records) + "\n]").encode()


@PROPERTY_SETTINGS
@given(st.one_of(UPDATES, METRIC_UPDATES))
def test_valid_updates_sent_as_json_read_back_the_same(updates):
    result = csvformat.parse(as_json(updates))

    assert result.findings == []
    assert result.source_format == "json"
    assert result.updates == updates
    assert [update.line for update in result.updates] == list(
        range(1, len(updates) + 1)
    )


@PROPERTY_SETTINGS
@given(
    UPDATES,
    st.sampled_from(
        [
            ("utf-8-sig", ",", "\r\n"),  # Excel "CSV UTF-8"
            ("utf-16", "\t", "\r\n"),  # Excel "Unicode Text"
            ("utf-8", ",", "\r\n"),  # Google Sheets
            ("utf-8", ",", "\n"),  # LibreOffice
            ("utf-8", ";", "\r"),
        ]
    ),
    st.booleans(),
    st.booleans(),
    st.permutations(range(5)),
)
def test_valid_updates_saved_by_a_spreadsheet_read_back_the_same(
    updates, program, with_header, us_dates, order
):
    codec, delimiter, line_end = program
    with_comments = any(update.comment for update in updates)
    width = 5 if with_comments else 4
    # With a header the columns may come in any order; without one, in the
    # template's.
    order = [index for index in order if index < width] if with_header else None
    header = [*HEADER, "Comment"][:width]
    rows = [[header[index] for index in order]] if order else []
    for update in updates:
        as_of = update.as_of_date
        written_date = (
            f"{as_of.month}/{as_of.day}/{as_of.year:04d}"
            if us_dates
            else as_of.isoformat()
        )
        value = csvformat.format_value(update.value)
        cells = [update.external_id, update.status.lower(), value, written_date]
        cells.append(update.comment)
        cells = cells[:width]
        rows.append([cells[index] for index in order] if order else cells)
    # csv.writer quotes a line break only if it is in the line end it writes; a
    # spreadsheet quotes every cell with one.
    quoting = csv.QUOTE_ALL if line_end == "\r" else csv.QUOTE_MINIMAL
    data = write_rows(rows, delimiter, line_end, quoting).encode(codec)

    result = csvformat.parse(data)

    assert result.errors == []
    assert result.updates == updates


@PROPERTY_SETTINGS
@given(
    ROWS,
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_normalizing_twice_changes_nothing(rows, delimiter, codec):
    data = write_rows(rows, delimiter, "\r\n").encode(codec, errors="replace")

    once = csvformat.render_csv(csvformat.parse(data).updates)
    again = csvformat.parse(once)

    assert csvformat.render_csv(again.updates) == once
    assert not once.startswith(codecs.BOM_UTF8)
    if again.updates:
        assert again.findings == []


@PROPERTY_SETTINGS
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_format_value_round_trips_any_finite_decimal(value):
    text = csvformat.format_value(value)

    assert "E" not in text
    assert "e" not in text
    assert Decimal(text) == value
    assert csvformat.format_value(Decimal(text)) == text
