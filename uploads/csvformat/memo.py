"""Cell checks made once per cell text, and what keeps checking a large file cheap.

Real files repeat the same IDs, statuses and dates on many rows: a ``Memo`` checks
each text once. ``Explained`` stops explaining errors (the costly part: finding the
status or date that was meant) past a budget. ``with_status_words`` reads a team's
own status words before the status check, and ``paused_garbage_collector`` holds
back the cyclic collector while a file is checked. ``IdCheck`` is what the checker
keeps of an External ID cell, and ``IdMemo`` the memo that makes them;
``ValueMemo`` the Current Value cells' memo.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

from uploads.csvformat.cells import (
    _CONTROL_CHARACTER,
    CommentCheck,
    StatusCheck,
    ValueCheck,
    cell_text,
    check_comment,
    id_is_plain,
)
from uploads.csvformat.messages import ERROR, Note, note, shorten
from uploads.csvformat.records import PlanItemRule, Update

# Enough for every plan item of a team and the repeated values of a large file;
# dates and statuses are few, and dates with a time of day hardly ever repeat.
_MEMO_SIZE = 20_000
SMALL_MEMO_SIZE = 4_096
_MEMO_CELL_LENGTH = 100
# Keys equal to True or False (0, 1, 0.0, 1.0, -0.0, and the booleans themselves).
_LIKE_BOOLEANS = (0, 1)
# What a metric update's (absent) Status reads as: no status, and nothing to say.
NO_STATUS = StatusCheck("", None)

Check = TypeVar("Check")
# What id_is_plain looks for first in an ID (beside a mark and an x, for
# 'external'): a formula trigger.
_FORMULA_FIRST = frozenset("=+@-")


def _plain_repr(text: str) -> bool:
    """A float's repr with no exponent, infinity or NaN (the quick reading)."""
    return "e" not in text and "n" not in text


def says_something(check: Any) -> bool:
    """Whether the row loop would give a cell's check to the checker's
    ``_note_row`` (``batch._noted``): it has a note, it is an ambiguous date, or
    it is a Current Value with no value."""
    return (
        check.note is not None
        or getattr(check, "ambiguous", False)
        or (check.__class__ is ValueCheck and check.value is None)
    )


class Memo(dict[object, Check], Generic[Check]):
    """Check results by the cell they were made for, made on first use.

    Real files repeat the same IDs, statuses and dates on many rows, so each text is
    checked once; looking it up again costs no more than a dict lookup. Bounded,
    since some columns (values, dates with a time) hardly ever repeat.

    A workbook's cells need not be text: a number or date cell is looked up as it
    is (no text made for it on every row) and checked by ``typed``, by default
    ``check`` of its text (``cells.cell_text``). The number cells equal to 0 or 1
    are never kept, since True == 1 == 1.0 as keys while a TRUE cell reads
    otherwise.
    """

    def __init__(
        self,
        check: Callable[[str], Check],
        size: int = _MEMO_SIZE,
        typed: Callable[[object], Check] | None = None,
    ) -> None:
        super().__init__()
        self.check = check
        self.size = size
        self.typed = typed
        # Whether a check it made says something (``says_something``): until one
        # does, a batch need not look for the rows its column would note.
        self.noted = False

    def __missing__(self, raw: object) -> Check:
        if raw.__class__ is str:
            result = self.check(raw)  # type: ignore[arg-type]
            # Long cells are never repeats worth keeping, and could pin memory.
            kept = len(raw) <= _MEMO_CELL_LENGTH  # type: ignore[arg-type]
        else:
            typed = self.typed
            result = self.check(cell_text(raw)) if typed is None else typed(raw)
            kept = raw not in _LIKE_BOOLEANS
        if not self.noted and says_something(result):
            self.noted = True
        if not kept:
            return result
        if len(self) >= self.size:
            self.clear()
        self[raw] = result
        return result

    def take(self, cells: Sequence[object]) -> list[Check]:
        """The checks of a column of cells, in order (``batch``)."""
        return list(map(self.__getitem__, cells))

    def _taken(
        self, cells: Sequence[object], new: list[object], checks: Iterable[Check]
    ) -> list[Check]:
        """The checks of a column of ``cells``, given those of its ``new`` cells
        (none of them kept yet). They are kept, making room as ``__missing__``
        does, unless most of the column is new: cells that hardly repeat (every
        row's own ID or value) are not worth keeping, and looking them up in a
        small dict of their own is quicker. The other cells are looked up in
        order (``__missing__`` checks those still new: an ID that is not usual)."""
        if len(new) * 2 > len(cells):
            found = dict(zip(new, checks, strict=True))
            taken = list(map(found.get, cells))
            if None in taken:
                missing = map(operator.is_, taken, itertools.repeat(None))
                for index in itertools.compress(range(len(taken)), missing):
                    taken[index] = self[cells[index]]
            return taken  # type: ignore[return-value]
        if len(self) + len(new) > self.size:
            self.clear()
        self.update(zip(new, checks, strict=True))
        return list(map(self.__getitem__, cells))


