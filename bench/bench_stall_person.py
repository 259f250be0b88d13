"""One signed-in person's worst (issue 20), for bench_stall: each attack runs for
ATTACK_SECONDS against a production-like portal while an anonymous visitor, in a
process of its own, opens the login page every 100 ms (target: p99 under 1 s).

- api: CLIENTS clients of one script token looping dry runs of the 100,000-row
  bad file (big files go to the worker; checks at once are limited per token);
- uploads: CLIENTS concurrent uploads of a 1 MB bad file from one uploader's
  session, over and over (over CHECK_IN_WORKER_BYTES, so checked by the worker;
  at most CHECKS_PER_PERSON at once);
- exports: EXPORT_CLIENTS concurrent clients of one viewer's session looping the
  full history export (``/history/export.csv``, each file read to its end) of a
  team with HISTORY_EVENTS audit events: at most HISTORY_EXPORTS_PER_PERSON at
  once (the rest answered 429, tried again a second later, the refused
  connection closed first as a browser does: see LINGER), each cut at
  HISTORY_EXPORT_MAX_ROWS events and read through a cursor.

The visitor's timer is a process of its own so that the attackers' threads (in
the bench's process, sharing its interpreter lock) do not slow the very clock
that judges the portal. The machine's load average is read before each attack
(the portal started, nothing attacking yet) and at its end (the attack's own
load included): a figure measured on a busy machine says so in its row.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from bench.bench_stall import (
    API_TOKEN,
    ATTACK_SECONDS,
    CLIENTS,
    DATABASE,
    NGINX,
    PASSWORD,
    WORST_PERSON_CHECK_IN_WORKER_BYTES,
    _environment,
    _logged_in,
    _portal,
    _prepare,
    manage,
    worst_case,
)

# The history export attack: 13 concurrent exports from one viewer's session, of
# a team's history this long (twice HISTORY_EXPORT_MAX_ROWS' default).
EXPORT_CLIENTS = 13
HISTORY_EVENTS = 200_000
PARTS = ("exports", "api", "uploads")
# BENCH_STALL_LINGER=1: the exports' attackers keep each refused connection open
# through their second's pause instead of closing it first. Straight to gunicorn
# (no nginx in front) that stalls the site: gunicorn 27's gthread worker closes
# a connection on its main loop, waiting up to 2 s for the client to close its
# side (util.close_graceful), and accepts nothing meanwhile. Measured without
# it by default: a browser, and nginx in front of gunicorn, close at once.
# Measured with it (2 cores shared, load 3-8, 4 runs each): straight to gunicorn
# login p50 0.11-0.19 s, p99 0.88-1.02 s, 77-85 loads in 30 s; through nginx
# (BENCH_STALL_NGINX=1) p50 0.014-0.023 s, p99 0.05-0.25 s, 218-254 loads: nginx
# reads gunicorn's answer whole and closes its side at once, whatever the client.
# Since gunicorn.conf.py keeps such connections alive (keepalive 2, the closes no
# longer wait on the main loop), straight to gunicorn on a quiet machine (load
# 1.5-1.8, 2 runs): p50 0.009-0.010 s, p99 0.036-0.037 s, max 0.042-0.074 s.
LINGER = os.environ.get("BENCH_STALL_LINGER", "") == "1"


def one_mb_bad_file() -> bytes:
    """A bad file just under 1 MB (over CHECK_IN_WORKER_BYTES' default, so the
    worker checks it)."""
    data = worst_case(30_000)
    while len(data) > 990_000:
        data = data[: data.rindex(b"\n", 0, len(data) - 1) + 1]
    return data


def _seed_history(env: dict[str, str], events: int = HISTORY_EVENTS) -> None:
    """A viewer of the bench team, and `events` audit events of that team (one a
    minute back from now), inserted by one INSERT ... SELECT: AuditEvent refuses
    only updates and deletes."""
    script = f"""
