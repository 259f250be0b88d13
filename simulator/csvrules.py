"""AchieveIt's update-file rules (CSV or JSON), checked as the simulated server does.

This is deliberately an independent implementation of ACHIEVEIT_API.md: the simulator
stands in for AchieveIt, so it must catch what the portal's own validator misses rather
than share its mistakes. It is strict: it checks, it never repairs (no trimming, no
percent conversion), because the portal promises to send only normalized files.

Two kinds of file are read (see simulator/README.md for what the vendor documents):
- a progress update: External ID, Status, Metric Value, As Of Date, optional Comment;
- a metric update: External ID, Current Metric Value (required), As Of Date, optional
  Comment.
Without a header row the columns are positional in that order; with one they are
matched by name in any order. A JSON array of objects may replace the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

PROGRESS = "progress"
METRIC = "metric"
KINDS = (PROGRESS, METRIC)

STATUSES = (
    "On Track",
    "Off Track",
    "At Risk",
    "Achieved",
    "Not Achieved",
    "Canceled",
    "Not Started",
)
CANONICAL_STATUS = {status.casefold(): status for status in STATUSES}
STATUSES_FOLDED = frozenset(CANONICAL_STATUS)
# A failed job's answer stays small, like the real one: enough rows to act on.
MAX_REPORTED_ERRORS = 50

# The fields of one update, whatever the file calls them.
EXTERNAL_ID = "external_id"
STATUS = "status"
VALUE = "value"
AS_OF_DATE = "as_of_date"
COMMENT = "comment"

# Header names, folded (case and spacing ignored), to the field they name.
COLUMN_NAMES = {
    "externalid": EXTERNAL_ID,
    "status": STATUS,
    "metricvalue": VALUE,
    "currentmetricvalue": VALUE,
    "currentvalue": VALUE,
    "asofdate": AS_OF_DATE,
    "comment": COMMENT,
}
# Column order without a header row; the last one (Comment) may be left out.
POSITIONAL_FIELDS = {
    PROGRESS: (EXTERNAL_ID, STATUS, VALUE, AS_OF_DATE, COMMENT),
    METRIC: (EXTERNAL_ID, VALUE, AS_OF_DATE, COMMENT),
}
REQUIRED_FIELDS = {
    PROGRESS: (EXTERNAL_ID, STATUS, VALUE, AS_OF_DATE),
    METRIC: (EXTERNAL_ID, VALUE, AS_OF_DATE),
}
# How messages name a field when the file has no header of its own.
CSV_FIELD_NAMES = {
    PROGRESS: {
        EXTERNAL_ID: "External ID",
        STATUS: "Status",
        VALUE: "Metric Value",
        AS_OF_DATE: "As Of Date",
        COMMENT: "Comment",
    },
    METRIC: {
        EXTERNAL_ID: "External ID",
        VALUE: "Current Metric Value",
        AS_OF_DATE: "As Of Date",
        COMMENT: "Comment",
    },
}
# The vendor's JSON field names (exact spelling, case included).
JSON_FIELDS = {
    "externalId": EXTERNAL_ID,
    "status": STATUS,
    "metricValue": VALUE,
    "asOfDate": AS_OF_DATE,
    "comment": COMMENT,
}
JSON_FIELD_NAMES = {field_key: name for name, field_key in JSON_FIELDS.items()}

DECIMAL_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)")
ISO_DATE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
US_DATE = re.compile(r"(?P<month>\d{2})/(?P<day>\d{2})/(?P<year>\d{4})")
HAS_METRIC_WORDS = {
    "yes": True,
    "true": True,
    "1": True,
    "no": False,
    "false": False,
    "0": False,
}


@dataclass(frozen=True)
class RowError:
    """One problem, tied to a 1-based CSV record (or JSON record) number.

    `row` is None for a problem with the whole file.
    """

    row: int | None
    message: str

    def as_dict(self) -> dict[str, object]:
        """The error as it appears in a status answer."""
        return {"row": self.row, "message": self.message}


@dataclass(frozen=True)
class Update:
    """One well-formed update, as AchieveIt would apply it to a plan item."""

    record: int
    external_id: str
    # Canonical spelling; None in a metric update.
    status: str | None
    # The value as decimal text; None when the cell was empty.
    value: str | None
    # The written date as YYYY-MM-DD (a time part is ignored).
    as_of_date: str
    # None when there is no comment (an empty comment is no comment).
    comment: str | None


@dataclass(frozen=True)
class CheckResult:
    """What processing a file found: how many updates, what is wrong, what is usable.

    `updates` holds the records that passed every check, in file order.
    """

    rows: int
    errors: list[RowError] = field(default_factory=list)
    updates: tuple[Update, ...] = ()
    body_format: str = "csv"

    @property
    def ok(self) -> bool:
        """True when AchieveIt would apply the file."""
        return not self.errors


class MappingError(ValueError):
    """The External ID mapping file cannot be used (the message says why)."""


def looks_like_json(body: bytes, content_type: str = "") -> bool:
    """True when a POST body is to be read as the vendor's JSON array.

    Either the Content-Type says application/json (parameters ignored), or the body,
    past an optional BOM and white space, starts with '['.
    """
    media_type = content_type.split(";", 1)[0].strip().casefold()
    if media_type == "application/json":
        return True
    return body.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"[")


def check_progress_csv(
    body: bytes, mapping: Mapping[str, bool] | None = None
) -> CheckResult:
    """Check a progress-update CSV file (see check_updates)."""
    return check_updates(body, kind=PROGRESS, mapping=mapping, is_json=False)


def check_updates(
    body: bytes,
    *,
    kind: str = PROGRESS,
    mapping: Mapping[str, bool] | None = None,
    is_json: bool | None = None,
    content_type: str = "",
) -> CheckResult:
    """Check an uploaded file against AchieveIt's rules for `kind` (progress|metric).

    `mapping` maps each known External ID to whether its plan item has a metric; when
    given, unknown IDs and missing values for metric items are errors too. `is_json`
    None means: decide with looks_like_json(body, content_type).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if is_json is None:
        is_json = looks_like_json(body, content_type)
    try:
        # utf-8-sig: a leading BOM is tolerated, as spreadsheets write one.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return CheckResult(
            0,
            [RowError(None, f"not UTF-8 (byte {error.start})")],
            body_format="json" if is_json else "csv",
        )
    checker = _JsonChecker(kind, mapping) if is_json else _CsvChecker(kind, mapping)
    return checker.check(text)


