"""A file wrong on every row costs about what a clean one costs to check.

The attack this answers: 100,000 rows with four errors each held a web worker for
20 s. The checker lists the first ERRORS_PER_KIND errors of each kind, counts the
rest, and past that many errors in a column skips the costly part of explaining one.
"""

from __future__ import annotations

import pytest

from uploads import csvformat
from uploads.csvformat import ERROR, PlanItemRule, cells, checker

ROWS = 60


def worst_case(rows: int = ROWS) -> bytes:
    """Every cell wrong and every row different, so no check repeats."""
    lines = ["External ID,Status,Current Value,As Of Date"]
    lines += [f"Q{i},Acheivd{i},x{i},{i % 28 + 1} Octobre 2026" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(checker, "ERRORS_PER_KIND", 10)
    return 10


@pytest.fixture
def suggestions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every status suggestion the checker works out (the costly difflib call)."""
    made: list[str] = []
    real = cells.closest

    def counting(written, candidates, cutoff):
        made.append(written)
        return real(written, candidates, cutoff)

    monkeypatch.setattr(cells, "closest", counting)
    return made


def test_errors_past_the_budget_are_counted_in_one_summary_per_kind(budget):
    result = csvformat.parse(worst_case(), plan_items={})

    by_code: dict[str, list[csvformat.Finding]] = {}
    for finding in result.findings:
        by_code.setdefault(finding.code, []).append(finding)
    # Four kinds of error (ID, status, value, date), each listed budget times plus
    # one summary that says how many more.
    for code in ("id.unknown", "status.unknown", "value.invalid", "date.invalid"):
        listed = [f for f in by_code[code] if f.line is not None]
        summaries = [f for f in by_code[code] if f.line is None]
        assert len(listed) == budget, code
        assert [s.message.split(" like this")[0] for s in summaries] == [
            f"... and {ROWS - budget} more rows"
        ], code
    # Every error is counted, listed or not.
    assert result.error_count == 4 * ROWS
    assert len(result.errors) < result.error_count
    assert not result.is_valid


def test_explaining_stops_once_the_budget_is_spent(budget, suggestions, monkeypatch):
    tried: list[str] = []
    real = cells._unaccepted_date
    monkeypatch.setattr(
        cells,
        "_unaccepted_date",
        lambda written: tried.append(written) or real(written),
    )

    result = csvformat.parse(worst_case(), plan_items={})

    statuses = [f for f in result.findings if f.code == "status.unknown" and f.line]
    # The listed ones still carry their suggestion...
    assert all(f.suggestion == "Achieved" for f in statuses)
    # ...and difflib ran for those only, not once per row.
    assert len(suggestions) == budget
    # The dates past the budget were not tried against other date forms either.
    assert len(tried) == budget
    dates = [f for f in result.findings if f.column == "As Of Date" and f.line]
    assert len(dates) == budget


def test_a_small_file_is_explained_in_full(suggestions):
    """Under the budget nothing changes: every error listed with its suggestion."""
    result = csvformat.parse(worst_case(20), plan_items={})

    assert len(result.errors) == result.error_count == 80
    assert len(suggestions) == 20
    assert all(f.line is not None for f in result.errors)


def test_the_summary_of_a_kind_names_its_last_row(budget):
    result = csvformat.parse(worst_case(), plan_items={})

    summary = next(
        f for f in result.findings if f.code == "status.unknown" and f.line is None
    )
    assert summary.severity == ERROR
    assert f"the last one: Row {ROWS + 1}, Status: 'Acheivd{ROWS - 1}'" in (
        summary.message
    )


def test_an_unknown_and_another_teams_id_are_bounded_alike(budget):
    """IDs are the fourth column of the attack; another team's ID is one of them."""
    rules = {"Q3": PlanItemRule(own=False, active=True, has_metric=False)}
    result = csvformat.parse(worst_case(), plan_items=rules)

    ids = [f for f in result.findings if f.column == "External ID" and f.line]
    assert len(ids) == budget
    assert result.error_count == 4 * ROWS