from django.contrib.auth.models import User
from django.db import connection
from uploads.models import AuditEvent, Membership, Team
team = Team.objects.get(slug="bench")
viewer = User.objects.create_user("viewer", password={PASSWORD!r})
Membership.objects.create(user=viewer, team=team, role="viewer")
actions = ["membership.set", "plan_items.imported", "api_token.created",
           "plan.linked", "team.created"]
with connection.cursor() as cursor:
    cursor.execute(
        f"INSERT INTO {{AuditEvent._meta.db_table}}"
        " (at, actor_id, actor_username, team_id, upload_id, upload_number,"
        " action, details)"
        " SELECT now() - make_interval(mins => n), NULL, 'uploader' || (n %% 3),"
        " %s, NULL, NULL, (%s::text[])[1 + n %% 5],"
        " jsonb_build_object('note', 'bench event ' || n)"
        " FROM generate_series(1, %s) AS n",
        [team.pk, actions, {events}],
    )
    cursor.execute("ANALYZE " + AuditEvent._meta.db_table)
assert AuditEvent.objects.filter(team=team).count() >= {events}
"""  # noqa: S608 (a script of the bench's own constants, no outside input)
    manage(env, "shell", "-c", script)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _load() -> float:
    """The machine's load average over the last minute."""
    return os.getloadavg()[0]


def _descendants_cpu(exclude: set[int]) -> float:
    """CPU seconds used so far by every process under this one (gunicorn and its
    workers, the Celery worker), but those in `exclude`: what the portal spent,
    whatever else the machine runs. PostgreSQL's are not counted."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    under = {os.getpid()}
    for _ in range(5):  # gunicorn's master, its workers: a few levels at most
        under |= {pid for pid, parent in parents.items() if parent in under}
    return sum(times[pid] for pid in under - exclude - {os.getpid()})


def _time_logins(url: str, seconds: float, results) -> None:
    """The anonymous visitor (its own process): the login page every 100 ms for
    `seconds`; each load's time is put on `results`, then None."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        started = time.perf_counter()
        requests.get(f"{url}/accounts/login/", timeout=120).raise_for_status()
        results.put(time.perf_counter() - started)
        time.sleep(0.1)
    results.put(None)