class _Checker:
    """What the CSV and the JSON reading share: the rules for one update."""

    body_format = "csv"

    def __init__(self, kind: str, mapping: Mapping[str, bool] | None) -> None:
        self.kind = kind
        self.mapping = mapping
        self.errors: list[RowError] = []
        self.updates: list[Update] = []
        self.records = 0

    def result(self) -> CheckResult:
        if self.records == 0 and not self.errors:
            noun = "progress" if self.kind == PROGRESS else "metric"
            self.errors.append(RowError(None, f"the file holds no {noun} updates"))
        return CheckResult(
            self.records, _capped(self.errors), tuple(self.updates), self.body_format
        )

    def check_record(
        self, record: int, fields: Mapping[str, str], names: Mapping[str, str]
    ) -> None:
        """Check one update's text fields (missing key: empty); `names` words
        the messages. Well-formed updates are kept for applying."""
        problems = []
        external_id = fields.get(EXTERNAL_ID, "")
        status = fields.get(STATUS, "")
        value = fields.get(VALUE, "")
        as_of_date = fields.get(AS_OF_DATE, "")
        comment = fields.get(COMMENT, "")

        id_problem = _external_id_problem(external_id, names[EXTERNAL_ID])
        if id_problem:
            problems.append(id_problem)
        elif self.mapping is not None and external_id not in self.mapping:
            problems.append(
                f"{names[EXTERNAL_ID]} '{external_id}' is not mapped to a plan item"
            )
        elif (
            self.kind == PROGRESS
            and self.mapping is not None
            and self.mapping[external_id]
            and value == ""
        ):
            problems.append(
                f"{names[VALUE]} is required: plan item '{external_id}' has a metric"
            )

        if self.kind == PROGRESS and status.casefold() not in STATUSES_FOLDED:
            problems.append(
                f"{names[STATUS]} '{status}' is not one of: {', '.join(STATUSES)}"
            )
        if self.kind == METRIC and value == "":
            problems.append(f"{names[VALUE]} is required in a metric update")
        elif value and not DECIMAL_NUMBER.fullmatch(value):
            problems.append(f"{names[VALUE]} '{value}' is not a decimal number")
        written_date = _written_date(as_of_date)
        if written_date is None:
            problems.append(
                f"{names[AS_OF_DATE]} '{as_of_date}' is not an ISO-8601 or "
                "MM/DD/YYYY date"
            )
        if problems:
            self.errors.extend(RowError(record, problem) for problem in problems)
            return
        assert written_date is not None
        self.updates.append(
            Update(
                record=record,
                external_id=external_id,
                status=CANONICAL_STATUS[status.casefold()]
                if self.kind == PROGRESS
                else None,
                value=value or None,
                as_of_date=written_date.isoformat(),
                comment=comment or None,
            )
        )


