"""The AchieveIt simulator, driven over HTTP as the portal and an operator would.

Most tests share one real `python -m simulator` process (reset before each test); no
Django and no database are involved.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator import SimulatorConfig, serve_in_thread

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
API_KEY = "sim-test-key-4f1c9a2e77"
WRONG_KEY = "wrong-key-0d93b61c55"
HEADER = "External ID,Status,Current Value,As Of Date\n"
VALID_CSV = (
    HEADER
    + "SALES-Q4-01,On Track,0.45,2026-10-31\nIT-MIGRATION,Not Started,,2026-10-31\n"
)
PLAN_ITEMS_CSV = (
    "External ID,Name,Has Metric\n"
    "SALES-Q4-01,Q4 pipeline coverage,yes\n"
    "IT-MIGRATION,Data centre migration,no\n"
)


@dataclass
class SimulatorProcess:
    """A running `python -m simulator` and where its output goes."""

    process: subprocess.Popen[bytes]
    base_url: str
    stdout_path: Path
    stderr_path: Path

    def output(self) -> str:
        """Everything the process printed so far, stdout and stderr."""
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Signal the process and return its exit status."""
        self.process.send_signal(signal_number)
        return self.process.wait(timeout=5)


def start_simulator(workdir: Path, *extra_args: str) -> SimulatorProcess:
    """Start the simulator on a free port and wait until it answers its health check."""
    stdout_path, stderr_path = workdir / "stdout.txt", workdir / "stderr.txt"
    command = [sys.executable, "-m", "simulator", "--port", "0", "--api-key", API_KEY]
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, *extra_args],
            cwd=REPO_ROOT,
            stdout=stdout,
            stderr=stderr,
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert process.poll() is None, stderr_path.read_text()
        words = stdout_path.read_text().split()
        base_url = next((word for word in words if word.startswith("http://")), None)
        if base_url:
            health = requests.get(f"{base_url}/_simulator/health", timeout=2)
            assert health.text == "ok"
            return SimulatorProcess(process, base_url, stdout_path, stderr_path)
        time.sleep(0.02)
    process.kill()
    raise AssertionError("the simulator did not start within 10 s")


@dataclass
class SimulatorClient:
    """Speaks to a simulator the way the portal (uploads) and an operator do."""

    base_url: str
    session: requests.Session = field(default_factory=requests.Session)

    def post_csv(
        self,
        body: str | bytes,
        filename: str = "upload-1.csv",
        api_key: str | None = API_KEY,
        timeout: float = 5,
        *,
        endpoint: str = "progressupdates",
        content_type: str | None = None,
    ) -> requests.Response:
        """POST a file to an upload endpoint (api_key None: no Authorization)."""
        headers = {"Authorization": f"API-KEY {api_key}"} if api_key else {}
        if content_type:
            headers["Content-Type"] = content_type
        data = body.encode() if isinstance(body, str) else body
        return self.session.post(
            f"{self.base_url}/api/{endpoint}/{filename}",
            data=data,
            headers=headers,
            timeout=timeout,
        )

    def status(
        self,
        job_id: str,
        api_key: str = API_KEY,
        *,
        endpoint: str = "progressupdates",
    ) -> requests.Response:
        """GET a job's status."""
        return self.session.get(
            f"{self.base_url}/api/{endpoint}/status/{job_id}",
            headers={"Authorization": f"API-KEY {api_key}"},
            timeout=5,
        )

    def configure(self, **knobs: Any) -> requests.Response:
        """POST fault knobs to /_simulator/config."""
        return self.session.post(
            f"{self.base_url}/_simulator/config", json=knobs, timeout=5
        )

    def jobs(self) -> list[dict[str, Any]]:
        """Everything the simulator received, oldest first."""
        answer = self.session.get(f"{self.base_url}/_simulator/jobs", timeout=5)
        assert answer.status_code == 200
        return answer.json()["jobs"]

    def submit(self, body: str | bytes, **post_options: Any) -> str:
        """POST a file that must be queued; returns its job id (JSON shape)."""
        answer = self.post_csv(body, **post_options)
        assert answer.status_code == 200, answer.text
        return answer.json()["jobId"]

    def verdict(self, body: str | bytes, **post_options: Any) -> requests.Response:
        """POST a file that must be queued and return its job's status answer."""
        endpoint = post_options.get("endpoint", "progressupdates")
        return self.status(self.submit(body, **post_options), endpoint=endpoint)


