"""Thin Celery tasks: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from uploads import services


@shared_task(name="uploads.tasks.submit_upload")
def submit_upload(upload_id: int) -> None:
    services.upload_submit(upload_id=upload_id)


@shared_task(name="uploads.tasks.poll_upload")
def poll_upload(upload_id: int) -> None:
    services.upload_poll(upload_id=upload_id)


@shared_task(name="uploads.tasks.sweep")
def sweep() -> dict[str, int]:
    return services.upload_sweep()


@shared_task(name="uploads.tasks.ping")
def ping(token: str) -> str:
    """Round trip for tests and health checks: proves a worker reaches the database."""
    services.audit(action="worker.ping", token=token)
    return token
