"""The worst-case file of the hardening issue goes through the page to a real worker
(Redis, PostgreSQL): the request returns at once, the worker checks it, and the
draft lists the first errors of each kind and counts the rest."""

from __future__ import annotations

import time

import pytest

from tests.helpers import post_file, wait_until
from uploads.models import Upload

pytestmark = pytest.mark.slow
State = Upload.State
ROWS = 20_000


def worst_case(rows: int) -> bytes:
    lines = ["External ID,Status,Current Value,As Of Date"]
    lines += [f"Q{i},Acheivd{i},x{i},{i % 28 + 1} Octobre 2026" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_big_bad_file_is_checked_by_the_worker(
    workers, client, alice, plan_items, settings
):
    settings.CHECK_IN_WORKER_BYTES = 100_000
    data = worst_case(ROWS)
    assert len(data) > settings.CHECK_IN_WORKER_BYTES
    workers.start(beat=False, CHECK_IN_WORKER_BYTES="100000")
    client.force_login(alice)

    started = time.perf_counter()
    page = post_file(client, data).content.decode()
    answered = time.perf_counter() - started

    upload = Upload.objects.get()
    assert "being checked" in page
    # Only storing the file happened in the request (the check takes longer).
    assert answered < 5, answered

    def checked() -> Upload | None:
        upload.refresh_from_db()
        return upload if upload.state != State.CHECKING else None

    wait_until(checked, timeout=60)
    assert upload.state == State.DRAFT
    assert not upload.is_sendable
    created = upload.events.get(action="upload.created")
    assert created.details["errors"] == 4 * ROWS
    summaries = [f for f in upload.findings if f["line"] is None]
    assert any(f"{ROWS - 1_000:,} more rows" in f["message"] for f in summaries)
    preview = client.get(upload.get_absolute_url()).content.decode()
    assert "problems to fix before this can be sent" in preview