@pytest.fixture(scope="module")
def simulator_process(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SimulatorProcess]:
    """One simulator process with a plan-item mapping, shared by this module."""
    workdir = tmp_path_factory.mktemp("simulator")
    mapping_path = workdir / "plan_items.csv"
    mapping_path.write_text(PLAN_ITEMS_CSV)
    running = start_simulator(
        workdir, "--processing-delay", "0", "--mapping", str(mapping_path)
    )
    yield running
    running.stop()


@pytest.fixture
def simulator(simulator_process: SimulatorProcess) -> Iterator[SimulatorClient]:
    """A client for the shared simulator, freshly reset."""
    client = SimulatorClient(simulator_process.base_url)
    reset = client.session.post(f"{client.base_url}/_simulator/reset", timeout=5)
    assert reset.status_code == 200
    yield client
    client.session.close()


@pytest.mark.parametrize(
    ("shape", "content_type", "read_job_id"),
    [
        ("json", "application/json", lambda text: json.loads(text)["jobId"]),
        ("text", "text/plain", lambda text: text),
        ("quoted", "application/json", lambda text: json.loads(text)),
    ],
    ids=["json", "text", "quoted"],
)
def test_it_answers_a_job_id_in_each_shape(
    simulator: SimulatorClient, shape: str, content_type: str, read_job_id: Any
) -> None:
    simulator.configure(job_id_shape=shape)

    answer = simulator.post_csv(VALID_CSV)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    job_id = read_job_id(answer.text)
    assert job_id.isalnum()
    if shape == "quoted":
        assert answer.text == f'"{job_id}"'
    [received] = simulator.jobs()
    assert received["job_id"] == job_id
    assert received["filename"] == "upload-1.csv"
    assert received["body"] == VALID_CSV
    assert received["bytes"] == len(VALID_CSV)
    assert simulator.status(job_id).status_code == 200


@pytest.mark.parametrize("api_key", [None, WRONG_KEY], ids=["missing", "wrong"])
def test_it_refuses_a_missing_or_wrong_key(
    simulator: SimulatorClient, api_key: str | None
) -> None:
    answer = simulator.post_csv(VALID_CSV, api_key=api_key)

    assert answer.status_code == 401
    assert answer.json()["error"]
    [received] = simulator.jobs()
    assert received["job_id"] is None
    assert received["state"] == "not_queued"
    assert received["answered_status"] == 401


def test_it_refuses_a_malformed_authorization_header(
    simulator: SimulatorClient,
) -> None:
    answer = simulator.session.post(
        f"{simulator.base_url}/api/progressupdates/upload-1.csv",
        data=VALID_CSV,
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=5,
    )
    assert answer.status_code == 401
    job_id = simulator.submit(VALID_CSV)
    assert simulator.status(job_id, api_key=WRONG_KEY).status_code == 401


def test_status_is_202_while_processing_then_200(simulator: SimulatorClient) -> None:
    simulator.configure(processing_delay=0.4)
    job_id = simulator.submit(VALID_CSV)

    processing = simulator.status(job_id)
    assert processing.status_code == 202
    time.sleep(0.45)
    done = simulator.status(job_id)

    assert done.status_code == 200
    assert done.json() == {"jobId": job_id, "status": "Succeeded", "rows": 2}
    [received] = simulator.jobs()
    assert received["state"] == "succeeded"
    assert received["polls"] == 2


