"""The Celery application: `celery -A portal worker` and `celery -A portal beat`.

Configuration is read from Django settings (the CELERY_* names).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from portal.env import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _load_settings(sender: Celery, **kwargs: Any) -> None:
    """Load Django's settings before Celery reads them, so a configuration error
    ends `celery worker` and `celery beat` with one line instead of a traceback."""
    from django.conf import settings

    exit_on_config_error(lambda: settings.INSTALLED_APPS)
