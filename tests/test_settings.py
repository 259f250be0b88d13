from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.env import ConfigError, env_bool, env_float, env_int, env_list, env_secret

REPO = Path(__file__).resolve().parent.parent

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
        # A developer's .env (or the one CI's `make run` wrote) stays out of it.
        "PORTAL_ENV_FILE": "",
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


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf"])
def test_env_float_rejects_numbers_that_are_not_finite(monkeypatch, raw):
    monkeypatch.setenv("ACHIEVEIT_READ_TIMEOUT", raw)
    with pytest.raises(ConfigError, match="is not a finite number"):
        env_float("ACHIEVEIT_READ_TIMEOUT", 30.0, minimum=0.1)


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, ,b.example ")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_settings_may_come_from_an_env_file_and_real_variables_win(tmp_path):
    env_file = tmp_path / "local.env"
    env_file.write_text(
        "DEBUG=true\nACHIEVEIT_BASE_URL=http://127.0.0.1:8765\n"
        "ALLOWED_HOSTS=from-the-file.example\n"
    )
    result = load_settings(
        tmp_path, PORTAL_ENV_FILE=str(env_file), ALLOWED_HOSTS="real.example"
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded["debug"] is True
    assert loaded["base_url"] == "http://127.0.0.1:8765"
    assert loaded["hosts"] == ["real.example"]


def test_a_secret_may_come_from_a_file(tmp_path, monkeypatch):
    secret_file = tmp_path / "api_key"
    secret_file.write_text("key-from-a-docker-secret\n")
    monkeypatch.delenv("ACHIEVEIT_API_KEY", raising=False)
    monkeypatch.setenv("ACHIEVEIT_API_KEY_FILE", str(secret_file))
    assert env_secret("ACHIEVEIT_API_KEY") == "key-from-a-docker-secret"


def test_a_secret_file_that_cannot_be_read_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=r"SECRET_KEY_FILE=.*cannot be read"):
        env_secret("SECRET_KEY")


def test_a_secret_set_twice_is_refused(tmp_path, monkeypatch):
    (tmp_path / "key").write_text("one")
    monkeypatch.setenv("SECRET_KEY", "two")
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "key"))
    with pytest.raises(ConfigError, match="SECRET_KEY or SECRET_KEY_FILE, not both"):
        env_secret("SECRET_KEY")


def test_the_secret_key_file_is_used_by_the_settings(tmp_path):
    (tmp_path / "key").write_text("from-a-file\n")
    result = read_settings(
        tmp_path, "SECRET_KEY", SECRET_KEY_FILE=str(tmp_path / "key")
    )
    assert loaded(result)["SECRET_KEY"] == "from-a-file"