@pytest.mark.parametrize(
    ("bad_row", "expected_message"),
    [
        ("SALES-Q4-01,Acheived,0.5,2026-10-31", "Status 'Acheived'"),
        ("SALES-Q4-01,On Track,0.5,31/10/2026", "As Of Date '31/10/2026'"),
        ("SALES-Q4-01,On Track,0.5,2026-02-30", "As Of Date '2026-02-30'"),
        ("SALES-Q4-01,On Track,45%,2026-10-31", "Current Value '45%'"),
        ("My External Code,On Track,0.5,2026-10-31", "'external'"),
        ("", "empty row"),
        (",,,", "empty row"),
        ("SALES-Q4-01,On Track,0.5", "expected 4 columns"),
        ("FIN-UNKNOWN,On Track,0.5,2026-10-31", "'FIN-UNKNOWN' is not mapped"),
        ("SALES-Q4-01,On Track,,2026-10-31", "Current Value is required"),
    ],
    ids=[
        "misspelled-status",
        "day-first-date",
        "impossible-date",
        "percentage",
        "external-in-id",
        "blank-line",
        "commas-only",
        "three-columns",
        "unmapped-id",
        "metric-without-value",
    ],
)
def test_it_fails_a_file_that_breaks_the_rules(
    simulator: SimulatorClient, bad_row: str, expected_message: str
) -> None:
    body = HEADER + "IT-MIGRATION,On Track,,2026-10-31\n" + bad_row + "\n"
    body += "SALES-Q4-01,On Track,0.5,2026-10-31\n"
    job_id = simulator.submit(body)

    answer = simulator.status(job_id)

    assert answer.status_code == 400
    verdict = answer.json()
    assert verdict["jobId"] == job_id
    assert verdict["status"] == "Failed"
    [error] = verdict["errors"]
    assert error["row"] == 3
    assert expected_message in error["message"]
    assert simulator.jobs()[0]["errors"] == verdict["errors"]


def test_it_accepts_every_form_the_rules_allow(simulator: SimulatorClient) -> None:
    # No header, BOM, CRLF, odd case, US date, a time part, a negative decimal.
    body = (
        "\ufeffSALES-Q4-01,on TRACK,0.45,10/31/2026\r\n"
        "IT-MIGRATION,canceled,,2026-10-31T16:30:00Z\r\n"
        "SALES-Q4-01,Not Achieved,-.5,2026-10-31\r\n"
    ).encode()
    job_id = simulator.submit(body)

    answer = simulator.status(job_id)

    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 3


def test_a_header_must_start_with_external_id(simulator: SimulatorClient) -> None:
    job_id = simulator.submit(
        "external id,Status,Value,Date\nIT-MIGRATION,On Track,,2026-10-31\n"
    )

    answer = simulator.status(job_id)

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["row"] == 1


def test_it_fails_a_file_that_is_not_utf8(simulator: SimulatorClient) -> None:
    job_id = simulator.submit(HEADER + "IT-MIGRATION,On Track,,2026-10-31\n")
    assert simulator.status(job_id).status_code == 200

    latin1_id = simulator.submit(
        "IT-MIGRATIÖN,On Track,,2026-10-31\n".encode("latin-1")
    )
    answer = simulator.status(latin1_id)

    assert answer.status_code == 400
    assert "UTF-8" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "filename", ["report.txt", "..%2Fetc.csv", "a b.csv", ".csv", "dir/name.csv"]
)
def test_it_refuses_an_unsafe_filename(
    simulator: SimulatorClient, filename: str
) -> None:
    answer = simulator.post_csv(VALID_CSV, filename=filename)

    assert answer.status_code == 400
    assert simulator.jobs()[0]["state"] == "not_queued"


def test_it_refuses_an_empty_body_and_unknown_paths(simulator: SimulatorClient) -> None:
    assert simulator.post_csv(b"").status_code == 400
    unknown_path = simulator.session.get(f"{simulator.base_url}/api/other", timeout=5)
    assert unknown_path.status_code == 404
    assert simulator.status("no-such-job").status_code == 404


