"""Drafts nobody sends are discarded by beat after DRAFT_MAX_AGE_DAYS; their files
stay, and the history says why."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from uploads.models import AuditEvent, Upload
from uploads.services.drafts import drafts_expire, upload_create

State = Upload.State


def _age(upload: Upload, days: float) -> None:
    Upload.objects.filter(pk=upload.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_a_draft_older_than_the_limit_is_discarded_and_keeps_its_file(draft, settings):
    settings.DRAFT_MAX_AGE_DAYS = 7
    _age(draft, 8)

    assert drafts_expire() == 1

    draft.refresh_from_db()
    assert draft.state == State.REJECTED
    assert (settings.PRIVATE_STORAGE_DIR / draft.original_path).exists()
    assert draft.rows.count() == 4
    event = AuditEvent.objects.get(upload=draft, action="upload.expired")
    assert event.actor is None
    assert event.description == "Draft discarded: not sent within 7 days"


def test_a_young_draft_and_a_sent_upload_are_left_alone(draft, alice, settings):
    settings.DRAFT_MAX_AGE_DAYS = 7
    _age(draft, 6)
    sent = upload_create(team=draft.team, user=alice, data=b"x")
    _age(sent, 30)
    Upload.objects.filter(pk=sent.pk).update(state=State.QUEUED)

    assert drafts_expire() == 0

    assert Upload.objects.get(pk=draft.pk).state == State.DRAFT
    assert Upload.objects.get(pk=sent.pk).state == State.QUEUED


def test_beat_runs_the_expiry_every_hour(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["expire-drafts"]
    assert schedule["task"] == "uploads.tasks.expire_drafts"
    assert schedule["schedule"] <= 3600
