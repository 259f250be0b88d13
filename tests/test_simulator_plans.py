"""The simulator's plans: GET /plans/<id>/items, updates applied when a job completes,
and the two "connection dropped" knobs.

One real `python -m simulator` process started with a plan seed (reset before each
test), driven over HTTP; no Django and no database are involved.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.test_simulator import (
    API_KEY,
    WRONG_KEY,
    SimulatorClient,
    SimulatorProcess,
    start_simulator,
)

pytestmark = pytest.mark.slow

PLAN_SEED = {
    "plans": [
        {
            "id": "plan-fy27",
            "name": "FY27 plan",
            "items": [
                {
                    "id": "item-sales",
                    "externalId": "SALES-Q4-01",
                    "name": "Q4 pipeline coverage",
                    "target": 1,
                    "assignedToFullName": "Alice Owner",
                    "assignedToEmailAddress": "alice@example.org",
                    "due": "2026-12-31",
                },
                {
                    "id": "item-it",
                    "externalId": "IT-MIGRATION",
                    "name": "Data centre migration",
                    "status": "On Track",
                },
                {"id": "item-no-code", "name": "Item without an External ID"},
            ],
        },
        {"id": "plan-big", "generate": {"count": 250, "externalIdPrefix": "GEN-"}},
    ]
}
ITEM_KEYS = {
    "id",
    "externalId",
    "name",
    "sequenceId",
    "level",
    "status",
    "currentValue",
    "lastUpdated",
    "assignedToFullName",
    "assignedToEmailAddress",
    "target",
    "latestUpdate",
}


@pytest.fixture(scope="module")
def plans_process(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SimulatorProcess]:
    """One simulator started with PLAN_SEED, shared by this module."""
    workdir = tmp_path_factory.mktemp("simulator-plans")
    seed_path = workdir / "plans.json"
    seed_path.write_text(json.dumps(PLAN_SEED))
    running = start_simulator(
        workdir, "--processing-delay", "0", "--plans", str(seed_path)
    )
    yield running
    running.stop()


@pytest.fixture
def simulator(plans_process: SimulatorProcess) -> Iterator[PlansClient]:
    """A client for the shared simulator, freshly reset (start-up plans again)."""
    client = PlansClient(plans_process.base_url)
    reset = client.session.post(f"{client.base_url}/_simulator/reset", timeout=5)
    assert reset.status_code == 200
    yield client
    client.session.close()


class PlansClient(SimulatorClient):
    """SimulatorClient plus the plan calls."""

    def items(
        self, plan_id: str, api_key: str = API_KEY, **query: Any
    ) -> requests.Response:
        """GET /plans/<plan_id>/items with the query given."""
        return self.session.get(
            f"{self.base_url}/plans/{plan_id}/items",
            params=query,
            headers={"Authorization": f"API-KEY {api_key}"},
            timeout=5,
        )

    def item(self, plan_id: str, item_id: str) -> dict[str, Any]:
        """One item as GET /plans/<id>/items answers it (first page of 1,500)."""
        answer = self.items(plan_id, take=1500)
        assert answer.status_code == 200, answer.text
        [item] = [item for item in answer.json() if item["id"] == item_id]
        return item

    def seed(self, payload: object) -> requests.Response:
        """POST a plan seed to /_simulator/plans."""
        return self.session.post(
            f"{self.base_url}/_simulator/plans", json=payload, timeout=5
        )


def test_it_serves_a_plans_items_as_a_json_list(simulator: PlansClient) -> None:
    answer = simulator.items(
        "plan-fy27", skip=0, take=100, sortKey="sequenceId", sortDirection="asc"
    )

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    items = answer.json()
    assert [item["id"] for item in items] == ["item-sales", "item-it", "item-no-code"]
    assert all(set(item) >= ITEM_KEYS for item in items)
    sales, it_item, no_code = items
    assert sales["externalId"] == "SALES-Q4-01"
    assert sales["sequenceId"] == 1
    assert sales["assignedToEmailAddress"] == "alice@example.org"
    assert sales["target"] == 1
    # A key the seed adds is served as given.
    assert sales["due"] == "2026-12-31"
    assert sales["status"] == "Not Started"
    assert sales["currentValue"] is None
    assert sales["lastUpdated"] is None
    assert it_item["status"] == "On Track"
    assert no_code["externalId"] is None


def test_it_pages_with_skip_and_take(simulator: PlansClient) -> None:
    default_page = simulator.items("plan-big").json()
    pages = [
        simulator.items("plan-big", skip=skip, take=100).json()
        for skip in (0, 100, 200, 300)
    ]

    assert len(default_page) == 100
    assert [len(page) for page in pages] == [100, 100, 50, 0]
    external_ids = [item["externalId"] for page in pages for item in page]
    assert external_ids == [f"GEN-{number}" for number in range(1, 251)]
    assert len(simulator.items("plan-big", take=1500).json()) == 250


def test_it_sorts_by_a_documented_key(simulator: PlansClient) -> None:
    descending = simulator.items("plan-big", sortKey="sequenceId", sortDirection="DESC")
    by_name = simulator.items("plan-fy27", sortKey="name")

    assert [item["sequenceId"] for item in descending.json()][:3] == [250, 249, 248]
    assert [item["name"] for item in by_name.json()] == [
        "Data centre migration",
        "Item without an External ID",
        "Q4 pipeline coverage",
    ]


@pytest.mark.parametrize(
    ("query", "expected_message"),
    [
        ({"take": 1501}, "take must be between 1 and 1500"),
        ({"take": 0}, "take must be between 1 and 1500"),
        ({"take": "ten"}, "take must be a whole number"),
        ({"skip": -1}, "skip must be a whole number"),
        ({"sortKey": "colour"}, "sortKey must be one of: name, sequenceId"),
        ({"sortDirection": "up"}, "sortDirection must be asc or desc"),
    ],
    ids=["take-over-cap", "take-zero", "take-text", "skip-negative", "sort", "dir"],
)
def test_it_refuses_a_bad_page_request(
    simulator: PlansClient, query: dict[str, Any], expected_message: str
) -> None:
    answer = simulator.items("plan-fy27", **query)

    assert answer.status_code == 400
    assert expected_message in answer.json()["error"]


def test_a_plan_the_key_cannot_see_is_403(simulator: PlansClient) -> None:
    configured = simulator.configure(hidden_plans=["plan-fy27"])

    assert configured.json()["hidden_plans"] == ["plan-fy27"]
    hidden = simulator.items("plan-fy27")
    assert hidden.status_code == 403
    assert "plan-fy27" in hidden.json()["error"]
    assert simulator.items("plan-big").status_code == 200
    assert simulator.items("no-such-plan").status_code == 404
    assert simulator.items("plan-big", api_key=WRONG_KEY).status_code == 401
    assert simulator.configure(hidden_plans="plan-fy27").status_code == 400


@pytest.mark.parametrize(
    ("shape", "content_type", "check"),
    [
        (
            "wrapped",
            "application/json",
            lambda body: (
                json.loads(body)["total"] == 3 and len(json.loads(body)["items"]) == 3
            ),
        ),
        (
            "wrong",
            "application/json",
            lambda body: (
                json.loads(body)
                == {"unexpected": "simulated wrong-shape answer (plan_items_shape)"}
            ),
        ),
        ("html", "text/html; charset=utf-8", lambda body: body.startswith("<!doctype")),
    ],
    ids=["wrapped", "wrong", "html"],
)
def test_plan_items_shape_changes_the_answer(
    simulator: PlansClient, shape: str, content_type: str, check: Any
) -> None:
    simulator.configure(plan_items_shape=shape)

    answer = simulator.items("plan-fy27")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    assert check(answer.text)


def test_plan_items_500_knobs(simulator: PlansClient) -> None:
    simulator.configure(plan_items_500_next=2)
    codes = [simulator.items("plan-fy27").status_code for _ in range(3)]
    simulator.configure(plan_items_500=True)
    always = simulator.items("plan-fy27")

    assert codes == [500, 500, 200]
    assert always.status_code == 500
    assert always.json()["error"] == "simulated plan items failure"


def test_plans_are_seeded_inspected_and_reset(simulator: PlansClient) -> None:
    seeded = simulator.seed(
        {"plans": [{"id": "plan-new", "items": [{"externalId": "NEW-1"}]}]}
    )

    assert seeded.status_code == 200
    assert {"id": "plan-new", "name": "plan-new", "items": 1, "hidden": False} in (
        seeded.json()["plans"]
    )
    assert simulator.items("plan-new").json()[0]["externalId"] == "NEW-1"
    listing = simulator.session.get(f"{simulator.base_url}/_simulator/plans", timeout=5)
    assert [plan["id"] for plan in listing.json()["plans"]] == [
        "plan-fy27",
        "plan-big",
        "plan-new",
    ]
    whole = simulator.session.get(
        f"{simulator.base_url}/_simulator/plans/plan-big", timeout=5
    )
    assert len(whole.json()["items"]) == 250

    simulator.session.post(f"{simulator.base_url}/_simulator/reset", timeout=5)
    assert simulator.items("plan-new").status_code == 404
    assert simulator.items("plan-fy27").status_code == 200


@pytest.mark.parametrize(
    ("payload", "expected_message"),
    [
        ([], "a plan seed must be"),
        ({"plans": [{"name": "no id"}]}, "plan 1: id must be"),
        ({"plans": [{"id": "a/b"}]}, "plan 1: id must be"),
        ({"plans": [{"id": "p", "items": [{"id": "x"}, {"id": "x"}]}]}, "repeats"),
        ({"plans": [{"id": "p", "items": [{"externalId": 5}]}]}, "externalId must"),
        ({"plans": [{"id": "p", "colour": "red"}]}, "unknown key(s) colour"),
        ({"plans": [{"id": "p", "generate": {"count": -1}}]}, "generate.count"),
    ],
    ids=["not-object", "no-id", "slash", "repeated-item", "bad-code", "key", "count"],
)
def test_a_bad_plan_seed_is_refused(
    simulator: PlansClient, payload: object, expected_message: str
) -> None:
    answer = simulator.seed(payload)

    assert answer.status_code == 400
    assert expected_message in answer.json()["error"]


def test_a_bad_plan_seed_file_stops_the_command(tmp_path: Path) -> None:
    seed_path = tmp_path / "plans.json"
    seed_path.write_text('{"plans": [{"id": ""}]}')

    with pytest.raises(AssertionError, match="plan 1: id must be"):
        start_simulator(tmp_path, "--plans", str(seed_path))


# --- Updates reach the plan items when the job completes ---


def test_a_progress_update_is_applied_at_completion_without_any_poll(
    simulator: PlansClient,
) -> None:
    simulator.configure(processing_delay=0.3)
    job_id = simulator.submit(
        "External ID,Status,Metric Value,As Of Date,Comment\n"
        'SALES-Q4-01,at risk,0.45,2026-10-31,"Two deals slipped, see notes"\n'
        "IT-MIGRATION,Achieved,,2026-10-31,\n"
        "NOT-ON-ANY-PLAN,On Track,1,2026-10-31,\n"
    )

    before = simulator.item("plan-fy27", "item-sales")
    time.sleep(0.35)
    sales = simulator.item("plan-fy27", "item-sales")
    it_item = simulator.item("plan-fy27", "item-it")

    assert before["status"] == "Not Started"
    assert before["lastUpdated"] is None
    [job] = simulator.jobs()
    assert job["job_id"] == job_id
    assert job["polls"] == 0
    assert job["applied_items"] == 2
    assert sales["status"] == "At Risk"
    assert sales["currentValue"] == 0.45
    # lastUpdated is the completion time, not the time somebody looked.
    assert sales["lastUpdated"] == job["completes_at"]
    received = datetime.fromisoformat(job["received_at"])
    completed = datetime.fromisoformat(sales["lastUpdated"])
    assert 0.29 <= (completed - received).total_seconds() <= 0.31
    assert sales["latestUpdate"] == {
        "kind": "progress",
        "jobId": job_id,
        "status": "At Risk",
        "currentValue": 0.45,
        "asOfDate": "2026-10-31",
        "comment": "Two deals slipped, see notes",
        "appliedAt": job["completes_at"],
    }
    assert it_item["status"] == "Achieved"
    assert it_item["currentValue"] is None
    assert it_item["latestUpdate"]["comment"] is None


def test_a_json_update_and_a_metric_update_are_applied(simulator: PlansClient) -> None:
    simulator.submit(
        json.dumps(
            [
                {
                    "externalId": "SALES-Q4-01",
                    "status": "Off Track",
                    "metricValue": 0.2,
                    "asOfDate": "2026-11-02",
                    "comment": "from JSON",
                }
            ]
        ),
        content_type="application/json",
    )
    simulator.submit(
        "External ID,Current Metric Value,As Of Date,Comment\n"
        "SALES-Q4-01,0.61,2026-11-03,finance export\n",
        endpoint="metricupdates",
    )

    sales = simulator.item("plan-fy27", "item-sales")

    # The metric update changed the value and kept the status of the JSON update.
    assert sales["status"] == "Off Track"
    assert sales["currentValue"] == 0.61
    assert sales["latestUpdate"]["kind"] == "metric"
    assert sales["latestUpdate"]["comment"] == "finance export"
    assert sales["latestUpdate"]["asOfDate"] == "2026-11-03"


def test_a_failed_job_changes_no_item(simulator: PlansClient) -> None:
    job_id = simulator.submit(
        "SALES-Q4-01,On Track,0.9,2026-10-31\nIT-MIGRATION,Acheived,,2026-10-31\n"
    )

    assert simulator.status(job_id).status_code == 400
    assert simulator.item("plan-fy27", "item-sales")["status"] == "Not Started"
    assert simulator.jobs()[0]["applied_items"] == 0


def test_the_items_sort_by_the_values_the_updates_set(simulator: PlansClient) -> None:
    simulator.submit("GEN-7,On Track,9,2026-10-31\nGEN-3,On Track,5,2026-10-31\n")

    top = simulator.items("plan-big", sortKey="currentValue", take=3).json()

    assert [item["externalId"] for item in top] == ["GEN-3", "GEN-7", "GEN-1"]


# --- Connections dropped after queueing, or held and dropped before ---


def test_queue_then_drop_queues_the_job_but_never_answers(
    simulator: PlansClient,
) -> None:
    simulator.configure(queue_then_drop_next_posts=1)
    body = "SALES-Q4-01,Achieved,1,2026-10-31,done\n"

    with pytest.raises(requests.exceptions.ConnectionError):
        simulator.post_csv(body)

    [dropped] = simulator.jobs()
    assert dropped["dropped"] is True
    assert dropped["answered_status"] is None
    assert dropped["job_id"]
    assert dropped["state"] == "succeeded"
    assert dropped["applied_items"] == 1
    assert simulator.item("plan-fy27", "item-sales")["status"] == "Achieved"
    assert simulator.status(dropped["job_id"]).status_code == 200
    # The knob counted down: the next POST is answered as usual.
    assert simulator.post_csv(body, "upload-2.csv").status_code == 200
    assert [job["dropped"] for job in simulator.jobs()] == [True, False]
    assert simulator.configure().json()["queue_then_drop_next_posts"] == 0


def test_hold_then_drop_waits_drops_and_queues_nothing(simulator: PlansClient) -> None:
    simulator.configure(hold_then_drop_next_posts=1, hold_seconds=0.3)
    started = time.monotonic()

    with pytest.raises(requests.exceptions.ConnectionError):
        simulator.post_csv("SALES-Q4-01,Achieved,1,2026-10-31\n", timeout=5)

    assert time.monotonic() - started >= 0.3
    [held] = simulator.jobs()
    assert held["dropped"] is True
    assert held["job_id"] is None
    assert held["state"] == "not_queued"
    assert held["answered_status"] is None
    assert held["applied_items"] is None
    assert simulator.item("plan-fy27", "item-sales")["status"] == "Not Started"
    assert simulator.configure().json()["hold_then_drop_next_posts"] == 0


def test_a_drop_does_not_hit_a_refused_post(simulator: PlansClient) -> None:
    simulator.configure(queue_then_drop_next_posts=1, hold_then_drop_next_posts=1)

    refused = simulator.post_csv("IT-MIGRATION,On Track,,2026-10-31\n", "bad name.csv")

    assert refused.status_code == 400
    knobs = simulator.configure().json()
    assert knobs["queue_then_drop_next_posts"] == 1
    assert knobs["hold_then_drop_next_posts"] == 1
    assert simulator.configure(hold_seconds=-1).status_code == 400


def test_a_plan_id_is_read_percent_decoded(simulator: PlansClient) -> None:
    simulator.seed({"plans": [{"id": "plan one", "items": [{"externalId": "P-1"}]}]})

    answer = simulator.items("plan one")  # requests sends plan%20one

    assert answer.status_code == 200
    assert answer.json()[0]["externalId"] == "P-1"