def test_fail_next_posts_answers_500_then_queues(simulator: SimulatorClient) -> None:
    simulator.configure(fail_next_posts=2)

    status_codes = [simulator.post_csv(VALID_CSV).status_code for _ in range(3)]

    assert status_codes == [500, 500, 200]
    received = simulator.jobs()
    assert [post["answered_status"] for post in received] == [500, 500, 200]
    assert [post["state"] for post in received] == [
        "not_queued",
        "not_queued",
        "succeeded",
    ]
    assert received[0]["job_id"] is None
    assert received[2]["job_id"]


def test_post_delay_answers_late_but_queues_the_file(
    simulator: SimulatorClient,
) -> None:
    simulator.configure(post_delay=0.3)

    with pytest.raises(requests.exceptions.ReadTimeout):
        simulator.post_csv(VALID_CSV, timeout=0.1)
    started = time.monotonic()
    patient = simulator.post_csv(VALID_CSV, filename="upload-2.csv")

    assert patient.status_code == 200
    assert time.monotonic() - started >= 0.3
    timed_out, answered = simulator.jobs()
    assert timed_out["filename"] == "upload-1.csv"
    assert timed_out["job_id"]
    assert simulator.status(timed_out["job_id"]).status_code == 200
    assert answered["job_id"] == patient.json()["jobId"]


def test_post_hang_never_answers_but_records_the_file_once(
    simulator: SimulatorClient,
) -> None:
    simulator.configure(post_hang=True)

    with pytest.raises(requests.exceptions.ReadTimeout):
        simulator.post_csv(VALID_CSV, timeout=0.3)

    # The simulator keeps serving other requests while that POST hangs.
    [received] = simulator.jobs()
    assert received["answered_status"] is None
    assert received["job_id"]
    assert simulator.status(received["job_id"]).status_code == 200


def test_status_500_makes_polls_fail(simulator: SimulatorClient) -> None:
    job_id = simulator.submit(VALID_CSV)
    simulator.configure(status_500=True)

    assert simulator.status(job_id).status_code == 500
    simulator.configure(status_500=False)
    assert simulator.status(job_id).status_code == 200
    assert simulator.jobs()[0]["polls"] == 2


def test_status_500_next_answers_500_that_many_times_then_as_usual(
    simulator: SimulatorClient,
) -> None:
    job_id = simulator.submit(VALID_CSV)
    assert simulator.configure(status_500_next=2).json()["status_500_next"] == 2

    codes = [simulator.status(job_id).status_code for _ in range(3)]

    assert codes == [500, 500, 200]
    assert simulator.jobs()[0]["polls"] == 3
    assert simulator.configure().json()["status_500_next"] == 0
    assert simulator.configure(status_500_next=-1).status_code == 400


def test_status_verdict_forces_the_outcome(simulator: SimulatorClient) -> None:
    simulator.configure(status_verdict="fail")
    forced_failure = simulator.submit(VALID_CSV)
    simulator.configure(status_verdict="succeed")
    forced_success = simulator.submit(HEADER + "SALES-Q4-01,Nonsense,x,never\n")

    assert simulator.status(forced_failure).json()["status"] == "Failed"
    assert simulator.status(forced_success).json()["status"] == "Succeeded"


def test_config_merges_and_rejects_bad_values(simulator: SimulatorClient) -> None:
    merged = simulator.configure(post_delay=0.5)
    assert merged.status_code == 200
    assert merged.json()["post_delay"] == 0.5
    assert merged.json()["job_id_shape"] == "json"

    for bad in ({"post_delay": -1}, {"no_such_knob": 1}, {"job_id_shape": "xml"}):
        answer = simulator.configure(**bad)
        assert answer.status_code == 400
        assert answer.json()["error"]
    current = simulator.session.get(
        f"{simulator.base_url}/_simulator/config", timeout=5
    )
    assert current.json()["post_delay"] == 0.5
    assert "api_key" not in current.json()


