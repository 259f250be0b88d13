"""Gunicorn reads this file from the working directory on its own.

The settings are loaded once in the master before any worker starts, so a
configuration error stops gunicorn with one line naming the variable instead of
a traceback from every worker it boots.

Each worker process serves several requests at once (threads), so a slow request
(a person's 10 MB upload arriving, a long export) never keeps the next visitor's
login page waiting for a free process. The command line may still set `--workers`
(the compose file does); the timeouts live here only.

gunicorn is meant to sit behind nginx (deploy/nginx.conf), which reads each request
whole, with its own header and body timeouts, before passing it on. gunicorn's
gthread worker has no such timeout: a connection that sends nothing is parked
after 5 s and closed, but once a request has begun, its thread
reads the headers and body with blocking reads for as long as the client trickles
them, so a few slow senders reaching gunicorn directly hold every thread. `timeout`
does not help there: with gthread it only restarts a worker whose main loop stops
answering, it bounds no request.
"""

from __future__ import annotations

import os
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# A worker whose main loop is silent this long is killed and replaced. nginx gives
# up on an answer after 55 s (proxy_read_timeout), before this.
timeout = 60
# On a restart or stop, requests under way get this long to finish (the compose
# file's stop_grace_period for web is longer, so Docker does not cut them first).
graceful_timeout = 30
# The longest request line and header a browser or script needs, with room to
# spare; anything bigger is refused before Django sees it (gunicorn's defaults are
# 4094 bytes, 100 fields of 8190 bytes).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# A connection without a request body stays open this long for a next request,
# parked on the worker's poller (no thread holds it), and is then closed without
# waiting. With no keep-alive at all, every answer ends with gunicorn's graceful
# close on the worker's main loop, which waits up to 2 s for the client to close
# its side and accepts nothing meanwhile: a few clients that never close stalled
# the site when gunicorn was reached directly (bench/bench_stall_person.py,
# BENCH_STALL_LINGER). nginx talks to gunicorn one request a connection anyway.
keepalive = 2


def pre_request(worker: Any, req: Any) -> None:
    """A request with a body closes its connection after the answer: kept
    alive, a body refused unread (a 413) would be drained by the worker's thread
    before a next request could be read; closed, the rest is never read."""
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING" or (name == "CONTENT-LENGTH" and value != "0"):
            req.must_close = True
            return


def on_starting(server: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings

    from portal.env import exit_on_config_error

    exit_on_config_error(lambda: settings.INSTALLED_APPS)
