from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from portal.env import ConfigError, env_bool, env_float, env_int, env_list
from tests.conftest import REPO

SNIPPET = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'db_name': str(settings.DATABASES['default']['NAME']), "
    "'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG, "
    "'base_url': settings.ACHIEVEIT_BASE_URL, 'hosts': settings.ALLOWED_HOSTS, "
    "'time_limit': settings.CELERY_TASK_TIME_LIMIT, "
    "'visibility': settings.CELERY_BROKER_TRANSPORT_OPTIONS"
    ".get('visibility_timeout')}))"
)


def load_settings(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import portal.settings in a fresh process with exactly this environment."""
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", SNIPPET],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_defaults_to_sqlite_and_an_embedded_broker(tmp_path):
    result = load_settings(tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["db_name"].startswith(str(tmp_path / "var"))
    assert loaded["broker"].startswith("filesystem://")
    assert (tmp_path / "var" / "broker" / "queue").is_dir()


def test_it_uses_postgres_and_redis_when_their_urls_are_set(tmp_path):
    result = load_settings(
        tmp_path,
        SECRET_KEY="x",
        DATABASE_URL="postgres://portal:pw@db.internal:5433/portal",
        CELERY_BROKER_URL="redis://cache:6379/2",
        ACHIEVEIT_BASE_URL="https://gov.achieveit.example",
        ALLOWED_HOSTS="portal.example.org, other.example.org",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["db_name"] == "portal"
    assert loaded["broker"] == "redis://cache:6379/2"
    assert loaded["base_url"] == "https://gov.achieveit.example"
    assert loaded["hosts"] == ["portal.example.org", "other.example.org"]
    assert loaded["debug"] is False
    # A task never outlives the broker's visibility timeout.
    assert loaded["time_limit"] < loaded["visibility"]


def test_it_refuses_to_start_without_a_secret_key_in_production(tmp_path):
    result = load_settings(tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_a_debug_value_that_is_not_a_boolean(tmp_path):
    result = load_settings(tmp_path, DEBUG="maybe", SECRET_KEY="x")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_yes_no_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", True) is True


def test_env_int_and_float_reject_garbage_and_too_small_values(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ConfigError, match="COUNT='ten' is not a whole number"):
        env_int("COUNT", 1)
    monkeypatch.setenv("COUNT", "-1")
    with pytest.raises(ConfigError, match="must be at least 0"):
        env_int("COUNT", 1)
    monkeypatch.setenv("DELAY", "soon")
    with pytest.raises(ConfigError, match="DELAY='soon' is not a number"):
        env_float("DELAY", 1.0)
    monkeypatch.setenv("DELAY", "2.5")
    assert env_float("DELAY", 1.0) == 2.5


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, ,b.example ")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
