"""No log, page, email, table or file holds a secret: a representative run (a token
made on its page and one by the command, both used on the script API; an upload
from the page; delivery to AchieveIt, one applied and one refused with its email;
a password reset; error pages, a view that fails, and staff's admin pages) with
logging at DEBUG (as LOG_LEVEL=DEBUG sets it, and every SQL statement) written to a
file, then everything the run wrote is searched for the AchieveIt key and for each
API token in clear (only a token's hash and its first characters may be kept).

The search is shown able to fail: each needle planted in each source is found.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import responses
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.helpers import API_KEY, post_file, wait_until
from tests.pipeline import CLEAN_CSV, Pipeline
from uploads.models import ApiToken, Upload
from uploads.services.delivery import upload_poll, upload_submit
from uploads.services.tokens import token_create

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "http://achieveit.test"
POST_URL = re.compile(rf"{BASE}/api/progressupdates/[^/]+\.csv")
STATUS_URL = re.compile(rf"{BASE}/api/progressupdates/status/.+")


@pytest.fixture
def run_log(tmp_path: Path) -> Iterator[Path]:
    """Every record the portal's logging lets through with LOG_LEVEL=DEBUG (the
    most an operator can ask for), SQL included, into one file."""
    path = tmp_path / "run.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    # Loggers that do not pass records on to the root get the handler too.
    loggers = [root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    root_level = root.level
    root.setLevel(logging.DEBUG)
    # And every SQL statement (beyond what any setting logs), so a token in clear
    # in a query would show.
    sql = logging.getLogger("django.db.backends")
    sql_level = sql.level
    sql.setLevel(logging.DEBUG)
    for logger in loggers:
        logger.addHandler(handler)
    connection.force_debug_cursor = True
    yield path
    connection.force_debug_cursor = False
    root.setLevel(root_level)
    sql.setLevel(sql_level)
    for logger in loggers:
        logger.removeHandler(handler)
    handler.close()


class Recorder:
    """A client that keeps every answer's body."""

    def __init__(self) -> None:
        self.client = Client()
        self.bodies: dict[str, str] = {}

    def __call__(self, method: str, url: str, **kwargs: Any) -> Any:
        if "body" in kwargs:  # sent as it is, as a script does
            kwargs["data"] = kwargs.pop("body")
            response = self.client.generic(method.upper(), url, **kwargs)
        else:
            response = getattr(self.client, method)(url, **kwargs)
        self.keep(f"{method.upper()} {url}", response)
        return response

    def keep(self, label: str, response: Any) -> None:
        if response.streaming:
            data = b"".join(response.streaming_content)
        else:
            data = response.content
        key = f"{label} #{len(self.bodies)}"
        self.bodies[key] = data.decode("utf-8", errors="replace")


def database_text() -> dict[str, str]:
    """Every row of every table, as text (sessions decoded)."""
    rows = {}
    for model in apps.get_models():
        names = [field.attname for field in model._meta.concrete_fields]
        for values in model._default_manager.values_list(*names):
            rows[f"{model._meta.label} {values[0]}"] = " ".join(map(str, values))
    for session in Session.objects.all():
        rows[f"session {session.pk} decoded"] = str(session.get_decoded())
    return rows


def email_text() -> dict[str, str]:
    texts = {}
    for number, message in enumerate(mail.outbox):
        parts = [message.subject, message.body, " ".join(message.to)]
        parts += [str(content) for content, _ in getattr(message, "alternatives", [])]
        parts.append(message.message().as_string())
        texts[f"email {number}: {message.subject}"] = "\n".join(parts)
    return texts


