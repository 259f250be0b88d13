"""Columns of another system's file, matched to AchieveIt's: suggestions and maps.

A finance or project system exports its own columns ("KPI Code, RAG, Actual,
Period End, Owner, Notes"). ``suggest_columns`` proposes, for each column, the field
it holds (External ID, Status, Metric Value, As Of Date, Comment) or ``None`` (left
out), from two kinds of evidence:

- its **name**, matched with rapidfuzz against a list of synonyms (``SYNONYMS``);
- its **values**: the column holding the team's own External IDs is the External
  ID whatever it is called; a column of dates, of statuses (AchieveIt's or RAG
  words) or of numbers.

Values outweigh names when they are clear (most of the non-empty samples agree),
since a name is only a hint and the values are what will be sent. Each field goes to
one column at most, the best supported first.

``suggest_status_words`` proposes an AchieveIt status for a team's own words (Green,
Amber, Red, Done, Late ...), which the checker then reads through
``parse(..., status_words=...)``. ``header_signature`` is the key a team's saved
mapping is remembered under; ``column_map`` turns the choices into the
``ColumnMap`` the checker reads rows by.

Pure Python, like the rest of csvformat (rapidfuzz is a compiled matcher).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import NamedTuple

from rapidfuzz import fuzz, process, utils

from uploads.csvformat.cells import check_date, check_status, check_value, closest
from uploads.csvformat.columns import ColumnMap, columns_from_header, header_key
from uploads.csvformat.messages import (
    COLUMN_COMMENT,
    COLUMN_DATE,
    COLUMN_ID,
    COLUMN_STATUS,
    STATUSES,
)

# The fields a column can be mapped to, as the mapping step names them.
FIELD_ID = COLUMN_ID
FIELD_STATUS = COLUMN_STATUS
FIELD_VALUE = "Metric Value"
FIELD_DATE = COLUMN_DATE
FIELD_COMMENT = COLUMN_COMMENT
FIELDS: tuple[str, ...] = (
    FIELD_ID,
    FIELD_STATUS,
    FIELD_VALUE,
    FIELD_DATE,
    FIELD_COMMENT,
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    FIELD_ID: ("External ID", "KPI", "Measure", "Code", "ID", "Key", "Reference"),
    FIELD_STATUS: ("Status", "RAG", "Health", "State", "Rating"),
    FIELD_VALUE: (
        "Metric Value",
        "Current Metric Value",
        "Current Value",
        "Actual",
        "Result",
        "Value",
        "Current",
    ),
    FIELD_DATE: ("As Of Date", "As of", "Reporting date", "Period end", "Date"),
    FIELD_COMMENT: ("Comment", "Comments", "Notes", "Commentary", "Remarks"),
}
# A name matching a synonym at least this well (rapidfuzz WRatio, 0-100) counts.
NAME_CUTOFF = 80
# The share of a column's non-empty samples that must agree for its values to be
# clear; own External IDs need fewer (a file may hold a few new or mistyped ones).
CLEAR_SHARE = 0.8
CLEAR_ID_SHARE = 0.5
# Clear values weigh this much; a name at most 1 (its match score / 100).
VALUE_WEIGHT = 2.0

# Words teams write for a status, lower case, and the AchieveIt status suggested.
STATUS_WORDS: dict[str, str] = {
    "green": "On Track",
    "ok": "On Track",
    "on schedule": "On Track",
    "in progress": "On Track",
    "amber": "At Risk",
    "yellow": "At Risk",
    "watch": "At Risk",
    "on hold": "At Risk",
    "red": "Off Track",
    "late": "Off Track",
    "delayed": "Off Track",
    "behind": "Off Track",
    "overdue": "Off Track",
    "blocked": "Off Track",
    "done": "Achieved",
    "complete": "Achieved",
    "completed": "Achieved",
    "met": "Achieved",
    "missed": "Not Achieved",
    "failed": "Not Achieved",
    "not met": "Not Achieved",
    "cancelled": "Canceled",
    "dropped": "Canceled",
    "not started": "Not Started",
    "planned": "Not Started",
    "to do": "Not Started",
    "todo": "Not Started",
}

_SYNONYM_FIELD: dict[str, str] = {
    utils.default_process(synonym): field
    for field, synonyms in SYNONYMS.items()
    for synonym in synonyms
}
_SYNONYMS = list(_SYNONYM_FIELD)
_FIELD_TO_COLUMN_MAP = {
    FIELD_ID: "external_id",
    FIELD_STATUS: "status",
    FIELD_VALUE: "value",
    FIELD_DATE: "as_of_date",
    FIELD_COMMENT: "comment",
}
# The header problems of a column the portal does not read.
_UNKNOWN_CODES = frozenset({"header.unknown", "header.unmarked", "header.first_cell"})
_WHY_VALUES = {
    FIELD_ID: "its values are your team's External IDs",
    FIELD_STATUS: "its values are statuses",
    FIELD_VALUE: "its values are numbers",
    FIELD_DATE: "its values are dates",
}


class ColumnSuggestion(NamedTuple):
    """One column of a file: where it is, its header and first values, and the
    field suggested for it (None: leave it out), with why in a few words."""

    index: int
    header: str
    samples: tuple[str, ...]
    field: str | None
    reason: str


def word_key(word: str) -> str:
    """A status word as it is compared: case and spacing do not matter."""
    return " ".join(word.split()).lower()


def header_width(header: Sequence[str]) -> int:
    """The number of header cells up to the last one that is not blank."""
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    return width


def header_signature(header: Sequence[str]) -> str:
    """The key a mapping is saved under: the header's cells as compared (case,
    spacing and trailing blank cells ignored), joined and hashed (SHA-256 hex)."""
    keys = [header_key(cell) for cell in header[: header_width(header)]]
    return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()


def needs_mapping(header: Sequence[str]) -> bool:
    """True for a header that is not all names the portal reads, or has no
    External ID: the file needs a mapping to be read."""
    columns, problems = columns_from_header(header)
    unknown = any(problem.note.code in _UNKNOWN_CODES for problem in problems)
    return unknown or columns.external_id is None


def is_status(word: str) -> bool:
    """True for a word AchieveIt reads as a status (any case and spacing)."""
    return bool(check_status(word, explain=False).status)


def name_field(name: str) -> tuple[str | None, float]:
    """The field a column's name suggests and how well it matches (0 to 1)."""
    processed = utils.default_process(name)
    if not processed:
        return None, 0.0
    match = process.extractOne(
        processed,
        _SYNONYMS,
        scorer=fuzz.WRatio,
        processor=None,
        score_cutoff=NAME_CUTOFF,
    )
    if match is None:
        return None, 0.0
    synonym, score, _index = match
    return _SYNONYM_FIELD[synonym], score / 100