def test_reset_clears_jobs_and_restores_startup_config(
    simulator: SimulatorClient,
) -> None:
    simulator.configure(fail_next_posts=5, job_id_shape="text")
    assert simulator.post_csv(VALID_CSV).status_code == 500

    reset = simulator.session.post(f"{simulator.base_url}/_simulator/reset", timeout=5)

    assert reset.json()["fail_next_posts"] == 0
    assert simulator.jobs() == []
    answer = simulator.post_csv(VALID_CSV)
    assert answer.status_code == 200
    assert answer.json()["jobId"]


def test_the_key_never_appears_in_output_or_inspection(
    simulator: SimulatorClient, simulator_process: SimulatorProcess
) -> None:
    job_id = simulator.submit(VALID_CSV)
    simulator.status(job_id)
    simulator.post_csv(VALID_CSV, api_key=WRONG_KEY)
    # A careless client might even put the key into the URL.
    simulator.post_csv(VALID_CSV, filename=f"{API_KEY}.csv")

    inspection = simulator.session.get(
        f"{simulator.base_url}/_simulator/jobs", timeout=5
    )
    output = simulator_process.output()

    assert "POST /api/progressupdates/upload-1.csv 401" in output
    assert "[redacted].csv" in output
    for secret in (API_KEY, WRONG_KEY):
        assert secret not in output
        assert secret not in inspection.text


def test_sigint_stops_cleanly_even_with_a_hung_upload(tmp_path: Path) -> None:
    running = start_simulator(tmp_path, "--post-hang")
    client = SimulatorClient(running.base_url)
    outcome: list[object] = []

    def post_and_wait() -> None:
        try:
            outcome.append(client.post_csv(VALID_CSV, timeout=10).status_code)
        except requests.exceptions.ConnectionError as error:
            outcome.append(error)

    poster = threading.Thread(target=post_and_wait)
    poster.start()
    deadline = time.monotonic() + 5
    while not client.jobs() and time.monotonic() < deadline:
        time.sleep(0.02)

    started = time.monotonic()
    exit_status = running.stop(signal.SIGINT)
    poster.join(timeout=5)

    assert exit_status == 0
    assert time.monotonic() - started < 3
    assert "Traceback" not in running.output()
    assert "stopped" in running.output()
    assert isinstance(outcome[0], requests.exceptions.ConnectionError)


def test_serve_in_thread_without_mapping_accepts_any_id() -> None:
    server = serve_in_thread(SimulatorConfig(api_key=API_KEY, processing_delay=0))
    try:
        client = SimulatorClient(server.base_url)
        job_id = client.submit(HEADER + "ANY-ID-AT-ALL,At Risk,3,2026-10-31\n")
        assert client.status(job_id).status_code == 200
    finally:
        started = time.monotonic()
        server.stop()  # with the client's keep-alive connection still open
    assert time.monotonic() - started < 2
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{server.base_url}/_simulator/health", timeout=1)


# --- What the vendor's current pages add: comments, columns by name, JSON, metrics ---

VENDOR_EXAMPLE_CSV = (
    "External ID,Status,Metric Value,As Of Date,Comment\n"
    'SALES-Q4-01,On Track,0.54,2025-07-03,"comment text goes here"\n'
)
VENDOR_EXAMPLE_JSON = json.dumps(
    [
        {
            "externalId": "SALES-Q4-01",
            "status": "On Track",
            "metricValue": 0.54,
            "asOfDate": "2025-07-03",
            "comment": "comment text goes here",
        }
    ]
)


def test_the_vendors_example_with_a_comment_column_succeeds(
    simulator: SimulatorClient,
) -> None:
    answer = simulator.verdict(VENDOR_EXAMPLE_CSV)

    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 1
    [received] = simulator.jobs()
    assert received["kind"] == "progress"
    assert received["format"] == "csv"


