"""The Celery application: `celery -A portal worker` and `celery -A portal beat`.

Configuration is read from Django settings (the CELERY_* names).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
