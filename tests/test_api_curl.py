"""The article's curl commands, run with the `curl` binary against a live portal
(only the base URL and the key changed), through a real worker to the simulator:
one POST with the normalized file for a clean file, nothing for a bad one, one for
a key sent twice (or at once); a token that is wrong, revoked or another team's
gets nowhere; the token is never stored, logged or shown in clear; the limits
answer in JSON, and so does anything random."""

from __future__ import annotations

import hashlib
import http.client
import json
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.helpers import MESSY_CSV, require_service, wait_until
from tests.pipeline import CLEAN_CSV, Pipeline
from uploads.models import Upload
from uploads.services.tokens import token_create, token_revoke

pytestmark = pytest.mark.slow

# The article's two calls, as its examples write them.
ARTICLE_POST = (
    'curl -L -X POST -H "Authorization: API-KEY {key}" '
    "--data-binary @{file} {base}/api/progressupdates/{name}.csv"
)
ARTICLE_STATUS = (
    'curl -LI -XGET -H "Authorization: {key}" {base}/api/progressupdates/status/{job}'
)


@pytest.fixture
def curl() -> str:
    path = shutil.which("curl")
    require_service("curl", path is not None, "apt-get install curl")
    return path


@pytest.fixture
def pipeline(workers, simulator, plan_items):
    return Pipeline(workers, simulator)


@pytest.fixture
def key(team, alice):
    return token_create(team=team, name="weekly export", actor=alice)[1]


