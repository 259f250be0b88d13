"""Checks of single cells: External ID, Status, Current Value, As Of Date, Comment.

Each check is a pure function of the text as written in the cell, returning what
AchieveIt will be sent (or nothing, when the cell is wrong) and the ``Note`` a plan
owner should read, if any. Being pure, their results may be reused for every row
that repeats the same text (see ``memo.Memo``).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from uploads.csvformat.messages import (
    STATUS_LIST,
    STATUSES,
    Note,
    Problem,
    note,
    shorten,
)

# aniso8601 and rapidfuzz are imported where they are needed: a clean workbook
# needs neither (its date cells read as YYYY-MM-DD), and its check notices 30 ms.
MAX_DIGITS = 30  # no real measure has more; a longer one is a pasting accident
# AchieveIt documents no limit for a comment. 2,000 characters is some 300 words, a
# long paragraph, more than a status narrative needs; a longer cell is most likely
# a pasting accident (a whole document in one cell), and it keeps the history,
# the emails and a 100,000-row file readable.
COMMENT_MAX = 2_000

_STATUS_BY_LOWER = {status.lower(): status for status in STATUSES}
_QUOTATION_MARKS = ('"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u201e")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV
# injection"); a tab or carriage return is also not printable, so it is caught
# wherever it is. An ID starting with one could neither go into a team's template
# as it is nor come back from a spreadsheet unchanged, so the portal takes none.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# One search per distinct ID instead of eight substring scans.
_ID_SUSPECT = re.compile(
    f"external|[,{''.join(_QUOTATION_MARKS)}]|^[=+@-]", re.I
).search
_CURRENCY_SIGNS = "$€£¥"
_SPREADSHEET_ERRORS = ("n/a", "na", "-", "--", "tbd")
# Forms that are unambiguous but not accepted; they get a precise suggestion.
_OTHER_DATE_FORMATS = (
    "%d.%m.%Y",
    "%Y.%m.%d",
    "%d-%b-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
)
_SPREADSHEET_TIMES = ("%I:%M %p", "%I:%M:%S %p", "%H:%M", "%H:%M:%S")
# The everyday times, which the full parsers below also accept: exports stamp each
# row with its own time, so this is the path most rows with a time take.
_EVERYDAY_TIME = re.compile(
    r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|\+([01]\d|2[0-3]):?[0-5]\d)?"
    r"|(1[0-2]|0?[1-9]):[0-5]\d(:[0-5]\d)? [AaPp][Mm]"
).fullmatch
# Distinct dates and times in one file are few (dates) or repeat (times of day).
_PARSE_CACHE_SIZE = 4096


# The records below are read-only by agreement, not frozen: a file with a different
# value on every row makes one per row, and a frozen dataclass is 3x slower to make.


@dataclass(slots=True)
class StatusCheck:
    """A Status cell: the canonical spelling ('' when there is none)."""

    status: str
    note: Note | None


class ValueCheck(NamedTuple):
    """A Current Value cell: the number (None when empty or not a number). A
    tuple, so that many are made in C at once (``memo.ValueMemo.take``)."""

    value: Decimal | None
    note: Note | None


@dataclass(slots=True)
class DateCheck:
    """An As Of Date cell: the date (None when it is not one).

    ``ambiguous`` marks a month/day/year date that would also be a valid
    day/month/year date, worth a word only if the file writes others day-first.
    """

    date: date | None
    note: Note | None
    ambiguous: bool = False


class CommentCheck(NamedTuple):
    """A Comment cell: the comment as sent ('' for none, None when it is wrong).
    A tuple, as ``ValueCheck`` is."""

    comment: str | None
    note: Note | None


NO_COMMENT = CommentCheck("", None)
# Control characters (Unicode category Cc) but the tab and the line feed; a
# carriage return is turned into a line feed before this is looked for.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]").search


# --- External ID ---------------------------------------------------------------------


def id_is_plain(external_id: str) -> bool:
    """True when ``id_problem`` has nothing to say of ``external_id``.

    The usual ID (ASCII, no comma, no quotation mark, no x for 'external', no
    formula trigger first) is told without the regex, which looks for all of them
    at every character (0.55 -> 0.15 us an ID); any other goes to the regex."""
    if not external_id or not external_id.isprintable():
        return False
    if (
        external_id.isascii()
        and "," not in external_id
        and '"' not in external_id
        and "'" not in external_id
        and "x" not in external_id
        and "X" not in external_id
        and external_id[0] not in "=+@-"
    ):
        return True
    return not _ID_SUSPECT(external_id)


def id_problem(external_id: str) -> Note | None:
    """Check an External ID (stripped of spaces) against AchieveIt's rules (no
    comma, no quotation mark, not the word 'external'), and the portal's own: every
    character printable, and no spreadsheet formula trigger (= + - @) first."""
    if id_is_plain(external_id):
        return None
    shown = shorten(external_id)
    if not external_id:
        return note("id.empty")
    if "external" in external_id.lower():
        return note("id.external", id=shown)
    if "," in external_id:
        return note("id.comma", id=shown)
    if any(mark in external_id for mark in _QUOTATION_MARKS):
        return note("id.quote", id=shown)
    if not external_id.isprintable():
        return note("id.invisible", id=shown)
    if external_id.startswith(FORMULA_STARTS):
        return note("id.formula", id=shown, first=external_id[0])
    return None


def closest(written: str, candidates: Iterable[str], cutoff: float) -> str | None:
    """The candidate closest to ``written`` ignoring case, if any is close enough
    (difflib's ratio, as ``difflib.get_close_matches`` finds it)."""
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    return closest_by_lower(written, by_lower, cutoff)


def closest_by_lower(
    written: str, by_lower: dict[str, str], cutoff: float
) -> str | None:
    """``closest`` among candidates already keyed by their lower case (a team's
    thousands of IDs are, once per file)."""
    word = written.lower()
    # Only the candidates that could reach the cutoff, found in C by rapidfuzz:
    # difflib's ratio is never above the Indel ratio (its matching blocks are a
    # common subsequence), so the answer is the same, and a team's thousands of
    # IDs cost a millisecond instead of tens.
    from rapidfuzz import fuzz, process

    possible = [
        found
        for found, _score, _index in process.extract(
            word,
            list(by_lower),
            scorer=fuzz.ratio,
            score_cutoff=cutoff * 100 - 1,
            limit=None,
        )
    ]
    import difflib  # here: only a file with a wrong ID or status needs it

    matches = difflib.get_close_matches(word, possible, n=1, cutoff=cutoff)
    return by_lower[matches[0]] if matches else None


# --- Status --------------------------------------------------------------------------


def check_status(raw_status: str, *, explain: bool = True) -> StatusCheck:
    """Any case and spacing of a status is that status; anything else is an error.

    With ``explain`` false an unknown status gets no suggestion, which is most of
    the cost of an error (for the rows of a file past those a person reads).
    """
    written = raw_status.strip()
    status = _STATUS_BY_LOWER.get(" ".join(written.split()).lower(), "")
    if not written:
        return StatusCheck("", note("status.empty", statuses=STATUS_LIST))
    if not status:
        suggestion = closest(written, STATUSES, cutoff=0.6) if explain else None
        hint = (
            f"Did you mean {suggestion!r}?"
            if suggestion
            else f"Use one of: {STATUS_LIST}."
        )
        unknown = note(
            "status.unknown", status=shorten(written), hint=hint, fix=suggestion
        )
        return StatusCheck("", unknown)
    if status != raw_status:
        respelled = note("status.respelled", written=shorten(raw_status), status=status)
        return StatusCheck(status, respelled)
    return StatusCheck(status, None)


# --- Current Value -------------------------------------------------------------------


def check_value(raw_value: str) -> ValueCheck:
    """A plain number, or a percentage (converted); an empty cell is no value."""
    # Most values are plain unsigned numbers, and many occur once: keep them quick.
    if (
        len(raw_value) <= MAX_DIGITS
        and raw_value.isascii()
        and raw_value.replace(".", "", 1).isdigit()
    ):
        return ValueCheck(Decimal(raw_value), None)
    written = raw_value.strip()
    if not written:
        return ValueCheck(None, None)
    is_percentage = written.endswith("%")
    number = written[:-1].rstrip() if is_percentage else written
    digits = number[1:] if number[:1] in ("+", "-") else number
    # isascii() first: Decimal() would also take other scripts' digits, "1_000".
    if not (digits.isascii() and digits.replace(".", "", 1).isdigit()):
        return ValueCheck(None, _value_error(written))
    if digit_count(digits) > MAX_DIGITS:
        return ValueCheck(
            None, note("value.too_long", written=shorten(written), limit=MAX_DIGITS)
        )
    value = Decimal(number)
    if not is_percentage:
        return ValueCheck(value, None)
    value = _without_trailing_zeros(value.scaleb(-2))
    converted = note(
        "value.percentage", written=shorten(written), value=format_value(value)
    )
    return ValueCheck(value, converted)


def check_number(cell: object) -> ValueCheck:
    """``check_value`` of a workbook's cell that is not text, without writing it
    out first: a number cell is the number as typed (the shortest text reading
    back as the same float), whole numbers without '.0'. What has no quick form
    (an exponent, infinity, a date in the value column) is checked as its text."""
    if cell.__class__ is float:
        number: float = cell  # type: ignore[assignment]
        if number.is_integer():
            if -1e16 < number < 1e16:
                return ValueCheck(Decimal(int(number)), None)
        else:
            text = repr(number)
            if "e" not in text and "n" not in text:
                return ValueCheck(Decimal(text), None)
    return check_value(cell_text(cell))


def cell_text(cell: object) -> str:
    """A workbook's cell as the text a person typed into it: a number as the
    shortest text reading back as the same float (0.1, never 0.1000000000000001;
    whole numbers without '.0', an exponent written out: the checker takes none),
    a date cell as ``YYYY-MM-DD`` (with its time of day when it has one), TRUE or
    FALSE, an empty cell as ''."""
    kind = type(cell)
    if kind is str:
        return cell  # type: ignore[return-value]
    if kind is float:
        number: float = cell  # type: ignore[assignment]
        if number.is_integer() and abs(number) < 1e16:
            return str(int(number))
        text = repr(number)
        if "e" in text or "E" in text:
            # Written out: the checker takes no exponent, and 1e-05 is 0.00001.
            return format(Decimal(text), "f")
        return text
    if kind is int:
        return str(cell)
    if kind is bool:
        return "TRUE" if cell else "FALSE"
    if kind is datetime:
        moment: datetime = cell  # type: ignore[assignment]
        if moment.time() == time():
            return moment.date().isoformat()
        return moment.isoformat(sep=" ")
    if kind is date:
        return cell.isoformat()  # type: ignore[attr-defined]
    if cell is None:
        return ""
    return str(cell)


def format_value(value: Decimal | None) -> str:
    """Return ``value`` as plain decimal text for AchieveIt ('' for None).

    Digits are kept as written (``0.20`` stays ``0.20``), an exponent is written out
    (``1E+3`` is ``1000``) and zero has no sign. Raises ``Problem`` for NaN and
    infinities.
    """
    if value is None:
        return ""
    if not value.is_finite():
        raise Problem("write.invalid", what=f"The value {value}")
    text = format(value, "f")
    if text[0] == "-" and value.is_zero():
        return text[1:]
    return text


def digit_count(plain_number: str) -> int:
    """How many digits a plain number (optional sign, optional point) has."""
    return (
        len(plain_number) - plain_number.startswith(("-", "+")) - ("." in plain_number)
    )


def _without_trailing_zeros(value: Decimal) -> Decimal:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


def _value_error(written: str) -> Note:
    """The most helpful explanation of why ``written`` is not a plain number."""
    shown = shorten(written)
    lowered = written.lower()
    if lowered.startswith("#") or lowered in _SPREADSHEET_ERRORS:
        return note("value.spreadsheet_error", written=shown)
    unsigned = written.strip(_CURRENCY_SIGNS + " ")
    if unsigned != written and _is_plain_number(unsigned):
        return note("value.currency", written=shown, value=unsigned)
    without_commas = written.replace(",", "")
    groups = written.partition(".")[0].split(",")
    if len(groups) > 1 and _is_plain_number(without_commas):
        leading = groups[0].lstrip("+-")
        if leading not in ("", "0") and all(len(group) == 3 for group in groups[1:]):
            return note("value.thousands", written=shown, value=without_commas)
        if len(groups) == 2 and "." not in written:
            return note("value.decimal_comma", written=shown, value=".".join(groups))
    if "e" in lowered and lowered.lstrip("+-")[:1].isdigit():
        try:
            value = Decimal(written)
        except ArithmeticError:
            pass
        else:
            # Only when writing it out is sensible: 1e999999 has a million digits.
            if value.is_finite() and -30 < value.adjusted() < 30:
                written_out = format_value(value)
                return note("value.exponent", written=shown, value=written_out)
    return note("value.invalid", written=shown)


def _is_plain_number(text: str) -> bool:
    digits = text[1:] if text[:1] in ("+", "-") else text
    return digits.isascii() and digits.replace(".", "", 1).isdigit()


# --- Comment -------------------------------------------------------------------------


def check_comment(raw_comment: str) -> CommentCheck:
    """A comment is sent as written, but for what the rules say.

    Spaces and line breaks around it are dropped, and a blank cell is no comment.
    A line break inside it is kept, written as a line feed (a CR LF or a lone CR
    from Windows or an old Mac becomes LF): a narrative may have paragraphs.
    A comment starting with = + - or @ is sent as it is (AchieveIt shows it as
    text); the CSV files the portal serves to people make it safe (``safe_cell``).
    More than ``COMMENT_MAX`` characters, or a control character other than a tab
    or a line break, is an error: cutting it short or dropping a character would
    change what the person wrote.
    """
    comment = raw_comment.strip()
    if not comment:
        return NO_COMMENT
    if "\r" in comment:
        comment = comment.replace("\r\n", "\n").replace("\r", "\n")
    if len(comment) > COMMENT_MAX:
        too_long = note("comment.too_long", length=len(comment), limit=COMMENT_MAX)
        return CommentCheck(None, too_long)
    control = _CONTROL_CHARACTER(comment)
    if control is not None:
        character = f"U+{ord(control.group()):04X}"
        return CommentCheck(None, note("comment.control", character=character))
    return CommentCheck(comment, None)


def comment_problem(comment: str) -> Note | None:
    """Why ``comment`` cannot be written as it is (None when it can): it must be
    what ``check_comment`` makes of it."""
    checked = check_comment(comment)
    if checked.note is None and checked.comment != comment:
        return note("write.invalid", what=f"The comment {shorten(comment)!r}")
    return checked.note


# --- As Of Date ----------------------------------------------------------------------


@dataclass(slots=True)
class _Day:
    """What the date part of a cell (the text before any time) says: the day, or
    the code of the message explaining why it is none, with its suggestion."""

    date: date | None
    problem: str = ""
    suggestion: str = ""
    ambiguous: bool = False


def check_date(raw_date: str, *, explain: bool = True) -> DateCheck:
    """Any ISO 8601 date, or US month/day/year; a time after it is left out.

    With ``explain`` false a date in no accepted form is not tried against the
    other forms people write (the costly part), so it gets no suggestion.
    """
    written = raw_date.strip()
    if not written:
        return DateCheck(None, note("date.empty"))
    if "/" in written:
        date_part, separator, time_part = written.partition(" ")
        day = _slashed_day(date_part)
    else:
        # ISO 8601 allows lower-case designators by agreement (t, w, z).
        upper = written.upper()
        date_part, separator, time_part = upper.partition("T")
        if not separator:
            date_part, separator, time_part = upper.partition(" ")
        day = _iso_day(date_part)
    shown = shorten(written)
    if day.date is None:
        if day.problem == "date.other_form":  # which form, if any: spell it out
            if not explain:
                return DateCheck(None, note("date.invalid", written=shown))
            return DateCheck(None, _unaccepted_date(written))
        # The suggestion's first form (the ISO date of a day-first one) is the fix.
        fix = day.suggestion.partition(" ")[0]
        problem = note(day.problem, written=shown, suggestion=day.suggestion, fix=fix)
        return DateCheck(None, problem)
    if not separator:
        return DateCheck(day.date, None, day.ambiguous)
    if not _is_time(time_part):
        return DateCheck(None, note("date.invalid", written=shown))
    dropped = note("date.time_dropped", written=shown, date=day.date)
    return DateCheck(day.date, dropped, day.ambiguous)


# Each date part is parsed once, however many times of day follow it in a file.
@functools.lru_cache(maxsize=_PARSE_CACHE_SIZE)
def _iso_day(date_part: str) -> _Day:
    """Any ISO 8601 date (calendar, week or ordinal)."""
    # aniso8601 is lenient about some separators (2026.10.31): only digits, - and W.
    if not (
        date_part.isascii() and date_part.replace("-", "").replace("W", "", 1).isdigit()
    ):
        return _Day(None, "date.other_form")
    if (
        len(date_part) == 10
        and date_part[4] == date_part[7] == "-"
        and date_part[:4].isdigit()
        and date_part[5:7].isdigit()
        and date_part[8:].isdigit()
    ):
        # YYYY-MM-DD, as every date cell's text is: the day aniso8601 reads, or
        # (an impossible day, year 0) aniso8601 says why below.
        with contextlib.suppress(ValueError):
            return _Day(date.fromisoformat(date_part))
    import aniso8601
    from aniso8601.exceptions import RangeCheckError
    from aniso8601.resolution import DateResolution

    weeks = (DateResolution.Week, DateResolution.Weekday)
    try:
        resolution = aniso8601.get_date_resolution(date_part)
        if resolution not in (
            DateResolution.Day,
            DateResolution.Weekday,
            DateResolution.Ordinal,
        ):
            return _Day(None, "date.no_day")
        as_of = aniso8601.parse_date(date_part)
        if resolution in weeks and not _week_exists(date_part, as_of):
            return _Day(None, "date.impossible")
    except RangeCheckError:
        return _Day(None, "date.impossible")
    except (ValueError, NotImplementedError):
        return _Day(None, "date.other_form")
    return _Day(as_of)


@functools.lru_cache(maxsize=_PARSE_CACHE_SIZE)
def _slashed_day(date_part: str) -> _Day:
    """US month/day/year; explain the near misses."""
    parts = date_part.split("/")
    if len(parts) != 3 or not all(
        part.isascii() and part.isdigit() and len(part) <= 4 for part in parts
    ):
        return _Day(None, "date.invalid")
    first, second, third = (int(part) for part in parts)
    if len(parts[0]) == 4 and _is_date(first, second, third):
        return _Day(None, "date.year_first", date(first, second, third).isoformat())
    month, day, year = first, second, third
    if len(parts[2]) == 2:
        return _Day(None, "date.two_digit_year", f"{month}/{day}/20{parts[2]}")
    if len(parts[2]) != 4 or len(parts[0]) > 2 or len(parts[1]) > 2:
        return _Day(None, "date.invalid")
    if not _is_date(year, month, day):
        if _is_date(year, day, month):
            suggestion = (
                f"{date(year, day, month).isoformat()} (or {day}/{month}/{year})"
            )
            return _Day(None, "date.day_first", suggestion)
        return _Day(None, "date.impossible")
    # 3/4/2026 may be meant day-first: worth a word only if the file shows that habit.
    return _Day(date(year, month, day), ambiguous=day <= 12 and day != month)


def _unaccepted_date(written: str) -> Note:
    """Explain a date that is no ISO form, suggesting the ISO form when it is clear."""
    for date_format in _OTHER_DATE_FORMATS:
        try:
            meant = datetime.strptime(written, date_format).date()
        except ValueError:
            continue
        return note("date.other_form", written=written, suggestion=meant.isoformat())
    return note("date.invalid", written=shorten(written))


def _week_exists(date_part: str, as_of: date) -> bool:
    """False for week 53 of a year with 52 weeks, which aniso8601 rolls over."""
    year_text, _, rest = date_part.partition("W")
    written_week = (int(year_text.rstrip("-")), int(rest.lstrip("-")[:2]))
    return tuple(as_of.isocalendar())[:2] == written_week


def _is_time(time_text: str) -> bool:
    """True for an ISO 8601 time (any zone) or a spreadsheet time such as 4:30 PM."""
    return _EVERYDAY_TIME(time_text) is not None or _is_any_time(time_text)


@functools.lru_cache(maxsize=_PARSE_CACHE_SIZE)
def _is_any_time(time_text: str) -> bool:
    import aniso8601
    from aniso8601.exceptions import LeapSecondError

    try:
        aniso8601.parse_time(time_text)
    except LeapSecondError:
        return True
    except (ValueError, NotImplementedError):
        for time_format in _SPREADSHEET_TIMES:
            try:
                datetime.strptime(time_text.strip(), time_format)
            except ValueError:
                continue
            return True
        return False
    return True


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