class Explained(Generic[Check]):
    """A cell check (``check_status``, ``check_date``) that explains the first
    ``budget`` errors it finds (the checker's ERRORS_PER_KIND), then only finds
    them: working out what was meant is most of the cost of an error, and past
    that many nobody reads it."""

    def __init__(self, check: Callable[..., Check], budget: int) -> None:
        self.check = check
        self.budget = budget
        self.errors = 0

    def __call__(self, raw: str) -> Check:
        result = self.check(raw, explain=self.errors < self.budget)
        if result.note is not None and result.note.severity == ERROR:
            self.errors += 1
        return result


class IdCheck(NamedTuple):
    """An External ID cell: the ID as sent ('' when it has an error), whether its
    updates need a value, and the updates already kept for the ID, by date
    (shared by every spelling of it). A tuple, so that many are made in C at once
    (``batch``)."""

    external_id: str
    note: Note | None
    needs_value: bool
    updates_by_date: dict[date, Update]


class IdMemo(Memo[IdCheck]):
    """The External ID cells' memo, which checks the usual ID itself: one of the
    team's own active items, written as mapped (no spaces around it, nothing
    ``cells.id_problem`` would say), so nothing to say. A file with 100,000
    different IDs notices the calls ``check`` (the checker's ``_check_id``) makes
    for it (2.3 -> 1.0 us an ID). Every other cell goes to ``check``, which gives
    that ID the same ``IdCheck``.

    ``checker`` is the ``RowChecker``: its plan items, whether it reads metric
    updates (known once the header is read) and its updates by ID."""

    def __init__(self, check: Callable[[str], IdCheck], checker: Any) -> None:
        super().__init__(check)
        self.checker = checker

    def __missing__(self, raw: object) -> IdCheck:
        if raw.__class__ is str and len(raw) <= _MEMO_CELL_LENGTH:  # type: ignore[arg-type]
            checker = self.checker
            plan_items = checker.plan_items
            rule = None if plan_items is None else plan_items.get(raw)
            if (
                rule is not None
                and rule.own
                and rule.active
                and (rule.has_metric or not checker.is_metric)
                and id_is_plain(raw)  # type: ignore[arg-type]
                and raw.strip() == raw  # type: ignore[attr-defined]
            ):
                by_id = checker.updates_by_id
                updates_by_date = by_id.get(raw)
                if updates_by_date is None:
                    updates_by_date = by_id[raw] = {}
                needs_value = checker.is_metric or rule.has_metric
                result = IdCheck(raw, None, needs_value, updates_by_date)  # type: ignore[arg-type]
                if len(self) >= self.size:
                    self.clear()
                self[raw] = result
                return result
        return super().__missing__(raw)

    def take(self, cells: Sequence[object]) -> list[IdCheck]:
        """The checks of a column of External ID cells: the new usual IDs checked
        together first (the tests ``__missing__`` makes of one, made of them all
        at once), then every cell in order, the others by ``__missing__``."""
        plan_items = self.checker.plan_items
        if plan_items is not None:
            distinct = set(cells)
            if len(distinct) == len(cells) and distinct.isdisjoint(self):
                new = list(cells)  # every cell a new ID: taken in order
            else:
                new = [cell for cell in distinct if cell not in self]
            if new:
                usual, checks = self._usual(new, plan_items)  # type: ignore[arg-type]
                if len(usual) == len(cells):
                    # Every cell a new usual ID (a file of one row per item), in
                    # order: no lookup to put the checks back in order.
                    return list(checks)
                return self._taken(cells, usual, checks)  # type: ignore[arg-type]
        return list(map(self.__getitem__, cells))

    def _usual(
        self, new: list[str], plan_items: Mapping[str, PlanItemRule]
    ) -> tuple[list[str], Iterable[IdCheck]]:
        """The usual IDs among ``new`` cells, and their checks."""
        try:
            joined = " ".join(new)  # a space is printable, ASCII, and no mark
        except TypeError:  # a number or a date among them
            new = [cell for cell in new if cell.__class__ is str]
            joined = " ".join(new)
        # Printable ASCII has no space but ' ': an ID with one around it (or an
        # empty one) doubles the space that joins it, or starts or ends the text.
        if not (
            "" not in new  # alone, an empty ID doubles no space
            and joined.isprintable()
            and joined.isascii()
            and "  " not in joined
            and joined.strip() == joined
            and joined[:1] not in _FORMULA_FIRST
            and " =" not in joined
            and " +" not in joined
            and " @" not in joined
            and " -" not in joined
            and "," not in joined
            and '"' not in joined
            and "'" not in joined
            and "x" not in joined
            and "X" not in joined
        ):  # else every one is plain, and stripped
            new = [cell for cell in new if id_is_plain(cell) and cell.strip() == cell]
        if new and max(map(len, new)) > _MEMO_CELL_LENGTH:
            new = [cell for cell in new if len(cell) <= _MEMO_CELL_LENGTH]
        rules = list(map(plan_items.get, new))
        is_metric = self.checker.is_metric
        needs_value_by_rule = {
            id(rule): is_metric or rule.has_metric
            for rule in dict(zip(map(id, rules), rules, strict=True)).values()
            if rule is not None
            and rule.own
            and rule.active
            and (rule.has_metric or not is_metric)
        }
        needs_value = list(map(needs_value_by_rule.get, map(id, rules)))
        if None in needs_value:  # not the team's own active item: __missing__ says
            usable = list(map(operator.is_not, needs_value, itertools.repeat(None)))
            new = list(itertools.compress(new, usable))
            needs_value = list(itertools.compress(needs_value, usable))
        # Each ID's store of updates, made for the new ones (dict(()) is {}).
        made = map(dict, itertools.repeat((), len(new)))
        stores = map(self.checker.updates_by_id.setdefault, new, made)
        checks = map(
            tuple.__new__,
            itertools.repeat(IdCheck),
            zip(new, itertools.repeat(None), needs_value, stores, strict=False),
        )
        return new, checks  # type: ignore[return-value]