def run(command: str) -> str:
    # The article's commands are shell lines: run them as a shell would.
    done = subprocess.run(  # noqa: S602
        command, shell=True, capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


def status_line(headers: str) -> int:
    # -L may show several answers; the last one is the verdict.
    lines = [line for line in headers.splitlines() if line.startswith("HTTP/")]
    return int(lines[-1].split()[1])


def post_with_curl(live_server, key, data: bytes, tmp_path: Path, name="weekly"):
    file = tmp_path / f"{name}.csv"
    file.write_bytes(data)
    out = run(ARTICLE_POST.format(key=key, file=file, base=live_server.url, name=name))
    return json.loads(out)


def test_the_articles_commands_send_once_and_see_it_through(
    curl, pipeline, live_server, key, tmp_path
):
    pipeline.simulator.configure(processing_delay=2)
    pipeline.start_worker()

    answer = post_with_curl(live_server, key, CLEAN_CSV, tmp_path)

    upload = Upload.objects.get(public_id=answer["jobId"])
    assert answer["portalUrl"].endswith(f"/uploads/{upload.public_id}/")
    status_call = ARTICLE_STATUS.format(
        key=key, base=live_server.url, job=answer["jobId"]
    )
    seen = []

    def verdict() -> int | None:
        seen.append(status_line(run(status_call)))
        return seen[-1] if seen[-1] != 202 else None

    assert wait_until(verdict, timeout=40, interval=0.5) == 200
    assert 202 in seen
    upload.refresh_from_db()
    assert upload.state == Upload.State.SUCCEEDED
    posts = pipeline.posts()
    assert len(posts) == 1
    assert posts[0]["body"] == upload.normalized_csv
    assert posts[0]["body"].startswith("External ID,Status,Current Value,As Of Date\n")


def test_a_file_with_errors_gets_its_findings_and_sends_nothing(
    curl, pipeline, live_server, key, tmp_path
):
    worker = pipeline.start_worker()
    file = tmp_path / "messy.csv"
    file.write_bytes(MESSY_CSV)

    out = run(
        ARTICLE_POST.format(key=key, file=file, base=live_server.url, name="messy")
        + " -sS -w '\\n%{http_code}'"
    )

    body, code = out.rsplit("\n", 1)
    assert code == "400"
    findings = json.loads(body)["findings"]
    assert {(f["row"], f["column"]) for f in findings if f["severity"] == "error"} == {
        (5, "Status"),
        (6, "As Of Date"),
    }
    pipeline.wait_for_sweeps(worker, count=2)
    assert pipeline.posts() == []
    assert Upload.objects.get().state == Upload.State.REJECTED


def test_a_key_sent_again_or_at_once_sends_one_file(
    curl, pipeline, live_server, key, tmp_path
):
    pipeline.simulator.configure(processing_delay=0)
    pipeline.start_worker()
    url = f"{live_server.url}/api/progressupdates/weekly.csv"
    headers = {"Authorization": f"API-KEY {key}", "Idempotency-Key": "run-2026-11-27"}
    answers: list[requests.Response] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        answers.append(requests.post(url, data=CLEAN_CSV, headers=headers, timeout=30))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    file = tmp_path / "weekly.csv"
    file.write_bytes(CLEAN_CSV)
    again = json.loads(
        run(
            ARTICLE_POST.format(key=key, file=file, base=live_server.url, name="weekly")
            + " -H 'Idempotency-Key: run-2026-11-27'"
        )
    )

    assert [answer.status_code for answer in answers] == [200] * 4
    assert {answer.json()["jobId"] for answer in answers} == {again["jobId"]}
    upload = pipeline.wait_for_state(Upload.objects.get())
    assert upload.state == Upload.State.SUCCEEDED
    assert len(pipeline.posts()) == 1


def test_other_teams_revoked_and_wrong_tokens_get_nowhere(
    live_server, key, team, other_team, charlie, alice, plan_items
):
    finance_token, finance_key = token_create(
        team=other_team, name="finance", actor=charlie
    )
    base = f"{live_server.url}/api/progressupdates"
    sent = requests.post(
        f"{base}/w.csv", data=CLEAN_CSV, headers={"Authorization": key}, timeout=10
    ).json()

    theirs = requests.get(
        f"{base}/status/{sent['jobId']}",
        headers={"Authorization": finance_key},
        timeout=10,
    )
    assert theirs.status_code == 404
    assert theirs.headers["Content-Type"] == "application/json"
    assert "jobId" not in theirs.json()

    token_revoke(token=finance_token, actor=charlie)
    for header in (finance_key, f"API-KEY {finance_key}", "API-KEY nonsense", ""):
        refused = requests.post(
            f"{base}/w.csv",
            data=CLEAN_CSV,
            headers={"Authorization": header},
            timeout=10,
        )
        assert refused.status_code == 401
        assert refused.json()["error"]
    assert Upload.objects.filter(team=other_team).count() == 0


def test_the_token_is_never_kept_logged_or_shown_in_clear(
    live_server, key, team, alice, plan_items, client, caplog, postgres
):
    caplog.set_level("DEBUG")
    base = f"{live_server.url}/api/progressupdates"
    for header in (f"API-KEY {key}", key):
        for data in (CLEAN_CSV, MESSY_CSV):
            auth = {"Authorization": header}
            requests.post(f"{base}/w.csv", data=data, headers=auth, timeout=10)
    requests.get(f"{base}/status/nope", headers={"Authorization": key}, timeout=10)
    upload = Upload.objects.filter(state=Upload.State.QUEUED).first()

    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT t::text FROM {quoted} t")  # noqa: S608
            rows += [(table, row) for (row,) in cursor.fetchall()]
    assert not [table for table, row in rows if key in row]
    # The dump holds the token's hash (so it did read every table), not the token.
    assert any(hashlib.sha256(key.encode()).hexdigest() in row for _, row in rows)
    # The live server's log lines were captured, none with the token.
    assert "/api/progressupdates/w.csv" in caplog.text
    assert key not in caplog.text
    client.force_login(alice)
    for page in (
        "/",
        "/history/",
        f"/uploads/{upload.public_id}/",
        "/teams/sales/tokens/",
    ):
        assert key not in client.get(page).content.decode(), page


def test_too_many_calls_get_a_429_with_retry_after(live_server, key, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    url = f"{live_server.url}/api/progressupdates/status/{'0' * 32}"

    codes = [
        requests.get(url, headers={"Authorization": key}, timeout=10) for _ in range(3)
    ]

    assert [answer.status_code for answer in codes] == [404, 404, 429]
    assert 1 <= int(codes[-1].headers["Retry-After"]) <= 60
    assert codes[-1].json()["error"].startswith("Too many calls")


def test_a_body_over_the_limit_is_refused_before_it_is_read(live_server, key, settings):
    address = urlsplit(live_server.url)
    declared = settings.UPLOAD_MAX_BYTES + 1
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(
            (
                "POST /api/progressupdates/huge.csv HTTP/1.1\r\n"
                f"Host: {address.netloc}\r\n"
                f"Authorization: API-KEY {key}\r\n"
                "Content-Type: text/csv\r\n"
                f"Content-Length: {declared}\r\n\r\n"
            ).encode()
            + b"External ID,Status,Current Value,As Of Date\n"
        )
        # The answer comes with all but a few bytes of the body still unsent.
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = json.loads(response.read(response.length or 2000))

    assert response.status == 413
    assert "larger than" in body["error"]
    assert not Upload.objects.exists()


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.text(max_size=60), data=st.binary(max_size=400))
def test_random_names_and_bytes_get_a_json_answer_never_a_500(
    live_server, key, plan_items, name, data
):
    url = f"{live_server.url}/api/progressupdates/{quote(name, safe='')}.csv"

    answer = requests.post(
        url, data=data, headers={"Authorization": f"API-KEY {key}"}, timeout=10
    )

    assert answer.status_code < 500, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    assert isinstance(answer.json(), dict)


# --- JSON bodies and metric files (issue 16) ---------------------------------------

VENDOR_JSON = (
    b'[{"externalId": "SALES-Q4-01", "status": "On Track", "metricValue": 0.54,'
    b' "asOfDate": "2026-10-31", "comment": "comment text goes here"}]'
)
METRIC_CSV = (
    b"External ID,Current Metric Value,As Of Date,Comment\n"
    b"SALES-Q4-01,0.61,2026-10-31,weekly finance export\n"
)


def test_a_json_body_and_a_metric_file_go_through_with_curl(
    curl, pipeline, live_server, key, tmp_path
):
    pipeline.simulator.configure(processing_delay=1)
    pipeline.start_worker()
    updates, values = tmp_path / "updates.json", tmp_path / "values.csv"
    updates.write_bytes(VENDOR_JSON)
    values.write_bytes(METRIC_CSV)
    auth = f'-H "Authorization: API-KEY {key}"'

    progress = json.loads(
        run(
            f"curl -sS -L -X POST {auth} -H 'Content-Type: application/json' "
            f"--data-binary @{updates} {live_server.url}/api/progressupdates/weekly.csv"
        )
    )
    metric = json.loads(
        run(
            f"curl -sS -L -X POST {auth} --data-binary @{values} "
            f"{live_server.url}/api/metricupdates/values.csv"
        )
    )
    metric_status = (
        f"curl -LI -XGET -H 'Authorization: {key}' "
        f"{live_server.url}/api/metricupdates/status/{metric['jobId']}"
    )

    assert wait_until(
        lambda: status_line(run(metric_status)) == 200, timeout=40, interval=0.5
    )
    for answer in (progress, metric):
        upload = pipeline.wait_for_state(Upload.objects.get(public_id=answer["jobId"]))
        assert upload.state == Upload.State.SUCCEEDED
    by_kind = {post["kind"]: post for post in pipeline.posts()}
    assert by_kind["progress"]["body"] == (
        "External ID,Status,Current Value,As Of Date,Comment\n"
        "SALES-Q4-01,On Track,0.54,2026-10-31,comment text goes here\n"
    )
    assert by_kind["metric"]["body"] == METRIC_CSV.decode()
    assert Upload.objects.get(public_id=metric["jobId"]).kind == Upload.Kind.METRIC


def test_the_docs_workbook_command_names_its_sheet(
    curl, live_server, key, plan_items, alice, tmp_path
):
    import html
    import re

    from django.test import Client
    from openpyxl import Workbook

    client = Client()
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    command = html.unescape(
        page.split('data-testid="curl-submit-workbook"><code>')[1].split("</code>")[0]
    )
    book = Workbook()
    book.active.title = "Q3 KPIs"
    book.create_sheet("Q4 KPIs")
    for sheet, status in (("Q3 KPIs", "At Risk"), ("Q4 KPIs", "On Track")):
        book[sheet].append(["External ID", "Status", "Current Value", "As Of Date"])
        book[sheet].append(["SALES-Q4-01", status, 0.5, "2026-10-31"])
    book.save(tmp_path / "q4.xlsx")
    command = re.sub(r"https?://[^/\"]+", live_server.url, command)
    command = command.replace("<token>", key)
    command = command.replace("@q4.xlsx", f"@{tmp_path}/q4.xlsx")

    answer = json.loads(run(command))

    upload = Upload.objects.get(public_id=answer["jobId"])
    assert upload.sheet == "Q4 KPIs"
    assert "SALES-Q4-01,On Track,0.5,2026-10-31" in upload.normalized_csv
    # Without the sheet, the same file is a 400 that lists both sheets.
    refused = json.loads(run(command.replace("?sheet=Q4%20KPIs", "")))
    assert refused["sheets"] == ["Q3 KPIs", "Q4 KPIs"]