def files_text(root: Path) -> dict[str, str]:
    return {
        str(path): path.read_bytes().decode("utf-8", errors="replace")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def leaks(needles: dict[str, str], haystack: dict[str, dict[str, str]]) -> list[str]:
    return [
        f"{needle_name} in {source}: {place}"
        for needle_name, needle in needles.items()
        for source, texts in haystack.items()
        for place, text in texts.items()
        if needle in text
    ]


@responses.activate
def test_no_secret_is_written_anywhere(
    settings: Any, run_log: Path, team: Any, plan_items: Any, alice: Any, operator: Any
) -> None:
    settings.ACHIEVEIT_BASE_URL = BASE
    settings.POINT_OF_CONTACT_EMAIL = "contact@example.com"
    key = django_settings.ACHIEVEIT_API_KEY
    assert key
    operator.is_superuser = True
    operator.save()
    fetch = Recorder()
    shown_once: dict[str, str] = {}

    # Signed in with a password, alice makes a token on the team's page: it is
    # shown there once (that page is the one place it may be).
    fetch(
        "post",
        "/accounts/login/",
        data={"username": "alice", "password": "alice-pass-1"},
    )
    made = fetch.client.post("/teams/sales/tokens/", {"name": "weekly script"})
    token = ApiToken.objects.get(name="weekly script")
    (page_token,) = set(
        re.findall(rf"{re.escape(token.prefix)}[\w-]{{30,}}", made.content.decode())
    )
    shown_once["the page that made it"] = made.content.decode()
    command_output = io.StringIO()
    call_command(
        "create_api_token", "sales", "--name", "nightly job", stdout=command_output
    )
    command_token = command_output.getvalue().strip()
    tokens = {
        "token made on the page": page_token,
        "token made by the command": command_token,
    }

    # The script API with each token, a wrong one, and a call that fails inside.
    with (
        mock.patch("uploads.services.delivery.publish_submit"),
        mock.patch("uploads.services.delivery.publish_poll"),
    ):
        answers = [
            fetch(
                "post",
                f"/api/progressupdates/{name}.csv",
                body=CLEAN_CSV,
                headers={
                    "Authorization": f"API-KEY {plaintext}",
                    "Idempotency-Key": name,
                },
            )
            for name, plaintext in (("weekly", page_token), ("nightly", command_token))
        ]
        assert [answer.status_code for answer in answers] == [200, 200]
        job = answers[0].json()["jobId"]
        status = fetch(
            "get",
            f"/api/progressupdates/status/{job}",
            headers={"Authorization": page_token},
        )
        assert status.status_code == 202
        wrong = fetch(
            "get",
            f"/api/progressupdates/status/{job}",
            headers={"Authorization": page_token + "x"},
        )
        assert wrong.status_code == 401
        with mock.patch(
            "uploads.views.api.api_submit", side_effect=RuntimeError("boom")
        ):
            failed_call = fetch(
                "post",
                "/api/progressupdates/broken.csv",
                body=CLEAN_CSV,
                headers={"Authorization": f"API-KEY {page_token}"},
            )
        assert failed_call.status_code == 500

        # An upload from the page, confirmed, then everything is delivered:
        # AchieveIt applies the API's two and refuses the page's (key refused).
        preview = post_file(fetch.client, CLEAN_CSV)
        fetch.keep("upload preview", preview)
        from_page = Upload.objects.get(source=Upload.Source.CSV)
        fetch("post", from_page.get_absolute_url() + "confirm/")
        responses.post(POST_URL, json={"jobId": "job-1"})
        responses.get(STATUS_URL, status=200, body="done")
        for upload in Upload.objects.filter(source=Upload.Source.API):
            upload_submit(upload_id=upload.pk)
            Upload.objects.filter(pk=upload.pk).update(next_poll_at=timezone.now())
            upload_poll(upload_id=upload.pk)
        responses.upsert(responses.POST, POST_URL, status=401, body="unauthorized")
        upload_submit(upload_id=from_page.pk)
    states = sorted(Upload.objects.values_list("state", flat=True))
    assert states == ["failed", "succeeded", "succeeded"]
    sent_with = {call.request.headers.get("Authorization") for call in responses.calls}
    assert f"API-KEY {key}" in sent_with  # the run had the key in hand

    # Pages and downloads of the run, as alice and as staff.
    for url in (
        "/",
        "/history/",
        "/history/export.csv",
        "/items/",
        "/teams/sales/tokens/",
        "/api/docs/",
        from_page.get_absolute_url(),
        from_page.get_absolute_url() + "original/",
        from_page.get_absolute_url() + "as-sent.csv",
        from_page.get_absolute_url() + "problems.csv",
        "/no-such-page/",
        "/history/?team=no-such-team",
    ):
        fetch("get", url)
    fetch.client.force_login(operator)
    for url in (
        "/review/",
        f"/review/{from_page.get_absolute_url().split('/')[2]}/",
        "/admin/uploads/upload/",
        f"/admin/uploads/upload/{from_page.pk}/change/",
        "/admin/uploads/attempt/",
        "/admin/uploads/auditevent/",
    ):
        fetch("get", url)
    # A page that fails: the visitor gets the error page, the log the traceback.
    fetch.client.raise_request_exception = False
    with mock.patch(
        "uploads.views.dashboard.dashboard_teams", side_effect=RuntimeError("boom")
    ):
        assert fetch("get", "/").status_code == 500
    fetch.client.logout()
    reset = fetch(
        "post", "/accounts/password_reset/", data={"email": "alice@example.com"}
    )
    assert reset.status_code == 302

    subjects = " ".join(message.subject for message in mail.outbox)
    assert "reset" in subjects.lower()
    assert len(mail.outbox) >= 2, subjects  # the refusal's email and the reset
    haystack = {
        "log file": {"run.log": run_log.read_text(encoding="utf-8")},
        "pages and downloads": fetch.bodies,
        "emails": email_text(),
        "database": database_text(),
        "private storage": files_text(Path(django_settings.PRIVATE_STORAGE_DIR)),
    }
    needles = {"ACHIEVEIT_API_KEY": key, **tokens}

    # The haystack is the run's: logs with SQL, pages, emails, rows, files.
    assert "SELECT" in haystack["log file"]["run.log"]
    assert "Internal Server Error" in haystack["log file"]["run.log"]
    assert len(haystack["pages and downloads"]) >= 25
    assert any("ApiToken" in place for place in haystack["database"])
    assert haystack["private storage"]
    # Each needle would be found in each source.
    for source in haystack:
        for needle_name, needle in needles.items():
            planted = {**haystack, source: {"planted": f"...{needle}..."}}
            assert leaks({needle_name: needle}, planted), (source, needle_name)
    # The token page showed the token it made (and only there may it be).
    assert page_token in shown_once["the page that made it"]

    assert leaks(needles, haystack) == []


@pytest.mark.slow
def test_a_worker_delivering_to_the_simulator_writes_no_secret(
    workers: Any,
    simulator: Any,
    processes: Any,
    plan_items: Any,
    team: Any,
    alice: Any,
    tmp_path: Path,
) -> None:
    """The real path: a script's upload and a person's go through a Celery worker
    (logging at DEBUG) to the simulator; one is applied, one refused (its email
    written by the worker). The worker's log, its emails, the tables and the
    private files hold neither the key nor the token."""
    pipeline = Pipeline(workers, simulator)
    simulator.configure(processing_delay=0)
    worker = pipeline.start_worker(LOG_LEVEL="DEBUG")
    _, plaintext = token_create(team=team, name="nightly", actor=alice)
    answer = Client().generic(
        "POST",
        "/api/progressupdates/nightly.csv",
        CLEAN_CSV,
        headers={"Authorization": f"API-KEY {plaintext}"},
    )
    assert answer.status_code == 200, answer.content
    from_script = Upload.objects.get(public_id=answer.json()["jobId"])
    assert pipeline.wait_for_state(from_script).state == Upload.State.SUCCEEDED
    simulator.configure(processing_delay=0, status_verdict="fail")
    refused = pipeline.wait_for_state(pipeline.confirm(team, alice))
    assert refused.state == Upload.State.FAILED
    wait_until(lambda: list((tmp_path / "mail").glob("*")), timeout=20)

    haystack = {
        "worker log": {"worker": worker.log()},
        "emails": files_text(tmp_path / "mail"),
        "database": database_text(),
        "private storage": files_text(tmp_path / "private"),
    }
    needles = {"ACHIEVEIT_API_KEY": API_KEY, "API token": plaintext}
    assert "succeeded" in haystack["worker log"]["worker"]
    assert any("upload" in text.lower() for text in haystack["emails"].values())
    for source in haystack:
        planted = {**haystack, source: {"planted": f"...{plaintext}..."}}
        assert leaks({"API token": plaintext}, planted), source
    # The simulator took the file: it accepts only the key, so the worker had it.
    assert any(job["filename"] for job in simulator.jobs())

    assert leaks(needles, haystack) == []