def test_a_positional_fifth_column_is_a_comment(simulator: SimulatorClient) -> None:
    # Without a header: a comment (even with a comma, a line break or the word
    # "external"), an empty one, and a row that leaves the column out.
    body = (
        'SALES-Q4-01,On Track,0.5,2026-10-31,"External audit, then\nsign-off"\n'
        "IT-MIGRATION,At Risk,,2026-10-31,\n"
        "IT-MIGRATION,At Risk,,2026-10-31\n"
    )

    answer = simulator.verdict(body)

    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 3


@pytest.mark.parametrize(
    "header",
    [
        "Comment,As Of Date,Status,Metric Value,External ID",
        "comment , AS OF DATE,status,CurrentMetricValue,external  id",
        "Status,External ID,As Of Date,Current Value,Comment",
    ],
    ids=["reversed", "case-and-spacing", "old-value-name"],
)
def test_with_a_header_columns_are_read_by_name_in_any_order(
    simulator: SimulatorClient, header: str
) -> None:
    columns = [
        "".join(cell.split()).casefold().replace("current", "")
        for cell in header.split(",")
    ]
    values = {
        "externalid": "SALES-Q4-01",
        "status": "at risk",
        "metricvalue": "0.25",
        "value": "0.25",
        "asofdate": "2026-10-31",
        "comment": "slipped a week",
    }
    row = ",".join(values[column] for column in columns)

    answer = simulator.verdict(f"{header}\n{row}\n")

    assert answer.status_code == 200, answer.text


def test_a_header_names_the_columns_in_messages(simulator: SimulatorClient) -> None:
    body = "Status,Current Metric Value,External ID,As Of Date\nOn Track,45%,A-1,x\n"

    errors = simulator.verdict(body).json()["errors"]

    assert [error["row"] for error in errors] == [2, 2, 2]
    messages = " | ".join(error["message"] for error in errors)
    assert "'A-1' is not mapped" in messages
    assert "Current Metric Value '45%' is not a decimal number" in messages
    assert "As Of Date 'x'" in messages


@pytest.mark.parametrize(
    ("header", "expected_message"),
    [
        (
            "External ID,Status,Metric Value,As Of Date,Note",
            "unknown column 'Note' (columns read: External ID, Status,",
        ),
        (
            "External ID,Status,Metric Value,Current Value,As Of Date",
            "column 'Current Value' repeats column 'Metric Value'",
        ),
        ("External ID,Metric Value,As Of Date", "the header has no 'Status' column"),
        ("Status,Metric Value,As Of Date", "the header has no 'External ID' column"),
    ],
    ids=["unknown", "repeated", "no-status", "no-external-id"],
)
def test_a_header_it_cannot_read_fails_the_file_at_row_1(
    simulator: SimulatorClient, header: str, expected_message: str
) -> None:
    answer = simulator.verdict(f"{header}\nSALES-Q4-01,On Track,0.5,2026-10-31\n")

    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["row"] == 1
    assert expected_message in error["message"]


def test_rows_must_match_the_header_or_the_positional_widths(
    simulator: SimulatorClient,
) -> None:
    with_header = simulator.verdict(
        VENDOR_EXAMPLE_CSV + "IT-MIGRATION,On Track,,2026-10-31\n"
    )
    without_header = simulator.verdict(
        "IT-MIGRATION,On Track,,2026-10-31,comment,extra\n"
    )

    assert with_header.json()["errors"] == [
        {"row": 3, "message": "expected 5 columns, got 4"}
    ]
    [error] = without_header.json()["errors"]
    assert "expected 4 or 5 columns" in error["message"]
    assert "got 6" in error["message"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", VENDOR_EXAMPLE_JSON),
        ("application/json; charset=utf-8", VENDOR_EXAMPLE_JSON),
        (None, "\ufeff \n" + VENDOR_EXAMPLE_JSON),
        ("text/csv", VENDOR_EXAMPLE_JSON),
    ],
    ids=["content-type", "content-type-charset", "sniffed-after-bom", "mislabelled"],
)
def test_a_json_array_is_accepted_instead_of_a_csv(
    simulator: SimulatorClient, content_type: str | None, body: str
) -> None:
    answer = simulator.verdict(body, content_type=content_type)

    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 1
    assert simulator.jobs()[0]["format"] == "json"


