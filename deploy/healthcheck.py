"""Health checks the compose file runs inside the containers (docker-compose.yml).

    python deploy/healthcheck.py http PORT PATH   a server on PORT answers PATH
    python deploy/healthcheck.py beat             beat saved its schedule lately

Exit status 0 is healthy, 1 is not. Only the standard library, so a check costs a
few milliseconds and no Django start-up (the worker's check, `celery inspect ping`,
is in the compose file).

`http` asks 127.0.0.1 with `X-Forwarded-Proto: https`, as nginx would, so the
portal's HTTPS redirect does not answer instead; any status below 500 is an answer
(the web container asks for a static file, which needs neither a host name from
ALLOWED_HOSTS nor the database: a database outage must not restart gunicorn).

`beat` looks at the schedule file beat rewrites every few minutes (celery syncs it
every 3 minutes while it sends the sweep every SWEEP_INTERVAL): older than
BEAT_STALE_AFTER means beat is stuck.
"""

from __future__ import annotations

import http.client
import os
import sys
import time
from pathlib import Path

HTTP_TIMEOUT = 5.0
BEAT_STALE_AFTER = 10 * 60.0


def http_ok(port: int, path: str) -> bool:
    """Whether a server on 127.0.0.1:`port` answers `path` with a status < 500."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


def beat_ok(schedule: Path, now: float | None = None) -> bool:
    """Whether beat's schedule file (any of the files dbm makes of that name)
    changed within BEAT_STALE_AFTER."""
    files = list(schedule.parent.glob(schedule.name + "*"))
    if not files:
        return False
    newest = max(file.stat().st_mtime for file in files)
    return (now if now is not None else time.time()) - newest <= BEAT_STALE_AFTER


def main(argv: list[str]) -> int:
    """Run the check `argv` names; 0 healthy, 1 not, 2 on a usage error."""
    if len(argv) == 3 and argv[0] == "http" and argv[1].isdigit():
        return 0 if http_ok(int(argv[1]), argv[2]) else 1
    if argv == ["beat"]:
        var_dir = Path(os.environ.get("PORTAL_VAR_DIR", "var"))
        return 0 if beat_ok(var_dir / "celerybeat-schedule") else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
