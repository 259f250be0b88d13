"""AchieveIt's JSON array of updates, read into the same checks as a CSV file.

The vendor's form is ``[{"externalId": "...", "status": "On Track", "metricValue":
0.54, "asOfDate": "2025-07-03", "comment": "..."}]``. Each record becomes a row of
cells for ``checker.RowChecker``, so a record gets the checks and fixes of a CSV
row; what is sent is the same normalized CSV. The findings name records, counted
from 1: "Record 3, Status: ...".

The rules of the JSON form:

- A field that is missing or ``null`` is an empty cell.
- ``externalId``, ``status``, ``asOfDate`` and ``comment`` are text. A number,
  ``true``/``false``, an array or an object there is an error (``record.not_text``):
  an ID written as the number 1.10 would lose its last digit on the way.
- ``metricValue`` is a JSON number, read exactly as written (``0.540`` stays
  0.540, ``1e3`` is 1000). Text holding a number (``"0.54"``, ``"45%"``) is read as
  a CSV cell would be, with the same fixes, and a fix says so (``value.json_text``):
  what is sent is the normalized CSV, where the value is a plain number anyway.
  Other text is the CSV's error for it; ``true``/``false``, an array or an object
  is an error (``value.json_type``). ``NaN`` and ``Infinity``, which JSON does not
  have, are read as text (and so are no number).
- A key other than those five is an error naming it, with "Did you mean" when one
  is close (``record.unknown_key``), and the record is not sent: a misspelt
  ``metricValu`` would otherwise send the update without its value.
- A record that is not an object is an error (``record.not_object``).
- When no record has a ``status`` key the file holds metric updates.
- Not UTF-8 (``json.encoding``), not JSON (``json.invalid``, with the line and
  column where reading stopped), or not an array (``json.not_array``, "send a JSON
  array of updates"): one finding about the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from uploads.csvformat.cells import MAX_DIGITS, check_value, closest, format_value
from uploads.csvformat.checker import RowChecker
from uploads.csvformat.columns import ColumnMap
from uploads.csvformat.layout import SKIP
from uploads.csvformat.memo import paused_garbage_collector
from uploads.csvformat.messages import (
    COLUMN_COMMENT,
    COLUMN_DATE,
    COLUMN_ID,
    COLUMN_STATUS,
    COLUMN_VALUE,
    ERROR,
    Note,
    note,
    shorten,
)
from uploads.csvformat.records import Finding, PlanItemRule, Result

FIELDS: tuple[str, ...] = ("externalId", "status", "metricValue", "asOfDate", "comment")
FIELD_LIST = "externalId, status, metricValue, asOfDate and comment"
EXAMPLE = (
    '[{"externalId": "SALES-Q4-01", "status": "On Track", "metricValue": 0.45,'
    ' "asOfDate": "2026-10-31"}]'
)
_EXAMPLE_RECORD = EXAMPLE[1:-1]
_KEYS = frozenset(FIELDS)
_COLUMN_BY_FIELD = dict(
    zip(
        FIELDS,
        (COLUMN_ID, COLUMN_STATUS, COLUMN_VALUE, COLUMN_DATE, COLUMN_COMMENT),
        strict=True,
    )
)
_TEXT_FIELDS = ("externalId", "status", "asOfDate", "comment")
# What a missing field reads as: an empty cell (the value: no number).
_DEFAULTS = ("", "", None, "", "")
# Rows are made in the order of FIELDS, so every record reads the same way.
_PROGRESS_COLUMNS = ColumnMap(0, 1, 2, 3, 4, width=5)
_METRIC_COLUMNS = ColumnMap(0, None, 2, 3, 4, width=5)
# Written out, a number with more digits than this is an error anyway; past it,
# writing it out (1e999999) would cost more than the whole file.
_WRITTEN_OUT_LIMIT = 4 * MAX_DIGITS
# Working out a "Did you mean" for each of thousands of made-up keys is slow.
_SUGGESTED_KEYS = 100
_JSON_CONTENT_TYPE = "application/json"


def looks_like_json(data: bytes, content_type: str | None = None) -> bool:
    """True for a file to read as JSON: ``content_type`` says ``application/json``
    (with any parameters), or its text starts (after a byte order mark and blanks)
    with ``{`` followed by ``"`` or ``}`` (an object), or with ``[`` followed by
    ``{``, ``[``, ``"`` or ``]``. A CSV file whose first External ID starts with
    ``[`` or ``{`` ("[Q4] Sales", "{A}") stays a CSV file: an External ID holds no
    quotation mark."""
    if content_type and content_type.partition(";")[0].strip().lower() == (
        _JSON_CONTENT_TYPE
    ):
        return True
    head = data[:256].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if head.startswith(b"{"):
        return head[1:].lstrip(b" \t\r\n")[:1] in (b"", b'"', b"}")
    if not head.startswith(b"["):
        return False
    after = head[1:].lstrip(b" \t\r\n")
    return not after or after[:1] in (b"{", b"[", b'"', b"]")


def read_json(
    data: bytes,
    *,
    plan_items: Mapping[str, PlanItemRule] | None,
    max_rows: int,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 5_000,
) -> Result:
    """Read, check and normalize AchieveIt's JSON array of updates.

    The same checks as ``parse`` makes of a CSV file; ``progress``, when given, is
    called with the number of records checked every ``progress_every`` records.
    Never raises for bad input.
    """
    import json  # here: a CSV file or a workbook never needs it

    try:
        with paused_garbage_collector():
            records = json.loads(
                data, parse_float=_fraction, parse_int=_Number, parse_constant=str
            )
    except UnicodeDecodeError:
        return _file_error(note("json.encoding"))
    except json.JSONDecodeError as error:
        reason = error.msg[:1].lower() + error.msg[1:]
        return _file_error(
            note("json.invalid", reason=reason, line=error.lineno, column=error.colno)
        )
    except RecursionError:
        return _file_error(note("json.nested", example=EXAMPLE))
    if not isinstance(records, list):
        return _file_error(
            note("json.not_array", kind=_json_kind(records), example=EXAMPLE)
        )
    if not records:
        return _file_error(note("json.empty", example=EXAMPLE))
    is_metric = not any(
        "status" in record for record in records if type(record) is dict
    )
    columns = _METRIC_COLUMNS if is_metric else _PROGRESS_COLUMNS
    checker = RowChecker(plan_items, max_rows, columns=columns, place="Record")
    rows = _rows(records, checker)
    if progress is not None:
        rows = _reporting(rows, progress, progress_every)
    checker.run(rows, 1)
    return checker.result(
        encoding=json.detect_encoding(data), delimiter=",", source_format="json"
    )


def _rows(records: list[object], checker: RowChecker) -> Iterator[Sequence[str]]:
    """Each record as the cells of a row, in the order of FIELDS; SKIP for a
    record already reported as unusable."""
    suggestions: dict[str, str | None] = {}
    for number, record in enumerate(records, 1):
        if type(record) is not dict:
            not_object = note(
                "record.not_object", kind=_json_kind(record), example=_EXAMPLE_RECORD
            )
            checker.add(number, None, not_object)
            yield SKIP
            continue
        if not record.keys() <= _KEYS:
            _report_keys(number, record, checker, suggestions)
            yield SKIP
            continue
        external_id, status, value, as_of, comment = map(record.get, FIELDS, _DEFAULTS)
        if type(value) is not _Number:
            value = "" if value is None else _value_text(number, value, checker)
            if value is None:
                yield SKIP
                continue
        if type(external_id) is type(status) is type(as_of) is type(comment) is str:
            yield [external_id, status, value, as_of, comment]
            continue
        cells = [external_id, status, value, as_of, comment]
        yield _text_cells(number, cells, checker)


class _Number(str):
    """A JSON number, as its digits were written (``0.540`` stays ``0.540``).

    Text rather than a ``Decimal`` or a float: the cell a CSV row would hold, so
    the checks of a CSV value apply as they are, and apart from a JSON string
    ``"0.54"``, which is text (see ``value.json_text``).
    """

    __slots__ = ()


def _fraction(number: str) -> _Number:
    """A JSON number with a fraction or an exponent, as the plain decimal a CSV
    cell would hold: ``0.540`` as it is, ``1e3`` as ``1000``."""
    if "e" not in number and "E" not in number:
        return _Number(number)
    value = Decimal(number)
    if -_WRITTEN_OUT_LIMIT < value.adjusted() < _WRITTEN_OUT_LIMIT:
        # More digits than MAX_DIGITS is the CSV's error for them then.
        return _Number(format_value(value))
    return _Number(number)


def _value_text(number: int, value: object, checker: RowChecker) -> str | None:
    """The cell for a ``metricValue`` that is not a JSON number, or None once it
    is reported as unusable."""
    if type(value) is str:
        checked = check_value(value)
        if checked.value is not None:
            read_as = note(
                "value.json_text",
                written=shorten(value),
                value=format_value(checked.value),
            )
            checker.add(number, COLUMN_VALUE, read_as, value)
        return value
    wrong = note("value.json_type", written=_shown(value), kind=_json_kind(value))
    checker.add(number, COLUMN_VALUE, wrong, _shown(value))
    return None


def _text_cells(number: int, cells: list[object], checker: RowChecker) -> Sequence[str]:
    """The cells of a record whose text fields are not all text: null is an empty
    cell, anything else an error (and the record SKIP)."""
    usable = True
    for index, field_name in enumerate(FIELDS):
        if field_name not in _TEXT_FIELDS:
            continue
        cell = cells[index]
        if cell is None:
            cells[index] = ""
        elif type(cell) is not str:
            usable = False
            not_text = note(
                "record.not_text",
                key=field_name,
                written=_shown(cell),
                kind=_json_kind(cell),
            )
            checker.add(number, _COLUMN_BY_FIELD[field_name], not_text, _shown(cell))
    return [str(cell) for cell in cells] if usable else SKIP


def _report_keys(
    number: int,
    record: dict[str, object],
    checker: RowChecker,
    suggestions: dict[str, str | None],
) -> None:
    """Report each key of ``record`` the portal does not read."""
    for key in record:
        if key in _KEYS:
            continue
        if key in suggestions:
            close = suggestions[key]
        else:
            close = (
                closest(key, FIELDS, cutoff=0.6)
                if len(suggestions) < _SUGGESTED_KEYS
                else None
            )
            suggestions[key] = close
        hint = f"Did you mean {close!r}? " if close else ""
        unknown = note(
            "record.unknown_key",
            key=shorten(key),
            hint=hint,
            keys=FIELD_LIST,
            fix=close,
        )
        checker.add(number, None, unknown)


def _json_kind(value: object) -> str:
    """What a JSON value is, in the words of the JSON standard."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, _Number):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "true/false value"
    if value is None:
        return "null"
    return "number"


def _shown(value: object) -> str:
    """A JSON value as written, shortened."""
    return shorten(_written(value, depth=0))


def _written(value: object, depth: int) -> str:
    """``value`` as JSON, numbers as their digits, only the start of a long or
    deep array or object (it is shortened anyway)."""
    import json

    if isinstance(value, _Number):
        return str(value)
    if depth > 2 and isinstance(value, list | dict):
        return "[...]" if isinstance(value, list) else "{...}"
    if isinstance(value, list):
        items = [_written(item, depth + 1) for item in value[:5]]
        return "[" + ", ".join(items) + (", ...]" if len(value) > 5 else "]")
    if isinstance(value, dict):
        pairs = [
            f"{json.dumps(key, ensure_ascii=False)}: {_written(item, depth + 1)}"
            for key, item in list(value.items())[:5]
        ]
        return "{" + ", ".join(pairs) + (", ...}" if len(value) > 5 else "}")
    return json.dumps(value, ensure_ascii=False)


def _reporting(
    rows: Iterator[Sequence[str]], progress: Callable[[int], None], every: int
) -> Iterator[Sequence[str]]:
    for count, row in enumerate(rows, 1):
        if not count % every:
            progress(count)
        yield row


def _file_error(problem: Note) -> Result:
    finding = Finding.of(None, None, problem)
    assert finding.severity == ERROR
    return Result([], [finding], source_format="json")
