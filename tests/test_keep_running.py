"""deploy/keep_running.py, which `make run` starts the worker and beat through:
a command that exits is started again, and a stop signal stops both for good."""

from __future__ import annotations

import os
import re
import runpy
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO, wait_until

KILL_AFTER = runpy.run_path(str(REPO / "deploy" / "keep_running.py"))["KILL_AFTER"]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def started_pids(log: Path) -> list[int]:
    return [int(pid) for pid in re.findall(r"\(pid (\d+)\)", log.read_text())]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that ended but was not reaped yet counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


@pytest.fixture
def supervise(tmp_path: Path) -> Iterator:
    """Start keep_running.py on a command; at teardown stop it and anything it
    started, whatever the test did."""
    runs: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(argv: list[str]) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"keep_running-{len(runs)}.log"
        popen = subprocess.Popen(
            [sys.executable, "deploy/keep_running.py", *argv],
            cwd=REPO,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        runs.append((popen, log))
        return popen, log

    yield start
    for popen, log in runs:
        if popen.poll() is None:
            popen.terminate()
            popen.wait(timeout=30)
        for pid in started_pids(log):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_command_that_dies_is_started_again(supervise):
    wrapper, log = supervise(SLEEPER)
    [first] = wait_until(lambda: started_pids(log), timeout=10)

    os.kill(first, signal.SIGKILL)

    pids = wait_until(
        lambda: len(started_pids(log)) == 2 and started_pids(log), timeout=10
    )
    second = pids[1]
    assert second != first
    assert alive(second)
    assert wrapper.poll() is None
    assert "exited with status 137; starting it again in 1 s" in log.read_text()


def test_a_stop_signal_stops_the_command_and_starts_nothing_again(supervise, tmp_path):
    # The signal must find the command running, not still starting its
    # interpreter (a Ctrl-C there ends it with status 1, not by the signal).
    ready = tmp_path / "ready"
    sleeper = [
        sys.executable,
        "-c",
        "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch(); time.sleep(600)",
        str(ready),
    ]
    wrapper, log = supervise(sleeper)
    [child] = wait_until(lambda: started_pids(log), timeout=10)
    wait_until(ready.exists, timeout=10)

    wrapper.send_signal(signal.SIGINT)

    assert wrapper.wait(timeout=10) == 128 + signal.SIGINT
    assert not alive(child)
    assert started_pids(log) == [child]


def test_a_command_that_keeps_failing_is_started_again_ever_more_slowly(supervise):
    wrapper, log = supervise([sys.executable, "-c", "raise SystemExit(3)"])

    wait_until(lambda: "starting it again in 2 s" in log.read_text(), timeout=15)

    text = log.read_text()
    assert "exited with status 3; starting it again in 1 s" in text
    assert wrapper.poll() is None


def test_without_a_command_it_says_how_to_use_it():
    result = subprocess.run(
        [sys.executable, "deploy/keep_running.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "usage: keep_running.py COMMAND" in result.stderr


def test_a_command_that_does_not_stop_is_killed_with_its_group_before_honchos_5_s(
    supervise, tmp_path
):
    # A command that ignores SIGTERM and has a child of its own (as a worker has
    # its pool): honcho would SIGKILL the wrapper at 5 s and leave both running.
    ready = tmp_path / "ready"
    stubborn = [
        sys.executable,
        "-c",
        "import pathlib, signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "sleeper = 'import time; time.sleep(600)'\n"
        "child = subprocess.Popen([sys.executable, '-c', sleeper])\n"
        "pathlib.Path(sys.argv[1]).write_text(str(child.pid))\n"
        "time.sleep(600)",
        str(ready),
    ]
    wrapper, log = supervise(stubborn)
    [command] = wait_until(lambda: started_pids(log), timeout=10)
    wait_until(lambda: ready.exists() and ready.read_text(), timeout=10)
    its_child = int(ready.read_text())

    try:
        sent = time.monotonic()
        wrapper.send_signal(signal.SIGTERM)
        status = wrapper.wait(timeout=10)
        took = time.monotonic() - sent

        assert KILL_AFTER <= took < 5, took
        assert status == 128 + signal.SIGKILL
        assert f"did not stop within {KILL_AFTER:g} s of SIGTERM; killing it" in (
            log.read_text()
        )
        wait_until(lambda: not alive(command) and not alive(its_child), timeout=5)
    finally:  # the fixture stops only what the wrapper started
        if alive(its_child):
            os.kill(its_child, signal.SIGKILL)


def test_a_command_that_stops_in_time_is_not_killed(supervise, tmp_path):
    ready = tmp_path / "ready"
    # Takes 1 s to stop on SIGTERM, then exits 0, as a worker's warm shutdown does.
    slow_to_stop = [
        sys.executable,
        "-c",
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1), sys.exit(0)))\n"
        "pathlib.Path(sys.argv[1]).touch()\n"
        "time.sleep(600)",
        str(ready),
    ]
    wrapper, log = supervise(slow_to_stop)
    wait_until(ready.exists, timeout=10)

    wrapper.send_signal(signal.SIGTERM)

    assert wrapper.wait(timeout=10) == 0
    assert "killing it" not in log.read_text()
