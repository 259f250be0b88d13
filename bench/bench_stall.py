"""Can big, bad files stall the portal? The hardening issue's attack, measured.

The worst-case file: 100,000 rows, every cell wrong and every row different
(``Q1,Acheivd1,x1,2 Octobre 2026``), so no check is ever repeated. Measured:

1. checking it (``csvformat.parse``), as a worker or the API does;
2. a production-like portal (gunicorn with gunicorn.conf.py: 3 workers of 4
   threads, DEBUG off, PostgreSQL, Redis, one Celery worker) taking three such
   files at once from three uploaders, while an anonymous visitor opens the login
   page every 100 ms: how long each POST holds a web worker, and how long the login
   page takes meanwhile (target under 1 s), until the worker has checked all three.

Then the same with every file checked in the request (CHECK_IN_WORKER_BYTES above
the file's size), to show what the worker saves. Then one signed-in person's worst
(issue 20), each for ATTACK_SECONDS with the login page timed (p50, p99, max):
API dry runs, uploads and history exports, in bench/bench_stall_person.py.

A scratch database `portal_bench_stall` (or BENCH_STALL_DATABASE) is made and
dropped. Run:
``python -m bench.bench_stall [all|three|api|uploads|exports|person] [RUNS]`` (one
part, or person for the three of one person; default all), each of one person's
attacks RUNS times (default 1), all in one table at the end.

BENCH_STALL_NGINX=1 puts nginx in front of gunicorn, as deployed: the bench starts
Debian's nginx (``apt-get install nginx``) on a free port with bench/nginx_bench.conf
(deploy/nginx.conf's limits, timeouts and proxy settings, plain HTTP; the bench
stops if they no longer match) and sends every request, the attackers' and the
login visitor's, through it (nginx's CPU then counts in the portal's cores).
Without nginx installed that run is skipped with a line saying so; without the
variable nginx is not needed. gunicorn's own settings can be varied for a run with
GUNICORN_CMD_ARGS (``--keep-alive 2``, or ``-c other.conf.py``), passed on to it.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.scratch import ScratchDatabase, free_port, manage

REPO = Path(__file__).resolve().parent.parent
# Its own name when two runs share the PostgreSQL server (each drops its own).
DATABASE = ScratchDatabase(os.environ.get("BENCH_STALL_DATABASE", "portal_bench_stall"))
ROWS = 100_000
UPLOADERS = 3
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PASSWORD = "bench-stall-Passw0rd!"  # noqa: S105
API_TOKEN = "bench-stall-api-token-0123456789abcdef"  # noqa: S105
CLIENTS = 16
ATTACK_SECONDS = float(os.environ.get("BENCH_STALL_SECONDS", "30"))
# CHECK_IN_WORKER_BYTES for the worst-person attacks: the default (200 KB) unless
# told; with 1000000 the 1 MB uploads are checked in the request (p99 1.7 s).
WORST_PERSON_CHECK_IN_WORKER_BYTES = int(
    os.environ.get("BENCH_CHECK_IN_WORKER_BYTES", "200000")
)
# BENCH_STALL_NGINX=1: every request through nginx (bench/nginx_bench.conf).
NGINX = os.environ.get("BENCH_STALL_NGINX", "") == "1"
NGINX_CONF = REPO / "bench" / "nginx_bench.conf"
# Directives that must read as in deploy/nginx.conf (the bench's copy may differ
# in paths, ports and TLS only).
_COPIED = re.compile(
    r"^\s*((?:proxy_|client_)\w+|send_timeout|keepalive_timeout|server_tokens)\b.*;"
)


def nginx_binary() -> str | None:
    """Debian's nginx, if installed (/usr/sbin is not on every PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/bin")


def _copied_settings(text: str) -> set[str]:
    return {
        " ".join(line.split())
        for line in text.splitlines()
        if _COPIED.match(line) and "_temp_path" not in line
    }


def nginx_settings_differ() -> set[str]:
    """deploy/nginx.conf's limits, timeouts and proxy settings that
    bench/nginx_bench.conf lacks or has otherwise (empty when they match)."""
    deployed = _copied_settings((REPO / "deploy" / "nginx.conf").read_text())
    bench = _copied_settings(NGINX_CONF.read_text())
    return deployed ^ bench


def _login_answers(
    url: str, seconds: float, gave_up: Callable[[], bool] = lambda: False
) -> bool:
    """Whether the login page at `url` answers within `seconds` (False at once
    when `gave_up` says the server's process is gone)."""
    deadline = time.monotonic() + seconds
    while not gave_up() and time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/accounts/login/", timeout=10).ok:
                return True
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    return False