def test_json_without_metric_value_or_comment_is_fine_for_an_item_without_metric(
    simulator: SimulatorClient,
) -> None:
    body = json.dumps(
        [
            {
                "externalId": "IT-MIGRATION",
                "status": "canceled",
                "asOfDate": "2026-10-31",
            },
            {
                "externalId": "IT-MIGRATION",
                "status": "At Risk",
                "metricValue": None,
                "asOfDate": "10/31/2026",
                "comment": None,
            },
        ]
    )

    answer = simulator.verdict(body)

    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 2


@pytest.mark.parametrize(
    ("record", "expected_message"),
    [
        (
            {
                "externalId": "SALES-Q4-01",
                "status": "On Track",
                "metricValue": "0.5",
                "asOfDate": "2026-10-31",
            },
            "metricValue must be a JSON number, not '0.5'",
        ),
        (
            {
                "externalId": "SALES-Q4-01",
                "status": "On Track",
                "metricValue": True,
                "asOfDate": "2026-10-31",
            },
            "metricValue must be a JSON number, not True",
        ),
        (
            {
                "externalID": "SALES-Q4-01",
                "status": "On Track",
                "metricValue": 0.5,
                "asOfDate": "2026-10-31",
            },
            "unknown field 'externalID' (fields: externalId, status, metricValue",
        ),
        (
            {"externalId": "SALES-Q4-01", "metricValue": 0.5, "asOfDate": "2026-10-31"},
            "status is missing",
        ),
        (
            {
                "externalId": "SALES-Q4-01",
                "status": "Acheived",
                "metricValue": 0.5,
                "asOfDate": "2026-10-31",
            },
            "status 'Acheived' is not one of",
        ),
        (
            {
                "externalId": "SALES-Q4-01",
                "status": "On Track",
                "metricValue": 0.5,
                "asOfDate": "31/10/2026",
            },
            "asOfDate '31/10/2026' is not an ISO-8601",
        ),
        (
            {
                "externalId": "My External Code",
                "status": "On Track",
                "asOfDate": "2026-10-31",
            },
            "externalId must not contain the word 'external'",
        ),
        (
            {
                "externalId": "SALES-Q4-01",
                "status": "On Track",
                "asOfDate": "2026-10-31",
            },
            "metricValue is required: plan item 'SALES-Q4-01' has a metric",
        ),
        (
            {
                "externalId": "SALES-Q4-01",
                "status": "On Track",
                "metricValue": 0.5,
                "asOfDate": "2026-10-31",
                "comment": 7,
            },
            "comment must be a string, not 7",
        ),
        ("SALES-Q4-01,On Track,0.5,2026-10-31", "a record must be a JSON object"),
    ],
    ids=[
        "value-as-text",
        "value-as-bool",
        "misspelled-field",
        "no-status",
        "misspelled-status",
        "day-first-date",
        "external-in-id",
        "metric-without-value",
        "comment-not-text",
        "not-an-object",
    ],
)
def test_a_json_record_that_breaks_the_rules_fails_the_file(
    simulator: SimulatorClient, record: object, expected_message: str
) -> None:
    good = {
        "externalId": "IT-MIGRATION",
        "status": "On Track",
        "asOfDate": "2026-10-31",
    }

    answer = simulator.verdict(json.dumps([good, record]))

    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert {error["row"] for error in errors} == {2}
    assert any(expected_message in error["message"] for error in errors), errors


