"""Archiving: the one way an upload leaves the portal's database.

An upload with events cannot be deleted (its events PROTECT it, and the admin has
no delete). Finished uploads may be archived: the upload, its rows, its calls to
AchieveIt and its events are written to a JSON-lines file (Django's `jsonl`
serialization, so `manage.py loaddata` can bring them back), its original file is
moved beside it, and one UPLOAD_ARCHIVED event, which names the upload by number
only, stays in the history.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import models, transaction
from django.utils import timezone

from uploads.models import Attempt, AuditEvent, Upload, UploadRow
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

# Only an upload nothing will change any more: never one on its way or in review.
ARCHIVABLE_STATES = Upload.TERMINAL_STATES


@dataclass
class ArchiveResult:
    folder: Path | None
    archived: list[int] = field(default_factory=list)
    # Upload number -> why it stays.
    skipped: dict[int, str] = field(default_factory=dict)


def archivable(uploads: models.QuerySet[Upload]) -> ArchiveResult:
    """Which of `uploads` can be archived together, and why the others cannot: an
    upload must be finished, and a draft made from it (a revision) must go with it
    (it names its original)."""
    result = ArchiveResult(folder=None)
    candidates = {}
    for upload in uploads.order_by("pk"):
        if upload.state in ARCHIVABLE_STATES:
            candidates[upload.pk] = upload
        else:
            result.skipped[upload.pk] = (
                f"it is {upload.get_state_display().lower()}: only succeeded, "
                "rejected, resolved or canceled uploads are archived"
            )
    revisions: dict[int, set[int]] = {}
    for revision_pk, original_pk in Upload.objects.filter(
        revision_of__in=list(candidates)
    ).values_list("pk", "revision_of"):
        revisions.setdefault(original_pk, set()).add(revision_pk)
    # Dropping one may strand its original in turn: repeat until nothing changes.
    changed = True
    while changed:
        changed = False
        for pk in list(candidates):
            kept = revisions.get(pk, set()) - set(candidates)
            if kept:
                del candidates[pk]
                result.skipped[pk] = (
                    f"upload #{min(kept)} was made from it and is not archived with it"
                )
                changed = True
    result.archived = sorted(candidates)
    return result


def uploads_archive(
    *, uploads: models.QuerySet[Upload], folder: Path | None = None
) -> ArchiveResult:
    """Archive the finished uploads among `uploads` into a new folder under
    `folder` (default: PRIVATE_STORAGE_DIR/archive), then delete them.

    The archive is written and flushed to disk before anything is deleted, and the
    originals are removed only once the deletion is committed. Raises ServiceError
    when the folder cannot be written.
    """
    result = archivable(uploads)
    if not result.archived:
        return result
    root = Path(folder) if folder else Path(settings.PRIVATE_STORAGE_DIR) / "archive"
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    target = root / f"uploads-{stamp}-{result.archived[0]}"
    try:
        (target / "files").mkdir(parents=True)
    except OSError as error:
        raise ServiceError(
            f"Cannot make the archive folder {target}: {error}"
        ) from None
    result.folder = target
    chosen = Upload.objects.filter(pk__in=result.archived).select_related("team")
    manifest = _write_archive(target, chosen)

    with transaction.atomic():
        # Newest first: a revision goes before the upload it was made from.
        for upload in chosen.order_by("-pk"):
            entry = manifest[upload.pk]
            # The one place events are deleted: they are in the archive now.
            models.QuerySet.delete(AuditEvent.objects.filter(upload=upload))
            upload.delete()
            audit(
                action=AuditEvent.Action.UPLOAD_ARCHIVED,
                team=upload.team,
                upload_number=entry["number"],
                archive=target.name,
                rows=entry["rows"],
                attempts=entry["attempts"],
                events=entry["events"],
                state=entry["state"],
                original_name=entry["original_name"],
            )
        paths = {entry["original_path"] for entry in manifest.values()}
        transaction.on_commit(lambda: _remove_originals(paths))
    return result


def _write_archive(target: Path, chosen: models.QuerySet[Upload]) -> dict[int, dict]:
    """Write archive.jsonl, copy the originals under files/, write manifest.json;
    all flushed to disk. Returns the manifest entries by upload number."""
    storage = Path(settings.PRIVATE_STORAGE_DIR)
    manifest: dict[int, dict] = {}
    with open(target / "archive.jsonl", "w", encoding="utf-8") as stream:
        for upload in chosen.order_by("pk"):
            related = {
                "rows": UploadRow.objects.filter(upload=upload),
                "attempts": Attempt.objects.filter(upload=upload),
                "events": AuditEvent.objects.filter(upload=upload),
            }
            serializers.serialize("jsonl", [upload], stream=stream)
            for queryset in related.values():
                serializers.serialize(
                    "jsonl", queryset.order_by("pk").iterator(), stream=stream
                )
            source = storage / upload.original_path if upload.original_path else None
            copied = ""
            if source is not None and source.is_file():
                copy = target / "files" / upload.original_path
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)
                copied = str(copy.relative_to(target))
            manifest[upload.pk] = {
                # The number the history shows (the team's), and the row's id.
                "number": upload.number,
                "id": upload.pk,
                "team": upload.team.slug,
                "state": upload.state,
                "created_at": upload.created_at.isoformat(),
                "original_name": upload.original_name,
                "original_path": upload.original_path,
                "file": copied,
                **{name: queryset.count() for name, queryset in related.items()},
            }
        stream.flush()
        os.fsync(stream.fileno())
    with open(target / "manifest.json", "w", encoding="utf-8") as stream:
        json.dump({"uploads": list(manifest.values())}, stream, indent=2)
        stream.flush()
        os.fsync(stream.fileno())
    return manifest


def _remove_originals(paths: set[str]) -> None:
    """Remove the archived originals no upload left in the portal still uses (a
    revision that left out rows shares its original's file)."""
    storage = Path(settings.PRIVATE_STORAGE_DIR)
    still_used = set(
        Upload.objects.filter(original_path__in=paths).values_list(
            "original_path", flat=True
        )
    )
    for path in paths - still_used - {""}:
        (storage / path).unlink(missing_ok=True)