class _CsvChecker(_Checker):
    body_format = "csv"

    def check(self, text: str) -> CheckResult:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        except csv.Error as error:
            self.errors.append(RowError(None, f"not a readable CSV file: {error}"))
            return self.result()
        header_fields: list[str] | None = None
        names = CSV_FIELD_NAMES[self.kind]
        for row_number, cells in enumerate(rows, start=1):
            if row_number == 1 and _is_header(cells):
                header_fields = self._header(cells)
                if header_fields is None:
                    # Without a usable header no row can be read: count them only.
                    self.records = len(rows) - 1
                    return self.result()
                names = {**names, **_header_names(cells, header_fields)}
                continue
            self.records += 1
            fields = self._row_fields(row_number, cells, header_fields)
            if fields is not None:
                self.check_record(row_number, fields, names)
        return self.result()

    def _header(self, cells: list[str]) -> list[str] | None:
        """The field each header cell names; None (errors noted) when unusable."""
        known = ", ".join(_known_column_names(self.kind))
        header_fields: list[str] = []
        problems = []
        seen: dict[str, str] = {}
        for cell in cells:
            field_key = COLUMN_NAMES.get(_fold(cell))
            if field_key is None:
                problems.append(f"unknown column '{cell}' (columns read: {known})")
            elif field_key == STATUS and self.kind == METRIC:
                problems.append(
                    "a metric update has no Status column (progress updates go "
                    "to /api/progressupdates/)"
                )
            elif field_key in seen:
                problems.append(f"column '{cell}' repeats column '{seen[field_key]}'")
            else:
                seen[field_key] = cell
            header_fields.append(field_key or "")
        if not problems:
            names = CSV_FIELD_NAMES[self.kind]
            problems = [
                f"the header has no '{names[field_key]}' column"
                for field_key in REQUIRED_FIELDS[self.kind]
                if field_key not in seen
            ]
        if problems:
            self.errors.extend(RowError(1, problem) for problem in problems)
            return None
        return header_fields

    def _row_fields(
        self, row_number: int, cells: list[str], header_fields: list[str] | None
    ) -> dict[str, str] | None:
        if not any(cell.strip() for cell in cells):
            self._error(row_number, "empty row (AchieveIt does not accept empty rows)")
            return None
        if header_fields is not None:
            if len(cells) != len(header_fields):
                self._error(
                    row_number,
                    f"expected {len(header_fields)} columns, got {len(cells)}",
                )
                return None
            return dict(zip(header_fields, cells, strict=True))
        positional = POSITIONAL_FIELDS[self.kind]
        if len(cells) not in (len(positional) - 1, len(positional)):
            self._error(
                row_number,
                f"expected {len(positional) - 1} or {len(positional)} columns "
                f"(the last, Comment, is optional), got {len(cells)}",
            )
            return None
        return dict(zip(positional, cells, strict=False))

    def _error(self, row_number: int, message: str) -> None:
        self.errors.append(RowError(row_number, message))


