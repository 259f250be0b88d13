"""What the benches share: a PostgreSQL database of a bench's own, made fresh and
dropped after, a free port for the servers they start, and manage.py commands."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class ScratchDatabase:
    name: str

    @property
    def url(self) -> str:
        return ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"

    def create(self) -> None:
        """Drop whatever a stopped run left under the name, then make it anew."""
        self.drop()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {self.name}")

    def drop(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def free_port() -> int:
    """A TCP port nothing listens on now, for a server a bench starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    """Run `manage.py ARGS` with `env`; its output, or RuntimeError with its errors."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr}")
    return result.stdout
