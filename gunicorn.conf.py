"""Gunicorn reads this file from the working directory on its own.

The settings are loaded once in the master before any worker starts, so a
configuration error stops gunicorn with one line naming the variable instead of
a traceback from every worker it boots.

Each worker process serves several requests at once (threads), so a slow request
(a person's 10 MB upload arriving, a long export) never keeps the next visitor's
login page waiting for a free process. The command line may still set `--workers`
and `--timeout` (the Dockerfile and compose file do).
"""

from __future__ import annotations

import os
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60
# Each connection closes after its answer. Kept alive, a connection whose body was
# refused unread (a 413) would be drained by the worker before its next request;
# closed, the rest of that body is never read. nginx keeps its own connections to
# visitors alive, and talks to gunicorn one request a connection anyway.
keepalive = 0


def on_starting(server: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings

    from portal.env import exit_on_config_error

    exit_on_config_error(lambda: settings.INSTALLED_APPS)