@pytest.mark.parametrize(
    ("body", "expected_message"),
    [
        ("[{", "not readable JSON"),
        ('{"externalId": "SALES-Q4-01"}', "must be an array of update objects"),
        ("[]", "the file holds no progress updates"),
        ('[{"metricValue": NaN}]', "not readable JSON"),
    ],
    ids=["truncated", "object", "empty", "nan"],
)
def test_a_json_body_that_is_not_an_array_of_records_fails(
    simulator: SimulatorClient, body: str, expected_message: str
) -> None:
    answer = simulator.verdict(body, content_type="application/json")

    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["row"] is None
    assert expected_message in error["message"]


METRIC_CSV = (
    "External ID,Current Metric Value,As Of Date,Comment\n"
    "SALES-Q4-01,0.61,2026-10-31,\n"
    'IT-MIGRATION,12,2026-10-31,"weekly finance export"\n'
)


def test_a_metric_update_is_queued_and_polled_at_its_own_paths(
    simulator: SimulatorClient,
) -> None:
    answer = simulator.post_csv(METRIC_CSV, "metrics-1.csv", endpoint="metricupdates")

    assert answer.status_code == 200
    job_id = answer.json()["jobId"]
    status = simulator.status(job_id, endpoint="metricupdates")
    assert status.status_code == 200
    assert status.json() == {"jobId": job_id, "status": "Succeeded", "rows": 2}
    # A metric job is not known at the progress status path, nor the other way.
    assert simulator.status(job_id).status_code == 404
    progress_job = simulator.submit(VALID_CSV)
    assert simulator.status(progress_job, endpoint="metricupdates").status_code == 404
    received = simulator.jobs()
    assert [post["kind"] for post in received] == ["metric", "progress"]
    assert received[0]["filename"] == "metrics-1.csv"
    assert received[0]["polls"] == 1


def test_a_metric_update_needs_the_key(simulator: SimulatorClient) -> None:
    answer = simulator.post_csv(METRIC_CSV, api_key=WRONG_KEY, endpoint="metricupdates")

    assert answer.status_code == 401
    job_id = simulator.submit(METRIC_CSV, endpoint="metricupdates")
    wrong = simulator.status(job_id, api_key=WRONG_KEY, endpoint="metricupdates")
    assert wrong.status_code == 401


def test_a_metric_update_follows_the_metric_rules(simulator: SimulatorClient) -> None:
    positional = simulator.verdict(
        "SALES-Q4-01,0.5,2026-10-31\nIT-MIGRATION,3,2026-10-31,a comment\n",
        endpoint="metricupdates",
    )
    as_json = simulator.verdict(
        json.dumps(
            [{"externalId": "SALES-Q4-01", "metricValue": 1, "asOfDate": "2026-10-31"}]
        ),
        endpoint="metricupdates",
    )
    without_value = simulator.verdict(
        "External ID,Current Metric Value,As Of Date\nIT-MIGRATION,,2026-10-31\n",
        endpoint="metricupdates",
    )
    with_status = simulator.verdict(
        HEADER + "SALES-Q4-01,On Track,0.5,2026-10-31\n", endpoint="metricupdates"
    )
    json_status = simulator.verdict(VENDOR_EXAMPLE_JSON, endpoint="metricupdates")

    assert positional.status_code == 200, positional.text
    assert as_json.status_code == 200, as_json.text
    assert without_value.json()["errors"] == [
        {"row": 2, "message": "Current Metric Value is required in a metric update"}
    ]
    assert with_status.json()["errors"][0]["row"] == 1
    assert (
        "a metric update has no Status column"
        in (with_status.json()["errors"][0]["message"])
    )
    assert "a metric update has no status" in json_status.json()["errors"][0]["message"]


def test_metric_posts_share_the_upload_fault_knobs(simulator: SimulatorClient) -> None:
    simulator.configure(fail_next_posts=1)

    codes = [
        simulator.post_csv(METRIC_CSV, endpoint="metricupdates").status_code
        for _ in range(2)
    ]

    assert codes == [500, 200]
    assert (
        simulator.post_csv(METRIC_CSV, "x.txt", endpoint="metricupdates").status_code
        == 400
    )
