"""Settings for the test suite: the real settings, fed a test environment.

Worker and simulator processes started by the tests use this module too.
"""

from __future__ import annotations

import os
import uuid

# A developer's `.env` (written by `make run`) must not change what the tests see.
os.environ.setdefault("PORTAL_ENV_FILE", "")
os.environ.setdefault("SECRET_KEY", "test-only-secret")
os.environ.setdefault("ACHIEVEIT_API_KEY", "test-secret-key-4f9d")
os.environ.setdefault("ACHIEVEIT_BASE_URL", "http://127.0.0.1:9")
# The test client and the live server speak plain HTTP (DEBUG is off in CI).
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Tests (and the workers they start) keep mail in memory or in a folder.
os.environ.setdefault("ALLOW_LOCAL_EMAIL", "true")
# The pipeline tests need a real Redis; the local one is the default.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# A queue of this run's own (inherited by its worker processes), so two runs sharing
# one Redis never take each other's tasks.
os.environ.setdefault("PORTAL_TEST_QUEUE", f"tests-{uuid.uuid4().hex[:12]}")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
AXES_ENABLED = os.environ.get("AXES_ENABLED", "true") == "true"
# Persistent connections from the live server's threads would keep the test
# database busy at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = os.environ["PORTAL_TEST_QUEUE"]
# The sweep's queue is this run's own too (portal/celery.py has workers consume it).
SWEEP_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-sweep"
CELERY_TASK_ROUTES = {"uploads.tasks.sweep": {"queue": SWEEP_QUEUE}}
# Nothing cached between tests: each one sees the figures it made.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