def values_field(
    values: Iterable[str], own_ids: Collection[str] = ()
) -> tuple[str | None, float]:
    """The field a column's values clearly hold, and the share that agree.

    Own External IDs first (whatever the other checks say of them), then
    statuses, dates and numbers. (None, 0) when no kind is clear.
    """
    return _values_field(values, {external_id.lower() for external_id in own_ids})


def _values_field(
    values: Iterable[str], own_lower: Collection[str]
) -> tuple[str | None, float]:
    """``values_field`` with the own IDs already in lower case (made once for all
    the columns of a file, not once per column: 100,000 IDs cost 30 ms)."""
    written = [value.strip() for value in values if value.strip()]
    if not written:
        return None, 0.0
    total = len(written)
    if own_lower:
        share = sum(value.lower() in own_lower for value in written) / total
        if share >= CLEAR_ID_SHARE:
            return FIELD_ID, share
    checks = (
        (
            FIELD_STATUS,
            lambda value: is_status(value) or word_key(value) in STATUS_WORDS,
        ),
        (FIELD_DATE, lambda value: check_date(value, explain=False).date is not None),
        (FIELD_VALUE, lambda value: check_value(value).value is not None),
    )
    for field, holds in checks:
        share = sum(map(holds, written)) / total
        if share >= CLEAR_SHARE:
            return field, share
    return None, 0.0


