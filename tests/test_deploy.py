"""docker-compose cannot start here (no Docker engine), so check what can be
checked: the containers run the same command lines as `make run`."""

from __future__ import annotations

import shlex

import yaml

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
    assert services["worker"]["command"] == local["worker"]
    assert services["beat"]["command"] == local["beat"]


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
