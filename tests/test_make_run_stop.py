"""Ctrl-C on `make run`: every process it started is gone within 5 s, and the
terminal shows no error (no honcho SIGKILL, no make "Error 130" or "Interrupt").

`make run` runs in a copy of the working tree on free ports, so a developer's .env,
var/ and ports 8000/8765 are left alone. The copy uses this virtualenv (a link),
and make is told not to install anything into it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.helpers import REPO, free_port, wait_until

pytestmark = pytest.mark.slow

# honcho's KILL_WAIT: it SIGKILLs what still runs 5 s after its first process ended.
STOP_WITHIN = 5.0
# Set for make run, inherited by all it starts.
MARK = "MAKE_RUN_STOP_TEST"


def copy_of_the_tree(target: Path) -> Path:
    """The tracked and untracked (not ignored) files, as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return target


def processes_marked(mark: str) -> list[int]:
    """Every live process whose environment carries the mark: all that `make run`
    started, whichever session or parent they ended up in."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(") ", 1)[1][0]
        except OSError:  # ended meanwhile, or not ours to read
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def test_ctrl_c_stops_everything_within_5_s_without_errors(tmp_path):
    if not (Path(sys.prefix) / "bin" / "honcho").exists():
        pytest.skip("honcho is not installed in this virtualenv (requirements.txt)")
    tree = copy_of_the_tree(tmp_path / "portal")
    web_port, simulator_port = free_port(), free_port()
    mark = uuid.uuid4().hex
    # Nothing of the test run's settings (DATABASE_URL, the broker, tests.settings):
    # the local run as a newcomer gets it, SQLite and the embedded broker.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    env[MARK] = mark
    log_path = tmp_path / "make-run.log"
    make = subprocess.Popen(
        [
            "make",
            "-o",
            ".venv/bin/.installed-run",
            "run",
            f"WEB_PORT={web_port}",
            f"SIMULATOR_PORT={simulator_port}",
        ],
        cwd=tree,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        # A terminal of its own, as a person's: Ctrl-C goes to this group, and
        # SIGINT is not ignored even when the test runner was started so.
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def log() -> str:
        return log_path.read_text(errors="replace")

    def answering() -> bool:
        if make.poll() is not None:
            pytest.fail(f"make run ended early:\n{log()}")
        try:
            url = f"http://127.0.0.1:{web_port}/accounts/login/"
            return requests.get(url, timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(answering, timeout=300, interval=0.5)
        wait_until(lambda: re.search(r"celery@\S+ ready\.", log()), timeout=120)
        wait_until(lambda: "beat: Starting..." in log(), timeout=120)
        started = processes_marked(mark)
        assert len(started) >= 4, started

        stop_sent = time.monotonic()
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in make run's terminal
        while processes_marked(mark) and time.monotonic() - stop_sent < 30:
            time.sleep(0.05)
        took = time.monotonic() - stop_sent
        make.wait(timeout=10)
    finally:
        for pid in processes_marked(mark):
            os.kill(pid, signal.SIGKILL)
        if make.poll() is None:
            make.kill()
            make.wait()

    output = log()
    print(f"make run stopped {took:.2f} s after Ctrl-C")
    assert "SIGINT received" in output
    assert took < STOP_WITHIN, f"still running {took:.1f} s after Ctrl-C:\n{output}"
    # make dies of the SIGINT itself once honcho is done (silently) or exits 0.
    assert make.returncode in (0, -signal.SIGINT), output
    problems = [
        line
        for line in output.splitlines()
        if re.search(r"\berror\b|traceback|SIGKILL|make: \*\*\*", line, re.IGNORECASE)
        # The worker and beat stopped by themselves, not killed by keep_running.
        or "did not stop within" in line
    ]
    assert not problems, "\n".join(problems)