def suggest_columns(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    own_ids: Collection[str] = (),
    samples: int = 3,
) -> list[ColumnSuggestion]:
    """A suggestion for each column of ``header`` (trailing blank cells ignored),
    from its name and from its values in ``rows`` (the rows after the header).

    ``own_ids`` are the team's External IDs: a column holding them is the External
    ID. Each field is suggested for one column at most; the best supported claim
    wins (clear values weigh ``VALUE_WEIGHT``, a name up to 1).
    """
    width = header_width(header)
    columns = [
        [row[index] if index < len(row) else "" for row in rows]
        for index in range(width)
    ]
    claims: list[tuple[float, int, str, str]] = []  # (weight, index, field, reason)
    own_lower = {external_id.lower() for external_id in own_ids}
    for index in range(width):
        by_name, name_score = name_field(header[index])
        by_values, _share = _values_field(columns[index], own_lower)
        weights: dict[str, tuple[float, str]] = {}
        if by_values is not None:
            weights[by_values] = (VALUE_WEIGHT, _WHY_VALUES[by_values])
        if by_name is not None:
            weight, reason = weights.get(by_name, (0.0, ""))
            weights[by_name] = (weight + name_score, reason or "from its name")
        claims.extend(
            (weight, index, field, reason)
            for field, (weight, reason) in weights.items()
        )
    # Best first; on a tie the leftmost column (an ID is usually first).
    claims.sort(key=lambda claim: (-claim[0], claim[1]))
    chosen: dict[int, tuple[str, str]] = {}
    taken: set[str] = set()
    for _weight, index, field, reason in claims:
        if index in chosen or field in taken:
            continue
        chosen[index] = (field, reason)
        taken.add(field)
    suggestions = []
    for index in range(width):
        field, reason = chosen.get(index, (None, "nothing in it matches a field"))
        shown = tuple(value.strip() for value in columns[index] if value.strip())
        suggestions.append(
            ColumnSuggestion(
                index, header[index].strip(), shown[:samples], field, reason
            )
        )
    return suggestions


def suggest_status(word: str) -> str | None:
    """The AchieveIt status suggested for a team's own status word, if any."""
    key = word_key(word)
    if key in STATUS_WORDS:
        return STATUS_WORDS[key]
    checked = check_status(word, explain=False)
    if checked.status:
        return checked.status
    return closest(key, STATUSES, cutoff=0.75)


def foreign_words(values: Iterable[str]) -> list[str]:
    """The distinct words of a Status column that are not AchieveIt statuses, as
    first written, in the order they come (blank cells are no word)."""
    seen: dict[str, str] = {}
    for value in values:
        written = " ".join(value.split())
        key = written.lower()
        if written and key not in seen and not is_status(written):
            seen[key] = written
    return list(seen.values())


def suggest_status_words(words: Iterable[str]) -> dict[str, str | None]:
    """Each word (as written) and the status suggested for it (None: none)."""
    return {word: suggest_status(word) for word in words}


def status_words_key(status_words: Mapping[str, str]) -> dict[str, str]:
    """A mapping of written words to statuses, keyed as the checker compares them."""
    return {word_key(word): status for word, status in status_words.items() if status}


def column_map(fields: Mapping[int, str | None], width: int) -> ColumnMap:
    """The ``ColumnMap`` of a header row of ``width`` cells whose column ``index``
    holds ``fields[index]`` (None or absent: left out).

    Raises ``ValueError`` for an unknown field, or one given to two columns.
    """
    indices: dict[str, int | None] = dict.fromkeys(_FIELD_TO_COLUMN_MAP.values())
    for index, field in sorted(fields.items()):
        if field is None or field == "":
            continue
        name = _FIELD_TO_COLUMN_MAP.get(field)
        if name is None:
            raise ValueError(f"{field!r} is not a field a column can be mapped to.")
        if indices[name] is not None:
            raise ValueError(f"{field!r} is given to two columns.")
        if not 0 <= index < width:
            raise ValueError(f"Column {index + 1} is not a column of the file.")
        indices[name] = index
    return ColumnMap(width=width, header=True, **indices)


def header_and_samples(
    data: bytes, rows: int = 50
) -> tuple[list[str], list[list[str]]] | None:
    """The header cells of a CSV file and up to ``rows`` rows after it (blank rows
    skipped), as written; None when it is no CSV text or has no row.

    The CSV counterpart of ``spreadsheet.preview_table`` (which reads workbooks
    too): the two can be merged once both are in.
    """
    from uploads.csvformat.reading import read_rows  # reading imports the checker

    table = read_rows(data)
    if not table:
        return None
    written = [row for row in table if any(cell.strip() for cell in row)]
    if not written:
        return None
    return written[0], written[1 : rows + 1]
