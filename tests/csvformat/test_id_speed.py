"""The External ID's quick checks give what the careful ones give: ``id_is_plain``
is ``id_problem``'s regex told faster, and ``IdMemo`` (the usual ID checked in
line) makes the same ``IdCheck`` as the checker's ``_check_id``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uploads.csvformat.cells import (
    _ID_SUSPECT,
    check_comment,
    check_number,
    check_value,
    id_is_plain,
)
from uploads.csvformat.checker import RowChecker
from uploads.csvformat.memo import CommentMemo, IdMemo, Memo, ValueMemo
from uploads.csvformat.records import PlanItemRule

ODD_IDS = [
    "",
    " ",
    "ITEM-1",
    "item-x",
    "BOX-1",
    "EXTERNAL-1",
    "my external id",
    "Ext\u212aernal",  # KELVIN SIGN, not a k
    "A,B",
    'A"B',
    "A'B",
    "A\u201cB",
    "A\u2019B",
    "=A1",
    "+1",
    "-1",
    "@x",
    "A=1",
    "\tA",
    "A\x00",
    "\u00e9t\u00e9",
    "\u0130TEM",
    "x" * 101,
]


ALPHABET = "aAxXeE-=+@,\"' 1\t\u00e9\u201c\u212aEXTERNALexternal"


def regex_says_plain(external_id: str) -> bool:
    return bool(
        external_id and external_id.isprintable() and not _ID_SUSPECT(external_id)
    )


@pytest.mark.parametrize("external_id", ODD_IDS)
def test_a_plain_id_is_what_the_regex_says(external_id):
    assert id_is_plain(external_id) == regex_says_plain(external_id)


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(ALPHABET),
        max_size=14,
    )
    | st.text(max_size=12)
)
def test_a_plain_id_is_what_the_regex_says_of_any_text(external_id):
    assert id_is_plain(external_id) == regex_says_plain(external_id)


RULES = {
    "OWN-1": PlanItemRule(own=True, active=True, has_metric=True),
    "OWN-2": PlanItemRule(own=True, active=True, has_metric=False),
    "OLD-1": PlanItemRule(own=True, active=False, has_metric=True),
    "THEIRS-1": PlanItemRule(own=False, active=True, has_metric=True),
    " PAD-1": PlanItemRule(own=True, active=True, has_metric=True),
    "PAD-1": PlanItemRule(own=True, active=True, has_metric=True),
    "BOX-1": PlanItemRule(own=True, active=True, has_metric=True),
    "=A1": PlanItemRule(own=True, active=True, has_metric=True),
    "external-9": PlanItemRule(own=True, active=True, has_metric=True),
    "": PlanItemRule(own=True, active=True, has_metric=True),
    "L" * 101: PlanItemRule(own=True, active=True, has_metric=True),
}
CELLS = [*RULES, "own-1", "NOBODY-1", " OWN-1", "OWN-1 ", 12.0, "PAD-1", " PAD-1"]


def checker(plan_items, metric: bool) -> RowChecker:
    made = RowChecker(plan_items, 100)
    made.is_metric = metric
    return made


@pytest.mark.parametrize("metric", [False, True])
@pytest.mark.parametrize("plan_items", [RULES, None])
def test_the_id_memo_checks_as_the_checker_does(plan_items, metric):
    quick, careful = checker(plan_items, metric), checker(plan_items, metric)
    quick_ids = IdMemo(quick._check_id, quick)
    careful_ids = Memo(careful._check_id)
    for cell in CELLS:
        got, expected = quick_ids[cell], careful_ids[cell]
        assert (got.external_id, got.note, got.needs_value) == (
            expected.external_id,
            expected.note,
            expected.needs_value,
        ), cell
        if expected.external_id:
            # Every spelling of an ID shares its store, made once.
            assert got.updates_by_date is quick.updates_by_id[got.external_id]
    assert quick.updates_by_id.keys() == careful.updates_by_id.keys()


def test_the_checker_uses_the_id_memo():
    assert isinstance(RowChecker(RULES, 100).ids, IdMemo)


# Value cells of every kind: numbers, whole or not, infinite, NaN, 0 and 1 and
# the booleans equal to them, integers, text.
VALUE_CELLS = st.lists(
    st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0.0, 1.0, -0.0, 0.1, 12.0, 1e-05, 1e20, 0.25, True, 1])
    | st.integers(-5, 5)
    | st.sampled_from(["0.5", " 12 ", "45%", "", "n/a"]),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(VALUE_CELLS)
def test_the_value_memo_reads_cells_as_check_number_does(cells):
    quick = ValueMemo(check_value, typed=check_number)
    careful = Memo(check_value, typed=check_number)
    for cell in cells:
        got, expected = quick[cell], careful[cell]
        assert (str(got.value), got.note) == (str(expected.value), expected.note)
        assert type(got.value) is type(expected.value)
    assert quick.keys() == careful.keys()


@settings(max_examples=500, deadline=None)
@given(VALUE_CELLS)
def test_a_column_of_values_is_read_as_one_cell_at_a_time(cells):
    quick = ValueMemo(check_value, typed=check_number)
    careful = Memo(check_value, typed=check_number)

    for _ in range(2):  # the second time, some are kept
        got = quick.take(tuple(cells))
        expected = [careful[cell] for cell in cells]
        assert [(str(c.value), type(c.value), c.note) for c in got] == [
            (str(c.value), type(c.value), c.note) for c in expected
        ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(max_size=6)
        | st.sampled_from(["", " note ", "a\rb", "=1+1", "x" * 150, "ok", 5.0]),
        max_size=30,
    )
)
def test_a_column_of_comments_is_read_as_one_cell_at_a_time(cells):
    quick = CommentMemo(check_comment, 100)
    careful = Memo(check_comment, 100)

    for _ in range(2):
        got = quick.take(tuple(cells))
        assert got == [careful[cell] for cell in cells]


def test_the_checker_uses_the_value_memo():
    assert isinstance(RowChecker(RULES, 100).values, ValueMemo)


# A column of ID cells as a batch looks them up: the usual IDs, odd ones (padded,
# another team's, marks, formula triggers, empty, long), numbers, repeats.
ID_COLUMNS = st.lists(
    st.sampled_from(CELLS)
    | st.text(alphabet=st.sampled_from(ALPHABET), max_size=8)
    | st.sampled_from([" OWN-1 ", "OWN-1  ", "=OWN", "-1", 7.0, ""]),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(cells=ID_COLUMNS, metric=st.booleans())
def test_a_column_of_ids_is_checked_as_one_cell_at_a_time(cells, metric):
    # The rules shared by several IDs and each of its own, as teams have them.
    plan = {
        **RULES,
        **{f"OWN-{n}": PlanItemRule(True, True, n % 2 == 0) for n in range(3, 9)},
    }
    quick, careful = checker(plan, metric), checker(plan, metric)
    careful_ids = Memo(careful._check_id)

    got = quick.ids.take(tuple(cells))
    # Twice: the second time most are kept (or not, as a column mostly new is).
    again = quick.ids.take(tuple(cells))

    expected = [careful_ids[cell] for cell in cells]
    shown = [(check.external_id, check.note, check.needs_value) for check in expected]
    assert [
        (check.external_id, check.note, check.needs_value) for check in got
    ] == shown
    assert [(c.external_id, c.note, c.needs_value) for c in again] == shown
    for check in got + again:
        if check.external_id:  # one store for every cell of an ID
            assert check.updates_by_date is quick.updates_by_id[check.external_id]
