"""Helpers for the pipeline tests: a real worker, the simulator, and uploads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import API_KEY, Simulator, WorkerFactory, wait_until
from uploads.models import Upload
from uploads.services.drafts import upload_confirm, upload_create

CLEAN_CSV = (
    b"External ID,Status,Current Value,As Of Date\n"
    b"SALES-Q4-01,On Track,0.45,2026-10-31\n"
    b"SALES-Q4-02,At Risk,125000,2026-10-31\n"
    b"HR-RETENTION,Achieved,0.93,10/31/2026\n"
    b"IT-MIGRATION,Not Started,,2026-10-31\n"
)

# Seconds instead of minutes, so each scenario plays out within a test.
FAST = {
    "SUBMIT_RETRY_BASE": "1",
    "SUBMIT_RETRY_MAX": "2",
    "POLL_FIRST_DELAY": "1",
    "POLL_MAX_DELAY": "1",
    "SWEEP_INTERVAL": "1",
    "REQUEUE_AFTER": "2",
    # A task a killed worker held is taken as lost this long after its publish.
    "REPUBLISH_AFTER": "3",
    "ACHIEVEIT_CONNECT_TIMEOUT": "1",
    "ACHIEVEIT_READ_TIMEOUT": "2",
}
SWEEP_DONE = re.compile(r"Task uploads\.tasks\.sweep\[[^\]]+\] succeeded")
FINAL = Upload.TERMINAL_STATES | Upload.REVIEWABLE_STATES


class Pipeline:
    def __init__(self, workers: WorkerFactory, simulator: Simulator) -> None:
        self.workers = workers
        self.simulator = simulator

    def start_worker(self, *, beat: bool = True, **env: str) -> Any:
        settings = {
            **FAST,
            "ACHIEVEIT_BASE_URL": self.simulator.url,
            "ACHIEVEIT_API_KEY": API_KEY,
            **env,
        }
        return self.workers.start(beat=beat, **settings)

    @staticmethod
    def confirm(team: Any, user: Any, data: bytes = CLEAN_CSV) -> Upload:
        upload = upload_create(team=team, user=user, data=data)
        assert upload.is_sendable, upload.findings
        return upload_confirm(upload=upload, user=user)

    @staticmethod
    def wait_for_state(
        upload: Upload, states: frozenset[str] | set[str] = FINAL, timeout: float = 40
    ) -> Upload:
        def reached() -> Upload | None:
            upload.refresh_from_db()
            return upload if upload.state in states else None

        try:
            return wait_until(reached, timeout=timeout)
        except pytest.fail.Exception:
            pytest.fail(f"upload stayed {upload.state}: {upload.error_text}")

    @staticmethod
    def wait_for_sweeps(worker: Any, count: int = 3) -> None:
        """Let beat's sweep run `count` more times, so a test can show that
        nothing happens afterwards (no resend, no retry)."""

        def sweeps() -> int:
            return len(SWEEP_DONE.findall(worker.log()))

        target = sweeps() + count
        wait_until(lambda: sweeps() >= target, timeout=count * 5 + 10)

    def posts(self) -> list[dict[str, Any]]:
        return [job for job in self.simulator.jobs() if job["filename"]]
