"""Run a command and start it again whenever it exits; stop both on Ctrl-C.

    python deploy/keep_running.py celery -A portal worker --loglevel INFO

`make run` starts the Celery worker through this (Procfile), so a worker that dies
(celery 5.7 can exit with "Unrecoverable error" after a Redis restart, see the
README) comes back by itself, as `restart: unless-stopped` does in the compose
file. A command that keeps failing at once is started again after a growing pause
(1 s, 2 s, 4 s ... at most 30 s), so a broken setup does not spin.

SIGINT, SIGTERM and SIGHUP are passed on to the command, which is then waited for
and not started again; this script exits with the command's status. A command
still running KILL_AFTER seconds after the stop signal is killed, with its process
group, and a line says so: honcho (`make run`) SIGKILLs whatever still runs 5 s
after the first of its processes ended (the web server ends at once), and a
command in a session of its own would outlive this script killed that way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
# A run that lasted this long was healthy: the next pause starts from the first.
HEALTHY_RUN = 60.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Seconds from a stop signal to killing a command still running: inside honcho's
# 5 s, so this script has ended before honcho kills anything. (Celery's cold
# shutdown, SIGQUIT, is no quicker way out: with the local run's thread pool it
# cannot stop a running task either, and it logs an error.) A task killed this way
# is recovered as after any dead worker: the sweep republishes an upload's task
# that was lost and sends one left in `submitting` to review (README).
KILL_AFTER = 4.0


class Supervisor:
    """Keeps one child process running until told to stop."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.stop_signal = ""

    def stop(self, signum: int, _frame: FrameType | None) -> None:
        """Signal handler: pass the signal on and start nothing again."""
        if not self.stopping:
            self.stopping = True
            self.stop_signal = signal.Signals(signum).name
            # kill_late() runs in this (main) thread too, while run() waits.
            signal.signal(signal.SIGALRM, self.kill_late)
            signal.setitimer(signal.ITIMER_REAL, KILL_AFTER)
        if self._running():
            self.child.send_signal(signum)

    def kill_late(self, _signum: int, _frame: FrameType | None) -> None:
        """Alarm handler: kill a command that did not stop when told to."""
        if not self._running():
            return
        self._say(
            f"{self.argv[0]} did not stop within {KILL_AFTER:g} s of "
            f"{self.stop_signal}; killing it"
        )
        # Its own session and group (see run()): a worker's pool processes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.child.pid, signal.SIGKILL)

    def _running(self) -> bool:
        return self.child is not None and self.child.returncode is None

    def run(self) -> int:
        """Run the command until a stop signal; return its last exit status."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.stop)
        try:
            return self._keep_running()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _keep_running(self) -> int:
        pause = FIRST_PAUSE
        while True:
            started = time.monotonic()
            # Its own session: a Ctrl-C or honcho's SIGTERM to our group reaches
            # the command once, through stop(), not twice (celery takes a second
            # SIGINT as "cold shutdown": stop the running tasks at once).
            self.child = subprocess.Popen(self.argv, start_new_session=True)
            if self.stopping:  # a signal came while it was being started
                self.child.terminate()
            self._say(f"started {self.argv[0]} (pid {self.child.pid})")
            status = self.child.wait()
            if status < 0:  # ended by a signal: report it the way a shell does
                status = 128 - status
            if self.stopping:
                return status
            if time.monotonic() - started >= HEALTHY_RUN:
                pause = FIRST_PAUSE
            self._say(
                f"{self.argv[0]} exited with status {status}; "
                f"starting it again in {pause:g} s"
            )
            deadline = time.monotonic() + pause
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(0.1)
            if self.stopping:
                return status
            pause = min(pause * 2, LONGEST_PAUSE)

    @staticmethod
    def _say(text: str) -> None:
        print(f"keep_running: {text}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    """Entry point: `keep_running.py COMMAND [ARG ...]`."""
    if not argv:
        print("usage: keep_running.py COMMAND [ARG ...]", file=sys.stderr)
        return 2
    return Supervisor(argv).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