@pytest.mark.parametrize(
    "argv",
    [
        ["manage.py", "validate_updates", "tests/fixtures/csv/clean_updates.csv"],
        ["-m", "celery", "-A", "portal", "worker"],
        ["-m", "celery", "-A", "portal", "beat"],
        ["-m", "gunicorn", "portal.wsgi", "--bind", "127.0.0.1:0"],
    ],
    ids=["manage.py", "celery worker", "celery beat", "gunicorn"],
)
def test_a_configuration_error_is_one_line_naming_the_variable(tmp_path, argv):
    result = subprocess.run(
        [sys.executable, *argv],
        cwd=REPO,
        env={
            "PATH": os.environ["PATH"],
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "PORTAL_ENV_FILE": "",
            "DEBUG": "false",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    problem = [
        line for line in result.stderr.splitlines() if "Configuration error" in line
    ]
    assert problem == ["Configuration error: SECRET_KEY must be set unless DEBUG=true"]
    assert "Traceback" not in result.stderr


# --- email and cache (issue 11: no reset link in a log) ---------------------------

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def read_settings(tmp_path, *names: str, **env: str) -> subprocess.CompletedProcess:
    """Import portal.settings in a fresh process with exactly this environment and
    print the named settings as JSON (stdout's last line)."""
    snippet = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=REPO,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "PORTAL_ENV_FILE": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_mail_goes_out_by_smtp_when_no_backend_is_named(tmp_path):
    settings = loaded(read_settings(tmp_path, "EMAIL_BACKEND", SECRET_KEY="x"))
    assert settings["EMAIL_BACKEND"] == SMTP


def test_the_local_run_prints_mail_to_the_console(tmp_path):
    settings = loaded(read_settings(tmp_path, "EMAIL_BACKEND", DEBUG="true"))
    assert settings["EMAIL_BACKEND"] == CONSOLE


@pytest.mark.parametrize("kind", ["console", "filebased", "locmem", "dummy"])
def test_production_refuses_a_backend_that_keeps_mail_on_the_machine(tmp_path, kind):
    backend = f"django.core.mail.backends.{kind}.EmailBackend"
    result = read_settings(
        tmp_path, "EMAIL_BACKEND", SECRET_KEY="x", EMAIL_BACKEND=backend
    )
    assert result.returncode != 0
    assert f"EMAIL_BACKEND={backend} keeps mail on this machine" in result.stderr
    assert "ALLOW_LOCAL_EMAIL=true" in result.stderr


def test_production_keeps_mail_local_only_when_told_to(tmp_path):
    result = read_settings(
        tmp_path,
        "EMAIL_BACKEND",
        SECRET_KEY="x",
        EMAIL_BACKEND=CONSOLE,
        ALLOW_LOCAL_EMAIL="true",
    )
    assert loaded(result)["EMAIL_BACKEND"] == CONSOLE


def test_the_allow_flag_alone_changes_no_backend(tmp_path):
    result = read_settings(
        tmp_path, "EMAIL_BACKEND", SECRET_KEY="x", ALLOW_LOCAL_EMAIL="true"
    )
    assert loaded(result)["EMAIL_BACKEND"] == SMTP


def test_a_console_backend_in_production_stops_the_server_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", "127.0.0.1:0"],
        cwd=REPO,
        env={
            "PATH": os.environ["PATH"],
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "PORTAL_ENV_FILE": "",
            "SECRET_KEY": "x",
            "EMAIL_BACKEND": CONSOLE,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    problem = [
        line for line in result.stderr.splitlines() if "Configuration error" in line
    ]
    assert len(problem) == 1
    assert problem[0].startswith(f"Configuration error: EMAIL_BACKEND={CONSOLE}")
    assert "Traceback" not in result.stderr


def test_the_cache_is_a_folder_every_process_of_the_host_shares(tmp_path):
    caches = loaded(read_settings(tmp_path, "CACHES", DEBUG="true"))["CACHES"]
    assert caches["default"]["BACKEND"] == (
        "django.core.cache.backends.filebased.FileBasedCache"
    )
    assert caches["default"]["LOCATION"] == str(tmp_path / "var" / "cache")


def test_the_cache_is_redis_when_cache_url_names_one(tmp_path):
    caches = loaded(
        read_settings(
            tmp_path, "CACHES", SECRET_KEY="x", CACHE_URL="redis://cache:6379/3"
        )
    )["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches["default"]["LOCATION"] == "redis://cache:6379/3"


def test_a_cache_url_that_is_not_redis_is_refused(tmp_path):
    result = read_settings(
        tmp_path, "CACHES", SECRET_KEY="x", CACHE_URL="memcached://cache:11211"
    )
    assert result.returncode != 0
    assert "CACHE_URL='memcached://cache:11211' is not a redis://" in result.stderr


# --- HTTPS, behind a proxy or not ----------------------------------------------

HTTPS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
)


def load_https_settings(tmp_path, *names: str, **env: str) -> dict:
    """The HTTPS settings (and any other `names`) with an SMTP host set."""
    result = read_settings(
        tmp_path, *HTTPS, *names, EMAIL_HOST="smtp.example.org", **env
    )
    return loaded(result)


def test_production_is_https_only_with_hsts(tmp_path):
    https = load_https_settings(tmp_path, SECRET_KEY="x" * 50)
    assert https["SECURE_SSL_REDIRECT"] is True
    assert https["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert https["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert https["SECURE_HSTS_PRELOAD"] is True
    assert https["SECURE_PROXY_SSL_HEADER"] is None


def test_the_local_run_stays_plain_http(tmp_path):
    https = load_https_settings(tmp_path, DEBUG="true")
    assert https["SECURE_SSL_REDIRECT"] is False
    assert https["SECURE_HSTS_SECONDS"] == 0


def test_each_https_setting_can_be_switched_off(tmp_path):
    https = load_https_settings(
        tmp_path,
        SECRET_KEY="x" * 50,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
        SECURE_HSTS_PRELOAD="off",
    )
    assert https["SECURE_SSL_REDIRECT"] is False
    assert https["SECURE_HSTS_SECONDS"] == 0
    assert https["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert https["SECURE_HSTS_PRELOAD"] is False


def test_behind_a_tls_proxy_its_headers_say_the_scheme_and_the_visitor(tmp_path):
    https = load_https_settings(
        tmp_path,
        "FORWARDED_ALLOW_IPS",
        "AXES_CLIENT_IP_CALLABLE",
        SECRET_KEY="x" * 50,
        BEHIND_TLS_PROXY="true",
        FORWARDED_ALLOW_IPS="172.30.57.10, 10.1.0.0/16",
    )
    assert https["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert https["FORWARDED_ALLOW_IPS"] == ["172.30.57.10", "10.1.0.0/16"]
    assert https["AXES_CLIENT_IP_CALLABLE"] == "portal.logins.client_ip"


def test_no_proxy_is_trusted_with_the_visitors_address_unless_named(tmp_path):
    https = load_https_settings(tmp_path, "FORWARDED_ALLOW_IPS", SECRET_KEY="x" * 50)
    assert https["FORWARDED_ALLOW_IPS"] == []


def test_behind_a_tls_proxy_its_address_must_be_named(tmp_path):
    # Otherwise every visitor has the proxy's address, and anyone locks anyone out.
    result = read_settings(
        tmp_path, "FORWARDED_ALLOW_IPS", SECRET_KEY="x", BEHIND_TLS_PROXY="true"
    )
    assert result.returncode != 0
    assert "BEHIND_TLS_PROXY=true needs FORWARDED_ALLOW_IPS" in result.stderr


def test_a_proxy_address_that_is_not_one_stops_start_up(tmp_path):
    result = read_settings(
        tmp_path, "FORWARDED_ALLOW_IPS", SECRET_KEY="x", FORWARDED_ALLOW_IPS="nginx"
    )
    assert result.returncode != 0
    assert "FORWARDED_ALLOW_IPS: 'nginx' is not an address or a network" in (
        result.stderr
    )


# --- what a DEBUG error page shows of the settings -----------------------------

PASSWORD = "hunter2-in-a-url"


@pytest.fixture
def settings_with_passwords(settings):
    settings.DATABASE_URL = f"postgres://portal:{PASSWORD}@db.internal:5432/portal"
    settings.CELERY_BROKER_URL = f"redis://:{PASSWORD}@cache.internal:6379/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:{PASSWORD}@cache.internal:6379/1",
        }
    }
    settings.EMAIL_HOST_PASSWORD = PASSWORD
    settings.ACHIEVEIT_API_KEY = PASSWORD
    settings.SENTRY_DSN = f"https://{PASSWORD}@o1.ingest.example.io/1"
    # Named like nothing secret, but holding user:password@.
    settings.REPORTS_MIRROR = f"sftp://reports:{PASSWORD}@files.internal/"
    return settings


def test_the_settings_dump_masks_every_address_that_may_hold_a_password(
    settings_with_passwords,
):
    from django.test import RequestFactory
    from django.views.debug import get_exception_reporter_filter

    from portal.debug import PortalExceptionReporterFilter

    request = RequestFactory().get("/")
    reporter_filter = get_exception_reporter_filter(request)
    safe = reporter_filter.get_safe_settings()

    assert isinstance(reporter_filter, PortalExceptionReporterFilter)
    assert PASSWORD not in repr(safe)
    assert safe["DATABASE_URL"] == reporter_filter.cleansed_substitute
    assert safe["CACHES"]["default"]["LOCATION"] == reporter_filter.cleansed_substitute
    # What holds no password stays readable.
    assert safe["TIME_ZONE"] == settings_with_passwords.TIME_ZONE


def test_a_debug_error_page_shows_no_password(settings_with_passwords):
    import sys as system

    from django.test import RequestFactory
    from django.views.debug import technical_500_response

    settings_with_passwords.DEBUG = True
    request = RequestFactory().get("/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = technical_500_response(request, *system.exc_info())

    page = response.content.decode()
    assert "boom" in page
    assert "DATABASE_URL" in page
    assert PASSWORD not in page


# --- AchieveIt's metric status path (issue 16: an assumption, so a setting) ---------


def test_the_metric_status_path_defaults_to_the_progress_one_by_analogy(tmp_path):
    default = loaded(read_settings(tmp_path, "ACHIEVEIT_METRIC_STATUS_PATH", DEBUG="1"))
    changed = loaded(
        read_settings(
            tmp_path,
            "ACHIEVEIT_METRIC_STATUS_PATH",
            DEBUG="1",
            ACHIEVEIT_METRIC_STATUS_PATH="/api/v2/metrics/{job_id}",
        )
    )

    assert default["ACHIEVEIT_METRIC_STATUS_PATH"] == (
        "/api/metricupdates/status/{job_id}"
    )
    assert changed["ACHIEVEIT_METRIC_STATUS_PATH"] == "/api/v2/metrics/{job_id}"


def test_a_metric_status_path_without_the_job_id_stops_start_up(tmp_path):
    result = read_settings(
        tmp_path,
        "ACHIEVEIT_METRIC_STATUS_PATH",
        DEBUG="1",
        ACHIEVEIT_METRIC_STATUS_PATH="/api/metricupdates/status/",
    )

    assert result.returncode != 0
    assert "ACHIEVEIT_METRIC_STATUS_PATH must be a path starting with /" in (
        result.stderr
    )