def _time_logins_while(
    url: str, attack_loop: Callable, seconds: float, clients: int = CLIENTS
) -> dict[str, float]:
    """Run `attack_loop(stop, answers)` in `clients` threads for `seconds` while
    the visitor times the login page; the login figures and how the attack was
    answered (each loop appends an answer's status, or 0 for a stream it cut off
    when told to stop)."""
    quiet = []
    for _ in range(10):
        started = time.perf_counter()
        requests.get(f"{url}/accounts/login/", timeout=60).raise_for_status()
        quiet.append(time.perf_counter() - started)
    load_before = _load()
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    stop = threading.Event()
    answers: list[int] = []
    threads = [
        threading.Thread(target=attack_loop, args=(stop, answers), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    visitor = spawn.Process(target=_time_logins, args=(url, seconds, results))
    visitor.start()
    # The visitor and the queue's feeder are no part of the portal.
    spawned = {visitor.pid, *(child.pid for child in multiprocessing.active_children())}
    cpu_before, started = _descendants_cpu(spawned), time.monotonic()
    logins: list[float] = []
    while (value := results.get(timeout=seconds + 180)) is not None:
        logins.append(value)
    visitor.join(timeout=30)
    cores = (_descendants_cpu(spawned) - cpu_before) / (time.monotonic() - started)
    load_after = _load()
    stop.set()
    for thread in threads:
        thread.join(timeout=180)
    return {
        "quiet": statistics.median(quiet),
        "p50": statistics.median(logins),
        "p99": _percentile(logins, 0.99),
        "max": max(logins),
        "logins": len(logins),
        "load_before": load_before,
        "load_after": load_after,
        "cores": cores,
        "calls": len(answers),
        "refused": sum(1 for code in answers if code == 429),
        "errors": sum(1 for code in answers if code >= 500),
        "completed": sum(1 for code in answers if code == 200),
        "cut": sum(1 for code in answers if code == 0),
    }


def api_dry_run_attack(env: dict[str, str], data: bytes) -> dict[str, float]:
    """CLIENTS clients of one token loop dry runs of `data` (the 100k-row file)."""
    with _portal(env) as url:

        def loop(stop: threading.Event, answers: list[int]) -> None:
            while not stop.is_set():
                answer = requests.post(
                    f"{url}/api/progressupdates/worst.csv?dry_run=true",
                    data=data,
                    headers={
                        "Authorization": f"API-KEY {API_TOKEN}",
                        "Content-Type": "text/csv",
                    },
                    timeout=120,
                )
                answers.append(answer.status_code)
                if answer.status_code == 429:
                    # Retry-After says 5 s; an impatient script tries every second.
                    time.sleep(1)

        return _time_logins_while(url, loop, ATTACK_SECONDS)


def upload_page_attack(env: dict[str, str], data: bytes) -> dict[str, float]:
    """CLIENTS concurrent uploads of `data` (1 MB, bad) from one uploader's
    session, each thread posting again as soon as it is answered."""
    with _portal(env) as url:
        session = _logged_in(url, "uploader0")
        form = session.get(f"{url}/teams/bench/upload/", timeout=30).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token is not None

        def loop(stop: threading.Event, answers: list[int]) -> None:
            own = requests.Session()
            own.cookies.update(session.cookies)
            while not stop.is_set():
                answer = own.post(
                    f"{url}/teams/bench/upload/",
                    data={"csrfmiddlewaretoken": token.group(1)},
                    files={"file": ("bad.csv", data, "text/csv")},
                    headers={"Referer": f"{url}/teams/bench/upload/"},
                    allow_redirects=False,
                    timeout=120,
                )
                answers.append(answer.status_code)
                if answer.status_code == 429:
                    # Asked to wait: the person sends it again a second later.
                    time.sleep(1)

        return _time_logins_while(url, loop, ATTACK_SECONDS)


def history_export_attack(env: dict[str, str], data: bytes) -> dict[str, float]:
    """EXPORT_CLIENTS clients of one viewer's session loop the full history export,
    each reading the file to its end (`data` is unused: the attack reads)."""
    _seed_history(env)
    with _portal(env) as url:
        session = _logged_in(url, "viewer")
        rows: list[int] = []
        cut_rows: list[int] = []

        def loop(stop: threading.Event, answers: list[int]) -> None:
            own = requests.Session()
            own.cookies.update(session.cookies)
            while not stop.is_set():
                refused = False
                with own.get(
                    f"{url}/history/export.csv", stream=True, timeout=120
                ) as answer:
                    if answer.status_code != 200:
                        answers.append(answer.status_code)
                        refused = answer.status_code == 429
                        if refused and LINGER:
                            time.sleep(1)  # the connection held open meanwhile
                    else:
                        _read_export(answer, stop, answers, rows, cut_rows)
                if refused and not LINGER:
                    # Retry-After says minutes; the person tries each second.
                    time.sleep(1)

        figures = _time_logins_while(url, loop, ATTACK_SECONDS, EXPORT_CLIENTS)
        figures["lines"] = max(rows, default=0)
        figures["cut_lines"] = max(cut_rows, default=0)
        return figures


def _read_export(
    answer: requests.Response,
    stop: threading.Event,
    answers: list[int],
    rows: list[int],
    cut_rows: list[int],
) -> None:
    """Read an export to its end (200, its lines in `rows`) or until the bench
    stops (0, in `cut_rows`)."""
    lines = 0
    for chunk in answer.iter_content(chunk_size=65536):
        lines += chunk.count(b"\n")
        if stop.is_set():
            # Cut off by the bench's end, not by the portal.
            answers.append(0)
            cut_rows.append(lines)
            return
    answers.append(200)
    rows.append(lines)


@dataclass(frozen=True)
class Attack:
    part: str
    label: str
    run: Callable[[dict[str, str], bytes], dict[str, float]]
    data: Callable[[], bytes]


ATTACKS = {
    "api": Attack(
        "api",
        f"{CLIENTS} clients looping API dry runs of the 100k-row file",
        api_dry_run_attack,
        worst_case,
    ),
    "uploads": Attack(
        "uploads",
        f"{CLIENTS} concurrent 1 MB bad uploads from one person's session",
        upload_page_attack,
        one_mb_bad_file,
    ),
    "exports": Attack(
        "exports",
        f"{EXPORT_CLIENTS} clients looping one viewer's history export "
        f"({HISTORY_EVENTS:,} events)"
        + ("; each refused connection held open for 1 s (LINGER)" if LINGER else ""),
        history_export_attack,
        lambda: b"",
    ),
}


def run_part(part: str) -> dict[str, float]:
    """One attack, on a scratch database made for it and dropped after."""
    attack = ATTACKS[part]
    data = attack.data()
    DATABASE.create()
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = _environment(var_dir, WORST_PERSON_CHECK_IN_WORKER_BYTES)
            # The bench's own clients all come from 127.0.0.1: no API limit per
            # minute gets in the way of the worst case.
            env["API_RATE_LIMIT_PER_MINUTE"] = "100000"
            _prepare(env)
            return attack.run(env, data)
    finally:
        DATABASE.drop()


COLUMNS = (
    ("part", 7, "{part}"),
    ("run", 3, "{run}"),
    ("quiet", 6, "{quiet:.3f}"),
    ("p50 s", 6, "{p50:.3f}"),
    ("p99 s", 6, "{p99:.3f}"),
    ("max s", 6, "{max:.3f}"),
    ("loads", 5, "{logins:.0f}"),
    ("calls", 5, "{calls:.0f}"),
    ("429", 5, "{refused:.0f}"),
    ("5xx", 4, "{errors:.0f}"),
    ("portal cores", 12, "{cores:.2f}"),
    ("load before/end", 15, "{load_before:.2f} / {load_after:.2f}"),
    ("p99 < 1 s", 9, "{verdict}"),
)


def print_runs(results: list[tuple[str, int, dict[str, float]]]) -> None:
    """The login page's figures, one line a run, then what each attack did."""
    title = (
        "Stall attack: one signed-in person's worst, the login page meanwhile "
        f"({'nginx in front of ' if NGINX else ''}gunicorn, 3 x 4 threads; "
        f"{ATTACK_SECONDS:.0f} s each; "
        f"{os.cpu_count()} cores)"
    )
    print(f"\n{title}\n{'-' * len(title)}")
    print("  ".join(f"{name:>{width}}" for name, width, _ in COLUMNS))
    for part, run, figures in results:
        verdict = "met" if figures["p99"] < 1 else "MISSED"
        values = {"part": part, "run": run, "verdict": verdict, **figures}
        print(
            "  ".join(
                f"{shape.format(**values):>{width}}" for _, width, shape in COLUMNS
            )
        )
    print(
        "quiet: the login page's median before the attack; loads: login pages "
        "timed; calls: the attack's answers (429: refused, 5xx: errors); portal "
        "cores: the CPU gunicorn and the Celery worker used meanwhile, in cores "
        "(PostgreSQL not counted); load: the 1-minute load average as the "
        "attack began and as it ended (the attack's own included)."
    )
    for part in dict.fromkeys(part for part, _, _ in results):
        print(f"{part}: {ATTACKS[part].label}")
    for _, run, figures in results:
        if "lines" in figures:
            print(
                f"exports run {run}: {figures['completed']:.0f} read whole "
                f"({figures['lines']:,.0f} lines at most), {figures['cut']:.0f} "
                f"cut off by the bench's end (after {figures['cut_lines']:,.0f} "
                "lines at most)"
            )


def run_worst_person(parts: list[str], runs: int = 1) -> None:
    """Each of `parts`, `runs` times over, then the table of every run."""
    results = [
        (part, run, run_part(part)) for part in parts for run in range(1, runs + 1)
    ]
    print_runs(results)