@contextmanager
def _nginx(upstream: str):
    """nginx (bench/nginx_bench.conf) in front of `upstream` (host:port); yields
    its base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as prefix:
        # nginx's workers run as nobody when the bench is root: they need to reach
        # the temporary files' folders.
        os.chmod(prefix, 0o755)  # noqa: S103
        conf = Path(prefix) / "nginx.conf"
        conf.write_text(
            NGINX_CONF.read_text()
            .replace("@LISTEN@", f"127.0.0.1:{port}")
            .replace("@UPSTREAM@", upstream)
            .replace("@PREFIX@", prefix)
        )
        process = subprocess.Popen(
            [nginx_binary(), "-p", prefix, "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            if not _login_answers(url, 20, gave_up=lambda: process.poll() is not None):
                log = Path(prefix) / "error.log"
                raise RuntimeError(
                    "nginx did not start: "
                    + (log.read_text()[-3000:] if log.exists() else "no log")
                )
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def worst_case(rows: int = ROWS) -> bytes:
    lines = ["External ID,Status,Current Value,As Of Date"]
    lines += [f"Q{i},Acheivd{i},x{i},{i % 28 + 1} Octobre 2026" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _environment(var_dir: str, check_in_worker_bytes: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "bench-stall-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": DATABASE.url,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        # Plain HTTP on 127.0.0.1, as behind a proxy that terminates TLS.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "PORTAL_VAR_DIR": var_dir,
        "PRIVATE_STORAGE_DIR": str(Path(var_dir) / "private"),
        "CHECK_IN_WORKER_BYTES": str(check_in_worker_bytes),
        "LOG_LEVEL": "WARNING",
        "ACHIEVEIT_API_KEY": "bench-key",
    }


def _prepare(env: dict[str, str]) -> None:
    """Migrate; a team with 2,000 plan items and three uploaders."""
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    script = f"""
from django.contrib.auth.models import User
from uploads.models import Membership, PlanItem, Team
team = Team.objects.create(slug="bench", name="Bench")
PlanItem.objects.bulk_create(
    PlanItem(team=team, external_id=f"ITEM-{{n:05d}}", has_metric=True)
    for n in range(2000)
)
for n in range({UPLOADERS}):
    user = User.objects.create_user(f"uploader{{n}}", password={PASSWORD!r})
    Membership.objects.create(user=user, team=team, role="uploader")
from uploads.models import ApiToken
from uploads.services.tokens import token_hash
ApiToken.objects.create(
    team=team, name="bench", prefix={API_TOKEN[:8]!r},
    token_hash=token_hash({API_TOKEN!r}), created_by=user,
)
"""
    manage(env, "shell", "-c", script)


@contextmanager
def _portal(env: dict[str, str]):
    """gunicorn (its own config file) and one Celery worker; yields the base URL."""
    port = free_port()
    logs = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                # As the attacked instance ran (and the compose file runs it).
                "--workers",
                "3",
                "--timeout",
                "60",
            ],
            cwd=REPO,
            env=env,
            stdout=logs,
            stderr=logs,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
            ],
            cwd=REPO,
            env=env,
            stdout=logs,
            stderr=logs,
        ),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        if not _login_answers(url, 60):
            logs.seek(0)
            raise RuntimeError(logs.read().decode(errors="replace")[-3000:])
        if NGINX:
            with _nginx(f"127.0.0.1:{port}") as proxied:
                yield proxied
        else:
            yield url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        logs.close()


def _logged_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{url}/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": f"{url}/accounts/login/"},
        timeout=10,
    )
    answer.raise_for_status()
    assert "/accounts/login/" not in answer.url, "login failed"
    return session


def _post_file(url: str, session: requests.Session, data: bytes) -> tuple[float, str]:
    form = session.get(f"{url}/teams/bench/upload/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    started = time.perf_counter()
    answer = session.post(
        f"{url}/teams/bench/upload/",
        data={"csrfmiddlewaretoken": token},
        files={"file": ("worst.csv", data, "text/csv")},
        headers={"Referer": f"{url}/teams/bench/upload/"},
        allow_redirects=False,
        timeout=120,
    )
    seconds = time.perf_counter() - started
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    return seconds, answer.headers["Location"]


def _all_checked(env: dict[str, str]) -> bool:
    """True once every upload is in and none is waiting to be checked."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as connection:
        (total, checking) = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'checking')"
            " FROM uploads_upload"
        ).fetchone()
    return total == UPLOADERS and checking == 0


