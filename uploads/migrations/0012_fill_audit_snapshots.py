"""Existing events get their snapshots: the actor's username and the upload's
number as they are now (before this, a deleted user's events lost their actor;
those stay "system", nothing can tell who it was)."""

from django.conf import settings
from django.db import migrations
from django.db.models import F, OuterRef, Subquery


def fill(apps, schema_editor):
    AuditEvent = apps.get_model("uploads", "AuditEvent")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    AuditEvent.objects.filter(actor__isnull=False, actor_username="").update(
        actor_username=Subquery(
            User.objects.filter(pk=OuterRef("actor_id")).values("username")[:1]
        )
    )
    AuditEvent.objects.filter(upload__isnull=False, upload_number__isnull=True).update(
        upload_number=F("upload_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("uploads", "0011_audit_snapshots_and_notify_lease"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
