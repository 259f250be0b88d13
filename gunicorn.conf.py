"""Gunicorn reads this file from the working directory on its own.

The settings are loaded once in the master before any worker starts, so a
configuration error stops gunicorn with one line naming the variable instead of
a traceback from every worker it boots.
"""

from __future__ import annotations

import os
from typing import Any


def on_starting(server: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings

    from portal.env import exit_on_config_error

    exit_on_config_error(lambda: settings.INSTALLED_APPS)
