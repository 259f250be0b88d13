"""What a check hands back: updates, findings and the result that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from uploads.csvformat.messages import (
    COLUMNS,
    ERROR,
    FIXED,
    PROGRESS,
    WARNING,
    Note,
    Severity,
)

# The field of a note's message that holds what the cell should say instead, by
# code: what a person can apply with one click ("Did you mean 'Achieved'?").
_SUGGESTION_FIELDS = {
    "status.unknown": "fix",
    "id.unknown": "fix",
    "value.thousands": "value",
    "value.decimal_comma": "value",
    "value.currency": "value",
    "value.exponent": "value",
    "date.other_form": "suggestion",
    "date.two_digit_year": "fix",
    "date.year_first": "fix",
    "date.day_first": "fix",
    "date.ambiguous": "suggestion",
    "header.unknown": "fix",
    "record.unknown_key": "fix",
}


def where(
    line: int | None,
    column: str | None,
    external_id: str = "",
    place: str = "Row",
    sheet: str = "",
    letter: str = "",
    heading: str = "",
) -> str:
    """How a message starts by saying where it is: "Row 14, Status: " for a cell,
    "Row 4: " for a row, "Row 4 (HR-1): " for a form's row, "" for the file;
    ``place`` "Record" for a JSON file's records ("Record 3, Status: "); with a
    ``sheet``, a workbook's cell by its column letter and the header written
    above it: "Sheet 'Q4 KPIs', row 7, column C (RAG): "."""
    if line is None:
        return ""
    if sheet:
        row = f"Sheet {sheet!r}, row {line}"
        if letter:
            shown = f"column {letter} ({heading})" if heading else f"column {letter}"
            return f"{row}, {shown}: "
        return f"{row}, {column}: " if column is not None else f"{row}: "
    row = f"{place} {line} ({external_id})" if external_id else f"{place} {line}"
    return f"{row}, {column}: " if column is not None else f"{row}: "


class Update(NamedTuple):
    """One update, normalized and ready to send: a progress update, or a metric
    update (``status`` "").

    Updates are equal when they say the same thing: ``line`` (where the update was
    written) takes no part in equality or hashing; ``comment`` ("" for none) does.
    A NamedTuple rather than a frozen dataclass because a large file makes 100,000
    of them: a tuple is made three times faster, and the garbage collector stops
    tracking it.
    """

    external_id: str
    status: str
    value: Decimal | None
    as_of_date: date
    line: int = 0
    comment: str = ""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Update):
            return self[:4] == other[:4] and self[5] == other[5]
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Update):
            return self[:4] != other[:4] or self[5] != other[5]
        return NotImplemented

    def __hash__(self) -> int:
        return hash((*self[:4], self[5]))


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a plan owner should know about their file.

    Where it is (``line``, ``column``, and for a row a person finds by its item,
    ``external_id``) is data beside ``detail``, the text of the finding itself;
    ``message`` is the whole sentence, composed from them ("Row 14, Status: ...").
    Re-numbering a finding (``dataclasses.replace(finding, line=...)``) therefore
    changes only its number.
    """

    line: int | None
    column: str | None
    severity: Severity
    detail: str
    code: str = ""
    # What the cell should say instead, when the message suggests one thing.
    suggestion: str | None = None
    # The cell as written, for a finding about a cell of a row.
    value: str | None = None
    # The External ID named beside the row number (a form's row), or "".
    external_id: str = ""
    # What ``line`` counts: "Row" (of a CSV file or a form) or "Record" (of JSON).
    place: str = "Row"
    # A workbook's finding: the sheet's name, and for a cell its column letter and
    # the header written above it ("" otherwise).
    sheet: str = ""
    letter: str = ""
    heading: str = ""
    # Composed from the fields above; a field (not a property) so that the stored
    # form of a finding, ``asdict(finding)``, holds the sentence every page shows.
    message: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "message",
            where(
                self.line,
                self.column,
                self.external_id,
                self.place,
                self.sheet,
                self.letter,
                self.heading,
            )
            + self.detail,
        )

    @classmethod
    def of(
        cls,
        line: int | None,
        column: str | None,
        note: Note,
        value: str | None = None,
        place: str = "Row",
        sheet: str = "",
        letter: str = "",
        heading: str = "",
    ) -> Finding:
        """The finding ``note`` makes about a cell, a row (no column) or the file
        (no line); ``value`` is the cell as written, ``place`` what ``line``
        counts, ``sheet``, ``letter`` and ``heading`` where a workbook has it."""
        # Only made for the findings listed, never for every row of a file.
        field_name = _SUGGESTION_FIELDS.get(note.code)
        suggestion = note.fields.get(field_name) if field_name else None
        return cls(
            line,
            column,
            note.severity,
            note.detail,
            note.code,
            str(suggestion) if suggestion else None,
            value,
            place=place,
            sheet=sheet,
            letter=letter,
            heading=heading,
        )

    def sort_key(self) -> tuple[int, int]:
        """Row order, and within a row the row itself, then the cells left to right."""
        column = COLUMNS.index(self.column) if self.column in COLUMNS else -1
        return self.line or 0, column


@dataclass(frozen=True, slots=True)
class PlanItemRule:
    """What the team's mapping says about one External ID."""

    own: bool
    active: bool
    has_metric: bool


@dataclass
class Result:
    """The valid updates of a file and everything found while reading it."""

    updates: list[Update]
    findings: list[Finding]
    encoding: str | None = None
    delimiter: str = ","
    # Every error found, the ones only counted in a summary included (None: as
    # many as are listed).
    error_total: int | None = None
    # PROGRESS (updates with a Status) or METRIC (a value only, no Status).
    kind: str = PROGRESS
    # What the file was: "csv" (or cells from a form), "json", or a workbook's
    # "xlsx", "xls" or "ods".
    source_format: str = "csv"
    # A workbook's: the sheet read, and the visible sheets a person may choose.
    sheet: str = ""
    sheet_names: tuple[str, ...] = ()

    @property
    def error_count(self) -> int:
        """How many errors the file has, listed or summarized."""
        return len(self.errors) if self.error_total is None else self.error_total

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == WARNING]

    @property
    def fixes(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == FIXED]

    @property
    def is_valid(self) -> bool:
        """True when nothing blocks sending (fixes and warnings do not)."""
        return not any(finding.severity == ERROR for finding in self.findings)