class ValueMemo(Memo[ValueCheck]):
    """The Current Value cells' memo, which reads a number cell with a fraction
    itself, as ``cells.check_number`` does (the Decimal of its shortest text), and
    gives every other cell to ``Memo``: a 100,000-row file's number cells hardly
    ever repeat, and the two calls per cell were a fifth of their cost."""

    def __missing__(self, raw: object) -> ValueCheck:
        if raw.__class__ is float and not raw.is_integer():  # type: ignore[attr-defined]
            text = repr(raw)
            if _plain_repr(text):
                result = ValueCheck(Decimal(text), None)
                if len(self) >= self.size:
                    self.clear()
                self[raw] = result
                return result
        return super().__missing__(raw)

    def take(self, cells: Sequence[object]) -> list[ValueCheck]:
        """The checks of a column of value cells: the new number cells read
        together first (as ``__missing__`` and ``cells.check_number`` read one),
        then every cell in order."""
        new = [
            cell for cell in set(cells) if cell.__class__ is float and cell not in self
        ]
        if new:
            whole = list(map(float.is_integer, new))
            numbers: list[float] = []
            fractions = new
            if any(whole):
                fractions = list(itertools.compress(new, map(operator.not_, whole)))
                # Whole numbers as integers ('25', never '25.0'); 0 and 1 are never
                # kept (True == 1 as keys), nor numbers past 1e16.
                numbers = [
                    number
                    for number in itertools.compress(new, whole)
                    if -1e16 < number < 1e16 and number not in _LIKE_BOOLEANS
                ]
            texts = list(map(repr, fractions))
            joined = "".join(texts)
            if "e" in joined or "n" in joined:
                kept = [index for index, text in enumerate(texts) if _plain_repr(text)]
                fractions = [fractions[index] for index in kept]
                texts = [texts[index] for index in kept]
            decimals = map(Decimal, itertools.chain(texts, map(int, numbers)))
            return self._taken(
                cells,
                fractions + numbers,  # type: ignore[arg-type]
                map(
                    tuple.__new__,
                    itertools.repeat(ValueCheck),
                    zip(decimals, itertools.repeat(None)),
                ),
            )
        return list(map(self.__getitem__, cells))


