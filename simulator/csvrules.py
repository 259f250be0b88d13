"""AchieveIt's progress-update CSV rules, checked the way the simulated server does.

This is deliberately an independent implementation of ACHIEVEIT_API.md: the simulator
stands in for AchieveIt, so it must catch what the portal's own validator misses rather
than share its mistakes. It is strict: it checks, it never repairs (no trimming, no
percent conversion), because the portal promises to send only normalized files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HEADER_FIRST_CELL = "External ID"
COLUMN_COUNT = 4
STATUSES = (
    "On Track",
    "Off Track",
    "At Risk",
    "Achieved",
    "Not Achieved",
    "Canceled",
    "Not Started",
)
STATUSES_FOLDED = frozenset(status.casefold() for status in STATUSES)
# A failed job's answer stays small, like the real one: enough rows to act on.
MAX_REPORTED_ERRORS = 50

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
    """One problem, tied to a 1-based CSV record number (None: the whole file)."""

    row: int | None
    message: str

    def as_dict(self) -> dict[str, object]:
        """The error as it appears in a status answer."""
        return {"row": self.row, "message": self.message}


@dataclass(frozen=True)
class CheckResult:
    """What processing a file found: how many update rows, and what is wrong."""

    rows: int
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when AchieveIt would apply the file."""
        return not self.errors


class MappingError(ValueError):
    """The External ID mapping file cannot be used (the message says why)."""


def check_progress_csv(
    body: bytes, mapping: Mapping[str, bool] | None = None
) -> CheckResult:
    """Check an uploaded file against AchieveIt's rules.

    `mapping` maps each known External ID to whether its plan item has a metric; when
    given, unknown IDs and missing values for metric items are errors too.
    """
    try:
        # utf-8-sig: a leading BOM is tolerated, as spreadsheets write one.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return CheckResult(0, [RowError(None, f"not UTF-8 (byte {error.start})")])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        return CheckResult(0, [RowError(None, f"not a readable CSV file: {error}")])

    errors: list[RowError] = []
    update_rows = 0
    for row_number, cells in enumerate(records, start=1):
        if row_number == 1 and cells and "external" in cells[0].casefold():
            errors.extend(_header_errors(cells))
            continue
        update_rows += 1
        errors.extend(
            RowError(row_number, message) for message in _row_problems(cells, mapping)
        )
    if update_rows == 0 and not errors:
        errors.append(RowError(None, "the file holds no progress updates"))
    return CheckResult(update_rows, _capped(errors))


def _header_errors(cells: list[str]) -> list[RowError]:
    errors = []
    if cells[0] != HEADER_FIRST_CELL:
        errors.append(
            RowError(1, f"a header's first cell must be '{HEADER_FIRST_CELL}'")
        )
    if len(cells) != COLUMN_COUNT:
        errors.append(RowError(1, f"expected {COLUMN_COUNT} columns, got {len(cells)}"))
    return errors


def _row_problems(cells: list[str], mapping: Mapping[str, bool] | None) -> list[str]:
    if not any(cell.strip() for cell in cells):
        return ["empty row (AchieveIt does not accept empty rows)"]
    if len(cells) != COLUMN_COUNT:
        return [f"expected {COLUMN_COUNT} columns, got {len(cells)}"]
    external_id, status, current_value, as_of_date = cells
    problems = []

    id_problem = _external_id_problem(external_id)
    if id_problem:
        problems.append(id_problem)
    elif mapping is not None and external_id not in mapping:
        problems.append(f"External ID '{external_id}' is not mapped to a plan item")
    elif mapping is not None and mapping[external_id] and current_value == "":
        problems.append(
            f"Current Value is required: plan item '{external_id}' has a metric"
        )

    if status.casefold() not in STATUSES_FOLDED:
        problems.append(f"Status '{status}' is not one of: {', '.join(STATUSES)}")
    if current_value and not DECIMAL_NUMBER.fullmatch(current_value):
        problems.append(f"Current Value '{current_value}' is not a decimal number")
    if not _is_valid_date(as_of_date):
        problems.append(
            f"As Of Date '{as_of_date}' is not an ISO-8601 or MM/DD/YYYY date"
        )
    return problems


def _external_id_problem(external_id: str) -> str | None:
    if not external_id.strip():
        return "External ID is empty"
    if "external" in external_id.casefold():
        return "External ID must not contain the word 'external'"
    if "," in external_id or '"' in external_id:
        return "External ID must not contain commas or quotation marks"
    return None


def _is_valid_date(text: str) -> bool:
    match = ISO_DATE.fullmatch(text) or US_DATE.fullmatch(text)
    if match is None:
        return False
    try:
        date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return False
    return True


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
