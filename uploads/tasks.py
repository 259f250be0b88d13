"""Thin Celery tasks: load by id, call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import connection

from uploads.services import plans, readback, reminders
from uploads.services.api import api_after_check, api_finish_checked
from uploads.services.delivery import upload_poll, upload_submit, upload_sweep
from uploads.services.drafts import drafts_expire, upload_check_by_id

logger = logging.getLogger(__name__)


@shared_task(name="uploads.tasks.submit_upload")
def submit_upload(upload_id: int) -> None:
    upload_submit(upload_id=upload_id)


@shared_task(name="uploads.tasks.check_upload")
def check_upload(upload_id: int) -> None:
    upload_check_by_id(upload_id=upload_id)
    # A big file from a script: queued (or closed) once checked.
    api_after_check(upload_id=upload_id)


@shared_task(name="uploads.tasks.poll_upload")
def poll_upload(upload_id: int) -> None:
    upload_poll(upload_id=upload_id)


@shared_task(name="uploads.tasks.sweep")
def sweep() -> dict[str, int]:
    counts = upload_sweep()
    if "skipped" not in counts:
        counts["api_finished"] = api_finish_checked()
    return counts


@shared_task(name="uploads.tasks.expire_drafts")
def expire_drafts() -> int:
    return drafts_expire()


@shared_task(
    name="uploads.tasks.sync_plans",
    soft_time_limit=settings.PLAN_SYNC_TIME_LIMIT,
    time_limit=settings.PLAN_SYNC_TIME_LIMIT + 30,
)
def sync_plans() -> dict[str, int]:
    return plans.plans_sync_all()


@shared_task(
    name="uploads.tasks.read_back",
    soft_time_limit=settings.PLAN_SYNC_TIME_LIMIT,
    time_limit=settings.PLAN_SYNC_TIME_LIMIT + 30,
)
def read_back(team_id: int) -> dict[str, int]:
    return readback.readback_team(team_id=team_id)


@shared_task(name="uploads.tasks.send_reminders")
def send_reminders() -> int:
    """Beat, daily: today's weekly reminders of stale items (one a person a
    week); how many were sent."""
    return len(reminders.send_reminders())


@shared_task(name="uploads.tasks.ping")
def ping(token: str) -> str:
    """Round trip for tests and health checks: proves a worker reaches the database.

    It writes nothing: a health check must not fill the audit history.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (answer,) = cursor.fetchone()
    logger.info("ping %s: database answered %s", token, answer)
    return token