class CommentMemo(Memo[CommentCheck]):
    """The Comment cells' memo, which checks the new plain comments of a column
    together (``take``): text without spaces around it, a carriage return or a
    control character, at most ``_MEMO_CELL_LENGTH`` characters, is sent as it is
    (what ``cells.check_comment`` says of it)."""

    def take(self, cells: Sequence[object]) -> list[CommentCheck]:
        new = [
            cell for cell in set(cells) if cell.__class__ is str and cell not in self
        ]
        if new:
            if list(map(str.strip, new)) != new:
                new = [cell for cell in new if cell.strip() == cell]
            if "" in new:
                new.remove("")
            joined = " ".join(new)
            if "\r" in joined or _CONTROL_CHARACTER(joined):
                new = [cell for cell in new if check_comment(cell).comment == cell]
            if new and max(map(len, new)) > _MEMO_CELL_LENGTH:
                new = [cell for cell in new if len(cell) <= _MEMO_CELL_LENGTH]
            checks = zip(new, itertools.repeat(None))
            return self._taken(
                cells,
                new,  # type: ignore[arg-type]
                map(tuple.__new__, itertools.repeat(CommentCheck), checks),
            )
        return list(map(self.__getitem__, cells))


@contextlib.contextmanager
def paused_garbage_collector() -> Iterator[None]:
    """Hold back the cyclic garbage collector while a file is checked.

    Checking keeps an Update per row and makes no reference cycles, yet every few
    hundred new objects would start a collection that walks them: a quarter of the
    time of a 100,000-row file, to free nothing. Reference counting still frees
    everything else at once. Left alone if the caller had already paused it.

    What the file made is then moved to the oldest generation (``gc.freeze`` and
    ``gc.unfreeze``), where two young collections would have moved what lives on
    (the updates): the first young collection would otherwise walk every object
    the file made (0.07 s for 300,000 tuples), again to free nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()


def with_status_words(
    status_words: Mapping[str, str] | None, check: Callable[[str], StatusCheck]
) -> Callable[[str], StatusCheck]:
    """``check``, after a team's own status words: a word of ``status_words``
    (keys compared in lower case with single spaces) reads as its status."""
    if not status_words:
        return check
    words = {
        " ".join(word.split()).lower(): status for word, status in status_words.items()
    }

    def check_with_words(raw_status: str) -> StatusCheck:
        written = " ".join(raw_status.split())
        status = words.get(written.lower())
        if status is None:
            return check(raw_status)
        mapped = note("status.mapped", written=shorten(written), status=status)
        return StatusCheck(status, mapped)

    return check_with_words
