"""docker-compose cannot start here (no Docker engine), so check what can be
checked: the containers run the same command lines as `make run`, nginx stands in
front of gunicorn with the portal's limits, and production settings pass Django's
deployment checks."""

from __future__ import annotations

import ipaddress
import os
import re
import runpy
import secrets
import shlex
import subprocess
import sys

import yaml
from django.conf import settings
from django.test import Client

from tests.helpers import REPO


def procfile() -> dict[str, str]:
    entries = {}
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        entries[name.strip()] = command.strip()
    return entries


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_has_the_whole_stack():
    services = compose()["services"]
    assert {"web", "worker", "beat", "redis", "postgres", "simulator"} <= set(services)
    assert services["simulator"]["profiles"] == ["simulator"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")


def test_worker_and_beat_run_the_same_commands_as_make_run():
    services = compose()["services"]
    local = procfile()
    # Locally deploy/keep_running.py starts them again, as `restart:` does here.
    keep_running = "python deploy/keep_running.py "
    assert keep_running + services["worker"]["command"] == local["worker"]
    assert keep_running + services["beat"]["command"] == local["beat"]


def test_every_service_comes_back_and_says_whether_it_is_healthy():
    services = compose()["services"]
    assert set(services) == {
        "web",
        "nginx",
        "worker",
        "beat",
        "simulator",
        "redis",
        "postgres",
    }
    for name, service in services.items():
        assert service["restart"] in {"always", "unless-stopped"}, name
        test = service["healthcheck"]["test"]
        assert test[0] in {"CMD", "CMD-SHELL"}, name
        assert len(test) > 1, name
    worker_check = services["worker"]["healthcheck"]["test"][1]
    assert worker_check.startswith("celery -A portal inspect ping")
    assert "--destination celery@$$HOSTNAME" in worker_check


def test_the_health_checks_name_what_exists():
    services = compose()["services"]
    for name in ("web", "beat", "simulator"):
        test = services[name]["healthcheck"]["test"]
        assert test[1:3] == ["python", "deploy/healthcheck.py"], name
        assert (REPO / test[2]).is_file()
    web_check = services["web"]["healthcheck"]["test"]
    assert (REPO / "static" / web_check[-1].removeprefix("/static/")).is_file()
    assert "location = /healthz" in nginx_conf()
    assert services["nginx"]["healthcheck"]["test"][-1] == "http://127.0.0.1/healthz"


def test_web_container_serves_the_wsgi_app_with_gunicorn():
    web = compose()["services"]["web"]["command"]
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "gunicorn portal.wsgi" in web
    assert "migrate --no-input" in web
    assert '"gunicorn", "portal.wsgi"' in dockerfile


def test_the_simulator_container_runs_the_simulator_module():
    command = compose()["services"]["simulator"]["command"]
    argv = shlex.split(command)[-1]
    assert "python -m simulator" in argv
    assert "python -m simulator" in procfile()["simulator"]


# --- production settings --------------------------------------------------------


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_ENV_FILE": "",
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "portal.example.org",
            "EMAIL_HOST": "smtp.example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def policy_of(response) -> dict[str, list[str]]:
    directives = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def test_every_page_carries_a_policy_without_inline_script_or_style(db):
    response = Client().get("/accounts/login/")

    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]


def test_behind_the_tls_proxy_only_its_https_header_avoids_the_redirect(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    plain = Client().get("/accounts/login/", HTTP_HOST="127.0.0.1")
    proxied = Client().get(
        "/accounts/login/", HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https"
    )

    assert plain.status_code == 301
    assert plain["Location"] == "https://127.0.0.1/accounts/login/"
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=3600")


# --- nginx in front of gunicorn -------------------------------------------------


def nginx_conf() -> str:
    return (REPO / "deploy" / "nginx.conf").read_text()


def nginx_setting(name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;{{]+);", nginx_conf(), flags=re.MULTILINE)
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def seconds(value: str) -> int:
    return int(value.removesuffix("s"))


def test_only_nginx_is_published_and_it_serves_the_portal():
    services = compose()["services"]
    nginx = services["nginx"]

    assert "ports" not in services["web"]
    assert re.fullmatch(r"nginx:\d+\.\d+[\w.-]*", nginx["image"])
    assert {"80:80", "443:443"} == set(nginx["ports"])
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert services["web"]["environment"]["BEHIND_TLS_PROXY"] == "true"
    bind = shlex.split(services["web"]["command"])[-1].split("--bind ")[1].split()[0]
    assert nginx_setting("server") == "web:" + bind.rsplit(":", 1)[1]


def gunicorn_conf() -> dict:
    """The settings gunicorn.conf.py makes (it reads the file the same way)."""
    return runpy.run_path(str(REPO / "gunicorn.conf.py"))


def test_nginx_refuses_what_the_portal_refuses_and_gives_up_before_gunicorn():
    gunicorn_timeout = gunicorn_conf()["timeout"]

    assert int(nginx_setting("client_max_body_size")) == (
        settings.REQUEST_BODY_MAX_BYTES
    )
    assert seconds(nginx_setting("proxy_read_timeout")) < gunicorn_timeout
    assert seconds(nginx_setting("client_body_timeout")) <= 60
    assert seconds(nginx_setting("client_header_timeout")) <= 60


def test_gunicorn_keeps_its_own_timeouts_and_limits_sane():
    conf = gunicorn_conf()
    services = compose()["services"]
    dockerfile = (REPO / "Dockerfile").read_text()

    assert conf["worker_class"] == "gthread"
    assert 30 <= conf["timeout"] <= 120
    assert conf["graceful_timeout"] <= conf["timeout"]
    assert seconds(services["web"]["stop_grace_period"]) > conf["graceful_timeout"]
    # A connection waits for a next request briefly, parked on the poller (not a
    # thread); one that sent a body is closed after its answer (pre_request).
    assert 0 < conf["keepalive"] <= 5
    assert callable(conf["pre_request"])
    assert conf["limit_request_line"] <= 8190
    assert conf["limit_request_fields"] <= 100
    assert conf["limit_request_field_size"] <= 8190
    # One place for the timeouts: no command line overrides them.
    assert "--timeout" not in services["web"]["command"]
    assert "--timeout" not in dockerfile


def test_the_readme_says_nginx_must_stand_in_front_of_gunicorn():
    readme = (REPO / "README.md").read_text()
    deployment = " ".join(readme.split("## Deployment", 1)[1].split("\n## ")[0].split())
    assert "gunicorn must never be reachable directly" in deployment
    assert "slow" in deployment


def test_nginx_sets_the_forwarded_headers_itself():
    conf = nginx_conf()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    # Replaced, not appended to: a visitor cannot pick the address axes counts.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf


def test_the_portal_believes_x_forwarded_for_only_from_nginx():
    config = compose()
    services = config["services"]
    nginx_address = services["nginx"]["networks"]["default"]["ipv4_address"]
    [subnet] = config["networks"]["default"]["ipam"]["config"]

    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["FORWARDED_ALLOW_IPS"] == nginx_address
    assert ipaddress.ip_address(nginx_address) in ipaddress.ip_network(subnet["subnet"])


def test_the_tls_key_never_goes_into_the_image():
    ignored = (REPO / ".dockerignore").read_text().split()
    assert "deploy/certs" in ignored