def attack(env: dict[str, str], data: bytes) -> dict[str, float]:
    """Three uploads at once, the login page timed every 100 ms until all are
    checked."""
    with _portal(env) as url:
        sessions = [_logged_in(url, f"uploader{n}") for n in range(UPLOADERS)]
        quiet = []
        for _ in range(10):
            started = time.perf_counter()
            requests.get(f"{url}/accounts/login/", timeout=60).raise_for_status()
            quiet.append(time.perf_counter() - started)
        posts: list[float] = []
        threads = [
            threading.Thread(
                target=lambda s=session: posts.append(_post_file(url, s, data)[0])
            )
            for session in sessions
        ]
        started_attack = time.perf_counter()
        for thread in threads:
            thread.start()
        logins: list[float] = []
        while True:
            started = time.perf_counter()
            requests.get(f"{url}/accounts/login/", timeout=120).raise_for_status()
            logins.append(time.perf_counter() - started)
            done_posting = not any(thread.is_alive() for thread in threads)
            if done_posting and _all_checked(env):
                break
            if time.perf_counter() - started_attack > 600:
                raise RuntimeError("the uploads were not checked within 10 minutes")
            time.sleep(0.1)
        checked = time.perf_counter() - started_attack
        for thread in threads:
            thread.join()
    return {
        "quiet_login": statistics.median(quiet),
        "post_max": max(posts),
        "login_median": statistics.median(logins),
        "login_max": max(logins),
        "logins": len(logins),
        "all_checked": checked,
    }


def run() -> list[tuple[str, str]]:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    from uploads import csvformat

    data = worst_case()
    started = time.perf_counter()
    result = csvformat.parse(data, plan_items={})
    parse_seconds = time.perf_counter() - started
    assert result.error_count == 4 * ROWS, result.error_count

    rows = [
        ("file", f"{ROWS:,} rows, {len(data) / 1e6:.1f} MB, 4 errors a row"),
        (
            "checking it (csvformat.parse)",
            f"{parse_seconds:.2f} s, {result.error_count:,} errors (target about"
            f" 2 s or less: {'met' if parse_seconds <= 2.2 else 'MISSED'})",
        ),
    ]
    for label, threshold in (
        ("checked by the worker", 1_000_000),
        ("checked in the request", len(data) + 1),
    ):
        DATABASE.create()
        try:
            with tempfile.TemporaryDirectory() as var_dir:
                env = _environment(var_dir, threshold)
                _prepare(env)
                figures = attack(env, data)
        finally:
            DATABASE.drop()
        login_max = figures["login_max"]
        verdict = "met" if login_max < 1 else "MISSED"
        rows += [
            (f"{label}: POST of a file (max of 3)", f"{figures['post_max']:.2f} s"),
            (
                f"{label}: login page during the attack",
                f"median {figures['login_median']:.2f} s, max {login_max:.2f} s over "
                f"{figures['logins']} loads (quiet: "
                f"{figures['quiet_login']:.3f} s; target max < 1 s: {verdict})",
            ),
            (
                f"{label}: all three checked after",
                f"{figures['all_checked']:.1f} s",
            ),
        ]
    return rows


def main() -> None:
    from bench.bench_pipeline import print_table
    from bench.bench_stall_person import PARTS, run_worst_person

    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if part not in {"all", "three", "person", *PARTS}:
        choices = "|".join(("all", "three", "person", *PARTS))
        sys.exit(f"usage: python -m bench.bench_stall [{choices}] [RUNS]")
    if NGINX and nginx_binary() is None:
        print(
            "bench_stall: skipped, BENCH_STALL_NGINX=1 asks for nginx in front of "
            "gunicorn and nginx is not installed (apt-get install nginx)"
        )
        return
    if NGINX and (differ := nginx_settings_differ()):
        sys.exit(
            "bench/nginx_bench.conf no longer matches deploy/nginx.conf in: "
            + "; ".join(sorted(differ))
        )
    if part in ("all", "three"):
        print_table(
            "Stall attack: three worst-case files at once "
            f"({'nginx in front of ' if NGINX else ''}gunicorn, 3 x 4 threads)",
            run(),
        )
    if part != "three":
        run_worst_person(list(PARTS) if part in ("all", "person") else [part], runs)


if __name__ == "__main__":
    main()
