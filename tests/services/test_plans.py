"""Plans linked to a team, and its plan items synced from them, against the
simulator (real HTTP, in a thread): paging, leniency, a 403, a bad answer."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from simulator.config import SimulatorConfig
from simulator.server import serve_in_thread
from uploads.models import AuditEvent, PlanItem, Team, TeamPlan
from uploads.services import plans
from uploads.services.errors import ServiceError

API_KEY = "sim-plans-key-5d1e"
SEED = {
    "plans": [
        {
            "id": "plan-fy27",
            "name": "FY27 plan",
            "items": [
                {
                    "externalId": "SALES-Q4-01",
                    "name": "Q4 pipeline coverage (renamed)",
                    "status": "At Risk",
                    "currentValue": 0.45,
                    "lastUpdated": "2026-12-03T10:42:00+00:00",
                    "target": 1,
                    "assignedToFullName": "Alice Owner",
                    "assignedToEmailAddress": "alice@example.org",
                },
                {"externalId": "SALES-NEW", "name": "A new item", "target": 10},
                {"externalId": "FIN-CLOSE", "name": "Finance's item"},
                {"externalId": "=SUM(A1)", "name": "An ID no file can carry"},
                {"name": "Loose item without an ID"},
            ],
        },
        {"id": "plan-big", "generate": {"count": 3100, "externalIdPrefix": "GEN-"}},
    ]
}


@pytest.fixture
def achieveit(settings: Any) -> Iterator[Any]:
    server = serve_in_thread(
        SimulatorConfig(api_key=API_KEY, plans=SEED, processing_delay=0)
    )
    settings.ACHIEVEIT_BASE_URL = server.base_url
    settings.ACHIEVEIT_API_KEY = API_KEY
    yield server
    server.stop()


def configure(server: Any, **knobs: Any) -> None:
    requests.post(
        f"{server.base_url}/_simulator/config", json=knobs, timeout=5
    ).raise_for_status()


@pytest.fixture
def linked(team: Team, plan_items: list[PlanItem], alice: Any) -> Team:
    plans.plan_link(team=team, plan_id="plan-fy27", actor=alice)
    return team


def test_linking_is_audited_and_kept_once(team, alice):
    plans.plan_link(team=team, plan_id=" plan-fy27 ", actor=alice)
    plans.plan_link(team=team, plan_id="plan-fy27", actor=alice)
    assert list(team.plans.values_list("plan_id", flat=True)) == ["plan-fy27"]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PLAN_LINKED)
    assert [event.sentence for event in events] == [
        "alice linked the AchieveIt plan plan-fy27"
    ]
    assert plans.plan_unlink(team=team, plan_id="plan-fy27", actor=alice)
    assert not team.plans.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PLAN_UNLINKED).exists()


@pytest.mark.parametrize("plan_id", ["", "   ", "a\nb", "x" * 201])
def test_an_unusable_plan_id_is_refused(team, plan_id):
    with pytest.raises(ServiceError):
        plans.plan_link(team=team, plan_id=plan_id)
    assert not TeamPlan.objects.exists()


def test_the_preview_lists_new_renamed_changed_missing_and_items_without_an_id(
    achieveit, linked
):
    preview = plans.sync_preview(team=linked)
    assert [item.external_id for _, item in preview.new] == ["SALES-NEW"]
    assert [change.external_id for change in preview.renamed] == ["SALES-Q4-01"]
    assert preview.renamed[0].old_name == "Q4 pipeline coverage"
    assert preview.missing == ["HR-RETENTION", "IT-MIGRATION", "SALES-Q4-02"]
    assert [item.name for item in preview.without_id] == ["Loose item without an ID"]
    assert preview.other_team == ["FIN-CLOSE"]
    assert [external_id for external_id, _ in preview.unusable] == ["=SUM(A1)"]
    # A preview writes no plan item.
    assert not PlanItem.objects.filter(external_id="SALES-NEW").exists()
    assert not PlanItem.objects.filter(missing_in_achieveit=True).exists()


def test_apply_adds_updates_and_flags_missing_items_without_deactivating(
    achieveit, linked, alice
):
    result = plans.sync_apply(team=linked, actor=alice)
    assert (result.created, result.updated, result.missing) == (1, 1, 3)
    assert (result.without_id, result.skipped) == (1, 2)
    item = PlanItem.objects.get(external_id="SALES-Q4-01")
    assert item.name == "Q4 pipeline coverage (renamed)"
    assert (item.achieveit_status, item.achieveit_value, item.target) == (
        "At Risk",
        "0.45",
        "1",
    )
    assert item.achieveit_last_updated.isoformat() == "2026-12-03T10:42:00+00:00"
    assert (item.assignee_name, item.assignee_email) == (
        "Alice Owner",
        "alice@example.org",
    )
    assert item.read_at is not None
    assert item.achieveit_plan_id == "plan-fy27"
    new = PlanItem.objects.get(external_id="SALES-NEW")
    assert (new.team, new.has_metric, new.active) == (linked, True, True)
    missing = PlanItem.objects.filter(missing_in_achieveit=True)
    assert sorted(missing.values_list("external_id", flat=True)) == [
        "HR-RETENTION",
        "IT-MIGRATION",
        "SALES-Q4-02",
    ]
    assert all(item.active for item in missing)
    # Another team's item is left as it was.
    assert PlanItem.objects.get(external_id="FIN-CLOSE").name == "Close"
    assert not PlanItem.objects.filter(external_id="=SUM(A1)").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PLAN_ITEMS_SYNCED)
    assert event.sentence == (
        "alice synced plan items from AchieveIt (1 new, 1 changed, 3 missing in "
        "AchieveIt)"
    )
    assert TeamPlan.objects.get().last_synced_at is not None


def test_a_second_sync_changes_nothing(achieveit, linked):
    plans.sync_apply(team=linked)
    again = plans.sync_apply(team=linked)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.missing == 0  # flagged already


def test_an_item_shown_again_is_no_longer_flagged(achieveit, linked):
    PlanItem.objects.filter(external_id="SALES-Q4-01").update(missing_in_achieveit=True)
    preview = plans.sync_preview(team=linked)
    assert preview.found_again == ["SALES-Q4-01"]
    plans.sync_apply(team=linked)
    assert not PlanItem.objects.get(external_id="SALES-Q4-01").missing_in_achieveit


def test_a_big_plan_is_read_page_by_page(achieveit, team):
    plans.plan_link(team=team, plan_id="plan-big")
    result = plans.sync_apply(team=team)
    assert result.created == 3100
    assert TeamPlan.objects.get().item_count == 3100
    assert PlanItem.objects.filter(team=team, external_id="GEN-3100").exists()


def test_a_wrapped_answer_is_read_too(achieveit, linked):
    configure(achieveit, plan_items_shape="wrapped")
    assert plans.sync_apply(team=linked).created == 1


@pytest.mark.parametrize(
    ("knobs", "words"),
    [
        ({"hidden_plans": ["plan-fy27"]}, "HTTP 403"),
        ({"plan_items_500": True}, "HTTP 500"),
        ({"plan_items_shape": "wrong"}, "not a list of plan items"),
        ({"plan_items_shape": "html"}, "not JSON"),
    ],
)
def test_a_plan_that_cannot_be_read_changes_nothing_and_says_why(
    achieveit, linked, knobs, words
):
    configure(achieveit, **knobs)
    before = list(PlanItem.objects.values_list("external_id", "name", "active"))
    with pytest.raises(plans.PlanSyncError, match=words) as raised:
        plans.sync_apply(team=linked)
    assert str(raised.value).startswith("Nothing changed: ")
    assert "\n" not in str(raised.value)
    assert list(PlanItem.objects.values_list("external_id", "name", "active")) == (
        before
    )
    assert not PlanItem.objects.filter(missing_in_achieveit=True).exists()
    link = TeamPlan.objects.get()
    assert words in link.last_error
    assert link.last_synced_at is None
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.PLAN_ITEMS_SYNCED
    ).exists()


def test_a_wrong_answer_is_kept_for_an_operator(achieveit, linked):
    configure(achieveit, plan_items_shape="wrong")
    with pytest.raises(plans.PlanSyncError):
        plans.sync_apply(team=linked)
    assert "unexpected" in TeamPlan.objects.get().last_raw_answer


def test_one_failing_plan_fails_the_whole_team(achieveit, linked):
    plans.plan_link(team=linked, plan_id="plan-big")
    configure(achieveit, hidden_plans=["plan-big"])
    with pytest.raises(plans.PlanSyncError, match="plan-big"):
        plans.sync_apply(team=linked)
    assert not PlanItem.objects.filter(external_id="SALES-NEW").exists()


def test_beat_syncs_every_linked_team_and_goes_on_after_a_failure(
    achieveit, linked, other_team
):
    plans.plan_link(team=other_team, plan_id="plan-hidden")
    configure(achieveit, hidden_plans=["plan-hidden"])
    assert plans.plans_sync_all() == {"synced": 1, "failed": 1}
    assert PlanItem.objects.filter(external_id="SALES-NEW").exists()


def test_the_commands_link_sync_and_unlink(achieveit, team, plan_items):
    out = StringIO()
    call_command("link_plan", "sales", "plan-fy27", stdout=out)
    assert "Linked plan plan-fy27 to sales" in out.getvalue()
    out = StringIO()
    call_command("sync_plan_items", "--team", "sales", stdout=out)
    assert out.getvalue().strip() == (
        "sales: 1 new, 1 updated, 0 unchanged, 3 missing in AchieveIt, 1 without "
        "an External ID, 2 skipped."
    )
    call_command("link_plan", "sales", "plan-fy27", "--remove", stdout=StringIO())
    assert not TeamPlan.objects.exists()


def test_the_sync_command_fails_with_one_line(achieveit, linked):
    configure(achieveit, hidden_plans=["plan-fy27"])
    with pytest.raises(CommandError, match=r"^sales: Nothing changed: .*HTTP 403"):
        call_command("sync_plan_items", "--all", stdout=StringIO())


def test_unlinking_a_plan_that_is_not_linked_is_an_error(team):
    with pytest.raises(CommandError, match="not linked"):
        call_command("link_plan", "sales", "plan-x", "--remove", stdout=StringIO())
