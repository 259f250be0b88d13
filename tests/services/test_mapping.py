"""A team's External ID mapping: importing it (through a preview), item by item
activating and deactivating, what each changes, the audit event it writes, and the
message a refused import gets (naming the row and column)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanItemFactory
from uploads.csvformat.mapping import unavailable_message
from uploads.models import AuditEvent, PlanItem
from uploads.services.errors import ServiceError
from uploads.services.mapping import (
    MappingError,
    MappingRow,
    plan_item_set_active,
    plan_items_import,
    plan_items_import_check,
    plan_items_import_preview,
    read_mapping,
)

Action = AuditEvent.Action


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- read_mapping ---------------------------------------------------------------


def test_a_file_that_cannot_be_imported_says_nothing_was_imported_and_why():
    with pytest.raises(MappingError) as error:
        read_mapping(
            b"External ID,Name,Has Metric\n"
            b"A-1,First,yes\n"
            b"A-2,Second\n"
            b"A-3,Third,maybe\n"
            b",Nameless,no\n"
        )
    assert str(error.value) == (
        "Nothing imported:\n"
        "Row 3: expected 3 columns (External ID, Name, Has Metric), found 2.\n"
        "Row 4, Has Metric: 'maybe' is not yes/no, true/false or 1/0.\n"
        "Row 5, External ID: it is empty. Write the plan item's External ID as"
        " AchieveIt has it, or delete the row."
    )
    assert [(p.line, p.column) for p in error.value.problems] == [
        (3, ""),
        (4, "Has Metric"),
        (5, "External ID"),
    ]


def test_a_file_that_is_no_csv_text_is_a_service_error_saying_what_to_do():
    with pytest.raises(ServiceError) as error:
        read_mapping("A-1,Café,yes\n".encode("cp1252"))
    assert str(error.value) == "The file is not UTF-8 text: save it as CSV UTF-8."
    assert not isinstance(error.value, MappingError)


def test_items_from_elsewhere_are_checked_too(team):
    with pytest.raises(MappingError) as error:
        plan_items_import(team=team, items=[MappingRow("@cmd", "Sneaky", False)])
    assert "starts with '@'" in str(error.value)
    assert not PlanItem.objects.filter(external_id="@cmd").exists()


# --- plan_items_import ----------------------------------------------------------


def test_an_import_creates_updates_and_reactivates_items(team, operator):
    PlanItemFactory(team=team, external_id="A-1", name="Old", active=False)
    result = plan_items_import(
        team=team,
        items=[MappingRow("A-1", "Renamed", False), MappingRow("A-2", "New", True)],
        actor=operator,
    )
    assert (result.created, result.updated, result.total) == (1, 1, 2)
    assert list(
        PlanItem.objects.values_list("external_id", "name", "has_metric", "active")
    ) == [("A-1", "Renamed", False, True), ("A-2", "New", True, True)]
    (event,) = events(Action.PLAN_ITEMS_IMPORTED)
    assert (event.team, event.actor) == (team, operator)
    assert event.details == {"created": 1, "updated": 1, "unchanged": 0}


def test_an_import_will_not_take_another_teams_items(team, other_team):
    PlanItemFactory.create_batch(3, team=other_team)
    theirs = list(PlanItem.objects.values_list("external_id", flat=True))
    items = [MappingRow("MINE-1", "Mine", True)] + [
        MappingRow(external_id, "Stolen", True) for external_id in theirs
    ]
    with pytest.raises(ServiceError) as error:
        plan_items_import(team=team, items=items)
    assert str(error.value).splitlines() == ["Nothing imported:"] + [
        f"External ID '{external_id}' cannot be added to this team's plan items. "
        "Check the External ID; if it is right, ask an operator."
        for external_id in sorted(theirs)
    ]
    assert not PlanItem.objects.filter(team=team).exists()
    assert events(Action.PLAN_ITEMS_IMPORTED) == []
    # Refused, it told what a preview tells: audited as a check.
    (checked,) = events(Action.PLAN_ITEMS_CHECKED)
    assert checked.details["refused"] == 3


def test_a_bulk_import_adds_changes_and_leaves_unchanged_items_unwritten(
    team, operator
):
    long_ago = timezone.now() - timedelta(days=30)
    PlanItemFactory(team=team, external_id="SAME", name="Same", has_metric=True)
    PlanItemFactory(team=team, external_id="RENAMED", name="Old", has_metric=True)
    PlanItemFactory(team=team, external_id="NOT-IN-FILE", name="Kept", active=False)
    PlanItem.objects.update(updated_at=long_ago)
    items = read_mapping(
        b"SAME,Same,yes\nRENAMED,New,yes\n"
        + b"".join(f"NEW-{n:05d},Item {n},no\n".encode() for n in range(2500))
    )
    result = plan_items_import(team=team, items=items, actor=operator)
    assert (result.created, result.updated, result.unchanged) == (2500, 1, 1)
    assert result.total == 2502
    assert PlanItem.objects.filter(team=team).count() == 2503
    assert PlanItem.objects.get(external_id="NEW-02499").name == "Item 2499"
    renamed = PlanItem.objects.get(external_id="RENAMED")
    assert (renamed.name, renamed.updated_at > long_ago) == ("New", True)
    # Neither the unchanged item nor one missing from the file is touched.
    assert PlanItem.objects.get(external_id="SAME").updated_at == long_ago
    assert PlanItem.objects.get(external_id="NOT-IN-FILE").active is False
    (event,) = events(Action.PLAN_ITEMS_IMPORTED)
    assert event.details == {"created": 2500, "updated": 1, "unchanged": 1}


def test_an_import_keeps_when_an_item_last_had_an_update(team):
    sent_at = timezone.now() - timedelta(days=3)
    PlanItemFactory(team=team, external_id="A-1", name="Old", last_updated_at=sent_at)
    plan_items_import(team=team, items=[MappingRow("A-1", "New", True)])
    assert PlanItem.objects.get(external_id="A-1").last_updated_at == sent_at


def test_another_teams_id_in_a_file_is_named_by_row(team, other_team):
    PlanItemFactory(team=other_team, external_id="FIN-1", name="Theirs")
    items = read_mapping(b"External ID,Name,Has Metric\nA-1,Mine,yes\nFIN-1,X,no\n")
    with pytest.raises(ServiceError) as error:
        plan_items_import(team=team, items=items)
    assert str(error.value) == (
        "Nothing imported:\nRow 3, External ID: 'FIN-1' cannot be added to this "
        "team's plan items. Check the External ID; if it is right, ask an operator."
    )
    assert list(PlanItem.objects.values_list("external_id", "name")) == [
        ("FIN-1", "Theirs")
    ]


def test_a_preview_tells_what_an_import_would_do_and_writes_nothing(team, other_team):
    PlanItemFactory(team=team, external_id="SAME", name="Same", has_metric=True)
    PlanItemFactory(team=team, external_id="OLD", name="Old", has_metric=True)
    PlanItemFactory(team=team, external_id="OFF", name="Off", active=False)
    PlanItemFactory(team=other_team, external_id="THEIRS")
    preview = plan_items_import_preview(
        team=team,
        items=read_mapping(
            b"SAME,Same,yes\nOLD,Renamed,no\nOFF,Off,yes\nNEW,New,no\nTHEIRS,X,no\n"
        ),
    )
    assert [row.external_id for row in preview.new] == ["NEW"]
    assert [change.row.external_id for change in preview.edited] == ["OLD"]
    assert (preview.edited[0].renamed, preview.edited[0].metric_changed) == (
        True,
        True,
    )
    assert [change.row.external_id for change in preview.reactivated] == ["OFF"]
    assert preview.unchanged == 1
    assert [str(problem) for problem in preview.problems] == [
        "Row 5, External ID: 'THEIRS' cannot be added to this team's plan items. "
        "Check the External ID; if it is right, ask an operator."
    ]
    assert PlanItem.objects.get(external_id="OLD").name == "Old"
    assert not PlanItem.objects.filter(external_id="NEW").exists()


# --- plan_item_set_active -------------------------------------------------------


def test_an_item_is_deactivated_then_reactivated_each_audited_once(team, operator):
    item = PlanItemFactory(team=team, external_id="A-1")
    assert plan_item_set_active(plan_item=item, active=False, actor=operator)
    assert not plan_item_set_active(plan_item=item, active=False, actor=operator)
    assert PlanItem.objects.get(pk=item.pk).active is False
    assert plan_item_set_active(plan_item=item, active=True, actor=operator)
    assert PlanItem.objects.get(pk=item.pk).active is True
    assert [
        (event.action, event.team, event.details) for event in AuditEvent.objects.all()
    ] == [
        ("plan_item.deactivated", team, {"external_id": "A-1"}),
        ("plan_item.reactivated", team, {"external_id": "A-1"}),
    ]


def test_another_teams_id_is_refused_in_the_words_of_any_taken_id(team, other_team):
    PlanItemFactory(team=other_team, external_id="FIN-CLOSE")
    preview = plan_items_import_preview(
        team=team, items=[MappingRow("FIN-CLOSE", "Close", False, 2)]
    )
    (problem,) = preview.problems
    assert "team" not in problem.message.replace("this team's", "")
    assert problem.message == unavailable_message("FIN-CLOSE", 2)


def test_a_persons_check_is_audited_with_counts_and_no_ids(team, other_team, alice):
    PlanItemFactory(team=other_team, external_id="FIN-CLOSE")
    items = [MappingRow("NEW-1", "New", True, 1), MappingRow("FIN-CLOSE", "X", True, 2)]

    plan_items_import_check(team=team, items=items, actor=alice)

    (event,) = events(Action.PLAN_ITEMS_CHECKED)
    assert (event.actor, event.team) == (alice, team)
    assert event.details == {
        "rows": 2,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "refused": 1,
    }
    assert (
        event.sentence
        == "alice checked a plan items file (1 new, 0 changed, 1 not addable)"
    )