class _JsonChecker(_Checker):
    body_format = "json"

    def check(self, text: str) -> CheckResult:
        try:
            records = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as error:
            self.errors.append(RowError(None, f"not readable JSON: {error}"))
            return self.result()
        if not isinstance(records, list):
            self.errors.append(
                RowError(None, "a JSON body must be an array of update objects")
            )
            return self.result()
        allowed = [
            name
            for name, key in JSON_FIELDS.items()
            if key in POSITIONAL_FIELDS[self.kind]
        ]
        for record_number, record in enumerate(records, start=1):
            self.records += 1
            fields = self._record_fields(record_number, record, allowed)
            if fields is not None:
                self.check_record(record_number, fields, JSON_FIELD_NAMES)
        return self.result()

    def _record_fields(
        self, record_number: int, record: object, allowed: list[str]
    ) -> dict[str, str] | None:
        if not isinstance(record, dict):
            self._error(record_number, "a record must be a JSON object")
            return None
        problems = []
        fields: dict[str, str] = {}
        for name, value in record.items():
            if name == "status" and self.kind == METRIC:
                problems.append(
                    "a metric update has no status (progress updates go to "
                    "/api/progressupdates/)"
                )
            elif name not in allowed:
                problems.append(
                    f"unknown field '{name}' (fields: {', '.join(allowed)})"
                )
            elif name == "metricValue":
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    problems.append(f"metricValue must be a JSON number, not {value!r}")
                elif not math.isfinite(value):
                    problems.append("metricValue must be a finite number")
                else:
                    fields[VALUE] = _number_text(value)
            elif name == "comment" and value is None:
                continue
            elif not isinstance(value, str):
                problems.append(f"{name} must be a string, not {value!r}")
            else:
                fields[JSON_FIELDS[name]] = value
        for name in allowed:
            required = JSON_FIELDS[name] in REQUIRED_FIELDS[self.kind]
            # A progress update's value may be left out (plan item without a metric).
            optional_value = name == "metricValue" and self.kind == PROGRESS
            if required and not optional_value and name not in record:
                problems.append(f"{name} is missing")
        if problems:
            self.errors.extend(RowError(record_number, problem) for problem in problems)
            return None
        return fields

    def _error(self, record_number: int, message: str) -> None:
        self.errors.append(RowError(record_number, message))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _number_text(value: int | float) -> str:
    # Decimal(repr(x)) keeps what was written (0.54, not 0.54000000000000003553).
    return format(Decimal(repr(value)), "f")


def _is_header(cells: list[str]) -> bool:
    """Row 1 is a header when its first cell contains 'external' (the old rule: no
    External ID may contain the word) or is one of the column names (any order)."""
    if not cells:
        return False
    first = cells[0]
    return "external" in first.casefold() or _fold(first) in COLUMN_NAMES


def _header_names(cells: list[str], header_fields: list[str]) -> dict[str, str]:
    """Messages then name a column as the file's own header does."""
    return dict(zip(header_fields, cells, strict=True))


def _known_column_names(kind: str) -> list[str]:
    names = ["External ID"]
    if kind == PROGRESS:
        names.append("Status")
    names += ["Metric Value", "Current Metric Value", "Current Value"]
    names += ["As Of Date", "Comment"]
    return names


def _fold(name: str) -> str:
    return "".join(name.split()).casefold()


def _external_id_problem(external_id: str, name: str) -> str | None:
    if not external_id.strip():
        return f"{name} is empty"
    if "external" in external_id.casefold():
        return f"{name} must not contain the word 'external'"
    if "," in external_id or '"' in external_id:
        return f"{name} must not contain commas or quotation marks"
    return None


def _written_date(text: str) -> date | None:
    match = ISO_DATE.fullmatch(text) or US_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def _capped(errors: list[RowError]) -> list[RowError]:
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    hidden = len(errors) - MAX_REPORTED_ERRORS
    return [*errors[:MAX_REPORTED_ERRORS], RowError(None, f"... and {hidden} more")]


def load_mapping(path: Path) -> dict[str, bool]:
    """Read `External ID,Name,Has Metric` rows into {external_id: has_metric}.

    Raises MappingError when the file is unreadable or a row is malformed.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"cannot read mapping file {path}: {error}") from error
    mapping: dict[str, bool] = {}
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None or [cell.strip() for cell in header[:3]] != [
        "External ID",
        "Name",
        "Has Metric",
    ]:
        raise MappingError(f"{path}: header must be 'External ID,Name,Has Metric'")
    for line_number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < 3 or cells[2].strip().casefold() not in HAS_METRIC_WORDS:
            raise MappingError(
                f"{path} line {line_number}: expected External ID, Name and "
                "Has Metric (yes/no, true/false or 1/0)"
            )
        mapping[cells[0].strip()] = HAS_METRIC_WORDS[cells[2].strip().casefold()]
    return mapping
