"""The mapping step asks the database only for the team's IDs its sample cells
could be (services.column_mappings.own_ids_among): the same IDs, by Python's lower
case, as filtering all the team's active IDs would give."""

from __future__ import annotations

from uploads.models import PlanItem
from uploads.services.column_mappings import FileColumns, own_ids_among

IDS = (
    "SALES-Q4-01",
    "sales-q4-02",
    "HR-Retention",
    "\u212a-1",  # KELVIN SIGN: Python's lower case is an ASCII "k"
    "ÉTÉ-2",
    "NOT-IN-FILE",
)
ROWS = [
    ["sales-q4-01 ", "Green"],
    ["SALES-Q4-02", "Amber"],
    ["hr-retention", ""],
    ["k-1", "Red"],
    ["été-2", "Red"],
    ["INACTIVE-1", "Red"],
    ["OTHER-TEAM", "Red"],
]


def test_own_ids_among_is_the_whole_filter(team, other_team) -> None:
    for external_id in IDS:
        PlanItem.objects.create(team=team, external_id=external_id)
    PlanItem.objects.create(team=team, external_id="INACTIVE-1", active=False)
    PlanItem.objects.create(team=other_team, external_id="OTHER-TEAM")
    found = FileColumns(["KPI", "RAG"], ROWS, "")
    cells = {cell.strip().lower() for row in ROWS for cell in row if cell.strip()}
    every = team.plan_items.filter(active=True).values_list("external_id", flat=True)
    expected = {external_id for external_id in every if external_id.lower() in cells}
    assert expected == set(IDS) - {"NOT-IN-FILE"}
    assert own_ids_among(team, found) == expected


def test_own_ids_among_without_cells(team) -> None:
    PlanItem.objects.create(team=team, external_id="A-1")
    assert own_ids_among(team, FileColumns(["KPI"], [[" "], []], "")) == set()
